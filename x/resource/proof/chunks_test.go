package proof_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/alephd/alephd/x/resource/proof"
)

// TestChunkRootVectors pins the tree: RFC 6962 over the chunks, so one
// chunk's tree is SHA256(0x00||chunk) and two chunks' is
// SHA256(0x01||leaf0||leaf1); an empty file's is SHA256(""); the root
// binds chunk size and file size to it.
func TestChunkRootVectors(t *testing.T) {
	leaf := func(b []byte) []byte { h := sha256.Sum256(append([]byte{0}, b...)); return h[:] }
	node := func(l, r []byte) []byte { h := sha256.Sum256(append(append([]byte{1}, l...), r...)); return h[:] }
	empty := sha256.Sum256(nil)
	root := func(size int, tree []byte) []byte {
		b := make([]byte, 17, 17+32)
		b[0], b[8], b[16] = 2, 4, byte(size) // chunk size 4, sizes below 256
		h := sha256.Sum256(append(b, tree...))
		return h[:]
	}
	cases := []struct {
		data []byte
		want []byte
	}{
		{nil, empty[:]},
		{[]byte("abc"), leaf([]byte("abc"))},
		{[]byte("abcdef"), node(leaf([]byte("abcd")), leaf([]byte("ef")))},
		// three leaves: the split is at 2, the largest power of two below 3
		{[]byte("abcdefghij"), node(node(leaf([]byte("abcd")), leaf([]byte("efgh"))), leaf([]byte("ij")))},
	}
	for _, c := range cases {
		got, n, err := proof.ChunkRoot(bytes.NewReader(c.data), 4)
		if err != nil || n != uint64(len(c.data)) {
			t.Fatalf("%q: %d bytes, %v", c.data, n, err)
		}
		if want := root(len(c.data), c.want); !bytes.Equal(got, want) {
			t.Errorf("%q: root %x, want %x", c.data, got, want)
		}
	}
}

// TestChunkProofs proves every chunk of files of many shapes (one chunk,
// a power of two, one past, a short last chunk) and checks each.
func TestChunkProofs(t *testing.T) {
	lim := proof.DefaultLimits()
	const cs = 1024
	for _, n := range []int{1, cs, cs + 1, 2 * cs, 3*cs - 5, 8 * cs, 17*cs + 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := data(uint64(n), n)
			root, size, err := proof.ChunkRoot(bytes.NewReader(b), cs)
			if err != nil || size != uint64(n) {
				t.Fatal(size, err)
			}
			for i := range proof.Chunks(size, cs) {
				chunk, path, err := proof.ProveChunk(bytes.NewReader(b), cs, i)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(chunk, b[i*cs:min((i+1)*cs, size)]) {
					t.Fatalf("chunk %d is not the file's bytes", i)
				}
				if err := proof.VerifyChunk(root, size, cs, i, chunk, path, lim); err != nil {
					t.Fatalf("chunk %d: %v", i, err)
				}
			}
		})
	}
}

// TestChunkProofRefusals forges chunk proofs and checks each is refused.
func TestChunkProofRefusals(t *testing.T) {
	lim := proof.DefaultLimits()
	const cs = 1024
	b := data(1, 10*cs+100)
	root, size, err := proof.ChunkRoot(bytes.NewReader(b), cs)
	if err != nil {
		t.Fatal(err)
	}
	otherRoot, _, err := proof.ChunkRoot(bytes.NewReader(data(2, len(b))), cs)
	if err != nil {
		t.Fatal(err)
	}
	const i = 3
	chunk, path, err := proof.ProveChunk(bytes.NewReader(b), cs, i)
	if err != nil {
		t.Fatal(err)
	}
	chunk4, path4, err := proof.ProveChunk(bytes.NewReader(b), cs, i+1)
	if err != nil {
		t.Fatal(err)
	}
	flip := bytes.Clone(chunk)
	flip[cs-1] ^= 1
	badPath := [][]byte{}
	for _, h := range path {
		badPath = append(badPath, bytes.Clone(h))
	}
	badPath[1][0] ^= 1
	small := lim
	small.MaxBytes = cs + 32*len(path) - 1
	cases := []struct {
		name  string
		root  []byte
		size  uint64
		index uint64
		chunk []byte
		path  [][]byte
		lim   proof.Limits
	}{
		{"tampered chunk", root, size, i, flip, path, lim},
		{"truncated chunk", root, size, i, chunk[:cs-1], path, lim},
		{"wrong path", root, size, i, chunk, badPath, lim},
		{"path cut short", root, size, i, chunk, path[:len(path)-1], lim},
		{"path too long", root, size, i, chunk, append(path, path[0]), lim},
		{"another chunk's proof", root, size, i, chunk4, path4, lim},
		{"another chunk's path", root, size, i, chunk, path4, lim},
		{"another file", otherRoot, size, i, chunk, path, lim},
		{"index past the end", root, size, proof.Chunks(size, cs), chunk, path, lim},
		{"wrong size", root, size + cs, i, chunk, path, lim},
		{"oversized", root, size, i, chunk, path, small},
	}
	for _, c := range cases {
		if err := proof.VerifyChunk(c.root, c.size, cs, c.index, c.chunk, c.path, c.lim); !errors.Is(err, proof.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", c.name, err)
		}
	}
	if err := proof.VerifyChunk(root, size, cs, i, chunk, path, lim); err != nil {
		t.Fatalf("the honest proof: %v", err)
	}
}
