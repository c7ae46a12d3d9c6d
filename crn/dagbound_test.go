package crn_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	unixpb "github.com/ipfs/boxo/ipld/unixfs/pb"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/multiformats/go-multihash"

	"github.com/alephd/alephd/internal/dagtest"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// boundDAG is a file of leaf's bytes whose root links the leaf under a
// name padded so that its blocks (the root and the leaf) take total bytes.
func boundDAG(t *testing.T, leaf []byte, total uint64) dagtest.DAG {
	t.Helper()
	leafCID, err := cid.V1Builder{Codec: cid.Raw, MhType: multihash.SHA2_256}.Sum(leaf)
	if err != nil {
		t.Fatal(err)
	}
	fsn := unixfs.NewFSNode(unixpb.Data_File)
	fsn.AddBlockSize(uint64(len(leaf)))
	data, err := fsn.GetBytes()
	if err != nil {
		t.Fatal(err)
	}
	root := func(pad int) *merkledag.ProtoNode {
		nd := merkledag.NodeWithData(data)
		if err := nd.AddRawLink(strings.Repeat("x", pad), &ipld.Link{Cid: leafCID, Size: uint64(len(leaf))}); err != nil {
			t.Fatal(err)
		}
		return nd
	}
	// The name's length varint grows with it: step until the sum is exact.
	pad := int(total) - len(leaf) - len(root(0).RawData())
	for range 8 {
		n := uint64(len(root(pad).RawData()) + len(leaf))
		if n == total {
			nd := root(pad)
			return dagtest.DAG{Root: nd.Cid(), Blocks: map[cid.Cid][]byte{nd.Cid(): nd.RawData(), leafCID: leaf}}
		}
		pad += int(total) - int(n)
	}
	t.Fatalf("no padding gives %d bytes", total)
	return dagtest.DAG{}
}

// TestDAGBoundAgrees: a resource node's budget and the chain's test are
// one bound over one count. A DAG whose distinct blocks take exactly
// resource.MaxDAGBytes of its size is walked by validators at that size
// (proof.WalkBytes, what fetch attests), is one the chain assigns
// (resource.Holdable) and is held; one byte more, and validators report
// MaxDAGBytes + 1, the chain does not assign it and the node refuses it.
func TestDAGBoundAgrees(t *testing.T) {
	ctx := context.Background()
	leaf := randBytes(21, 1000)
	size := uint64(len(leaf))
	limit := resource.MaxDAGBytes(size)
	c := newCCN(t, nil)
	s := openStore(t, t.TempDir())
	defer s.Close() //nolint:errcheck // a test store
	for _, tc := range []struct {
		total, attested uint64
		held            bool
	}{{limit, limit, true}, {limit + 1, limit + 1, false}} {
		d := boundDAG(t, leaf, tc.total)
		c.add(t, d)
		get := func(_ context.Context, id cid.Cid) ([]byte, error) { return d.Blocks[id], nil }
		got, err := proof.WalkBytes(ctx, get, d.Root, size, limit)
		if err != nil || got != tc.attested {
			t.Fatalf("%d bytes of blocks: validators attest %d (%v), want %d", tc.total, got, err, tc.attested)
		}
		if resource.Holdable(size, got) != tc.held {
			t.Fatalf("%d bytes of blocks: the chain assigns it: %v", tc.total, !tc.held)
		}
		err = s.Fetch(ctx, c.url, d.Root.String(), size)
		if (err == nil) != tc.held || s.Holds(d.Root.String()) != tc.held {
			t.Fatalf("%d bytes of blocks (limit %d): fetch %v, held %v", tc.total, limit, err, s.Holds(d.Root.String()))
		}
	}
}
