package proof_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/internal/dagtest"
	"github.com/alephd/alephd/x/resource/proof"
)

// TestWalkCountsDistinctBlocks: a file of repeated bytes links one leaf
// block many times; the walk counts its bytes once, as a blockstore keeps
// it, and the sum equals the DAG's distinct blocks. With a limit one byte
// short it reports limit + 1 (ErrDAGTooLarge from Add), and a block
// whose bytes do not hash to its CID is an error, not a size.
func TestWalkCountsDistinctBlocks(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB: 64 equal 1 KiB leaves
	for _, o := range []dagtest.Options{{Chunk: 1024}, {Chunk: 1024, CIDv1: true}, {Chunk: 1024, Trickle: true}} {
		d := dagtest.Build(t, data, o)
		var distinct uint64
		for _, b := range d.Blocks {
			distinct += uint64(len(b))
		}
		get := func(_ context.Context, c cid.Cid) ([]byte, error) { return d.Blocks[c], nil }
		size := uint64(len(data))
		got, err := proof.WalkBytes(ctx, get, d.Root, size, 1<<30)
		if err != nil || got != distinct {
			t.Fatalf("%+v: %d bytes (%v), the DAG's distinct blocks take %d", o, got, err, distinct)
		}
		if got >= 64*1024 {
			t.Fatalf("%+v: %d bytes: the repeated leaf counted more than once", o, got)
		}
		if got, err := proof.WalkBytes(ctx, get, d.Root, size, distinct); err != nil || got != distinct {
			t.Fatalf("%+v: at the limit: %d, %v", o, got, err)
		}
		if got, err := proof.WalkBytes(ctx, get, d.Root, size, distinct-1); err != nil || got != distinct {
			t.Fatalf("%+v: one byte over the limit: %d, %v, want %d", o, got, err, distinct)
		}
		w, err := proof.NewWalk(d.Root, size, distinct-1)
		if err != nil {
			t.Fatal(err)
		}
		for {
			n, ok := w.Next()
			if !ok {
				t.Fatalf("%+v: the walk ended within a limit it passes", o)
			}
			if _, err := w.Add(n, d.Blocks[n.CID]); err != nil {
				if !errors.Is(err, proof.ErrDAGTooLarge) {
					t.Fatal(err)
				}
				break
			}
		}
		bad := func(_ context.Context, c cid.Cid) ([]byte, error) {
			if c.Equals(d.Root) {
				return d.Blocks[c], nil
			}
			return []byte("not the block"), nil
		}
		if _, err := proof.WalkBytes(ctx, bad, d.Root, size, 1<<30); err == nil {
			t.Fatalf("%+v: a wrong block gave a size", o)
		}
	}
}
