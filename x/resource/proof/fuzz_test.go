package proof_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/alephd/alephd/x/resource/proof"
)

// FuzzVerifyIPFS feeds arbitrary blocks to the verifier, rooted at the CID
// of the first (so the dag-pb and UnixFS decoding, not the hash check, is
// what the fuzzer reaches): it must never panic, and whatever it accepts
// must be a leaf holding the offset, hashing to what its parent links.
func FuzzVerifyIPFS(f *testing.F) {
	lim := proof.DefaultLimits()
	for _, v1 := range []bool{false, true} {
		file := importEmbedded(f, data(3, 300<<10), v1)
		blocks, err := proof.ProveIPFS(context.Background(), file.get, file.root, 300<<10, 1000, lim)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(blocks[0], blocks[1], uint64(300<<10), uint64(1000), v1)
	}
	f.Fuzz(func(t *testing.T, a, b []byte, size, off uint64, raw bool) {
		codec := uint64(cid.DagProtobuf)
		if raw {
			codec = cid.Raw
		}
		mh, err := multihash.Sum(a, multihash.SHA2_256, -1)
		if err != nil {
			t.Fatal(err)
		}
		root := cid.NewCidV1(codec, mh)
		leaf, err := proof.VerifyIPFS(root, size, off, [][]byte{a, b}, lim)
		if err != nil {
			leaf, err = proof.VerifyIPFS(root, size, off, [][]byte{a}, lim)
		}
		if err != nil {
			return
		}
		if uint64(len(leaf)) == 0 || off >= size {
			t.Fatalf("accepted a leaf of %d bytes for offset %d of %d", len(leaf), off, size)
		}
		if raw && !bytes.Equal(leaf, a) {
			t.Fatal("a raw root's leaf is not its block")
		}
		if sum := sha256.Sum256(a); !bytes.Equal(mh[2:], sum[:]) {
			t.Fatal("root hash")
		}
	})
}
