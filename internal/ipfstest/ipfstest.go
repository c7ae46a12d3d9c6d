// Package ipfstest imports bytes into alephd's embedded IPFS store, as a
// node or a resource node holding a file would, for tests that need a real
// UnixFS DAG and its blocks.
package ipfstest

import (
	"bytes"
	"context"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
)

// Import adds data to a new embedded store in a temporary directory
// (kubo's defaults; CIDv1 with raw leaves if cidV1) and returns its CID and
// a reader of the blocks it wrote (proof.BlockGetter's shape). The store
// closes when the test ends.
func Import(t testing.TB, data []byte, cidV1 bool) (cid.Cid, func(context.Context, cid.Cid) ([]byte, error)) {
	t.Helper()
	_, e := Open(t)
	root, _, err := e.Add(context.Background(), bytes.NewReader(data), content.AddOptions{CIDv1: cidV1})
	if err != nil {
		t.Fatal(err)
	}
	return root, e.Block
}

// Open opens a content store in a temporary directory and its embedded
// IPFS store, both closed when the test ends.
func Open(t testing.TB) (*content.Store, *content.Embedded) {
	t.Helper()
	s, err := content.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e, err := s.IPFS()
	if err != nil {
		t.Fatal(err)
	}
	return s, e
}
