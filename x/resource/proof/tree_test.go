package proof_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/alephd/alephd/x/resource/proof"
)

// TestChunkTree: a tree built once proves every chunk of files of 0 to 9
// chunks (the last short or full) as ProveChunk does, with the root
// ChunkRoot gives, and every proof verifies; an index past the end is
// refused, and a copy changed after the tree was built fails verification.
func TestChunkTree(t *testing.T) {
	lim := proof.DefaultLimits()
	const cs = 64
	for _, size := range []int{1, 63, 64, 65, 128, 300, 576} {
		d := data(uint64(size), size)
		tree, err := proof.NewChunkTree(bytes.NewReader(d), cs)
		if err != nil {
			t.Fatal(err)
		}
		root, n, err := proof.ChunkRoot(bytes.NewReader(d), cs)
		if err != nil || n != tree.Size() || !bytes.Equal(root, tree.Root()) {
			t.Fatalf("size %d: tree root %x of %d bytes, ChunkRoot %x of %d (%v)", size, tree.Root(), tree.Size(), root, n, err)
		}
		chunks := proof.Chunks(uint64(size), cs)
		for i := range chunks {
			chunk, path, err := tree.Prove(bytes.NewReader(d), i)
			if err != nil {
				t.Fatal(err)
			}
			wantChunk, wantPath, err := proof.ProveChunk(bytes.NewReader(d), cs, i)
			if err != nil || !bytes.Equal(chunk, wantChunk) || len(path) != len(wantPath) {
				t.Fatalf("size %d chunk %d: differs from ProveChunk (%v)", size, i, err)
			}
			for j := range path {
				if !bytes.Equal(path[j], wantPath[j]) {
					t.Fatalf("size %d chunk %d: path hash %d differs from ProveChunk's", size, i, j)
				}
			}
			if err := proof.VerifyChunk(root, uint64(size), cs, i, chunk, path, lim); err != nil {
				t.Fatalf("size %d chunk %d: %v", size, i, err)
			}
		}
		if _, _, err := tree.Prove(bytes.NewReader(d), chunks); !errors.Is(err, proof.ErrInvalid) {
			t.Fatalf("size %d: chunk past the end: %v", size, err)
		}
		changed := bytes.Clone(d)
		changed[size-1] ^= 1
		chunk, path, err := tree.Prove(bytes.NewReader(changed), chunks-1)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyChunk(root, uint64(size), cs, chunks-1, chunk, path, lim); !errors.Is(err, proof.ErrInvalid) {
			t.Fatalf("size %d: a changed copy proves: %v", size, err)
		}
		if _, _, err := tree.Prove(bytes.NewReader(d[:size-1]), chunks-1); err == nil {
			t.Fatalf("size %d: a truncated copy gave a chunk", size)
		}
	}
}
