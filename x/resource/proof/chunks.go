package proof

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// hasher is RFC 6962's: SHA-256 with 0x00 before a leaf and 0x01 before
// two children, so no leaf can pass for an inner node; the tree over n
// leaves splits at the largest power of two below n, which fixes its shape
// by n alone.
var hasher = rfc6962.DefaultHasher

// Chunks is how many chunks of chunkSize bytes a file of size bytes has.
func Chunks(size, chunkSize uint64) uint64 {
	if chunkSize == 0 {
		return 0
	}
	return (size + chunkSize - 1) / chunkSize
}

// ChunkRoot is the root validators attest for a sha256 file, and the bytes
// read: SHA256(0x02 || chunkSize || size || tree), both sizes 8 bytes
// big-endian, where tree is the RFC 6962 root over r's chunks of chunkSize
// bytes (the last may be shorter; an empty file's tree is SHA256("")).
// The tree alone does not fix the file's size (a leaf in the left subtree
// proves the same in trees of 11 and 12 leaves), so the root binds it, and
// the chunk size; 0x02 sets it apart from leaves and inner nodes.
func ChunkRoot(r io.Reader, chunkSize int) ([]byte, uint64, error) {
	tree, n, err := readTree(r, chunkSize, nil)
	if err != nil {
		return nil, 0, err
	}
	return fileRoot(uint64(chunkSize), n, tree), n, nil
}

func fileRoot(chunkSize, size uint64, tree []byte) []byte {
	h := sha256.New()
	var b [17]byte
	b[0] = 0x02
	binary.BigEndian.PutUint64(b[1:], chunkSize)
	binary.BigEndian.PutUint64(b[9:], size)
	h.Write(b[:])
	h.Write(tree)
	return h.Sum(nil)
}

// ProveChunk reads the file (size bytes) and returns chunk index and its
// audit path to ChunkRoot's root. It reads the whole file for one proof: a
// node answering many challenges on one file builds its ChunkTree once.
func ProveChunk(r io.Reader, chunkSize int, index uint64) (chunk []byte, path [][]byte, err error) {
	var leaf []byte
	t, err := newChunkTree(r, chunkSize, func(i uint64, data []byte) {
		if i == index {
			leaf = bytes.Clone(data)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	if path, err = t.Path(index); err != nil {
		return nil, nil, err
	}
	return leaf, path, nil
}

// ChunkTree is the whole RFC 6962 tree of a file's chunks, kept to answer
// any number of challenges on it: 2 hashes per chunk (64 KiB per 4 MiB of
// file at 4 KiB chunks, 1.6 MB for a 100 MiB file). The chunks themselves
// stay in the file (Prove reads one).
type ChunkTree struct {
	chunkSize uint64
	size      uint64
	root      []byte
	nodes     map[compact.NodeID][]byte
}

// NewChunkTree reads a file once and keeps its chunk tree.
func NewChunkTree(r io.Reader, chunkSize int) (*ChunkTree, error) {
	return newChunkTree(r, chunkSize, nil)
}

func newChunkTree(r io.Reader, chunkSize int, leaf func(uint64, []byte)) (*ChunkTree, error) {
	t := &ChunkTree{chunkSize: uint64(chunkSize), nodes: map[compact.NodeID][]byte{}} //nolint:gosec // readTree refuses a chunk size below 1
	tree, size, err := readTree(r, chunkSize, func(id compact.NodeID, h []byte, data []byte) {
		if h != nil {
			t.nodes[id] = h
		}
		if data != nil && leaf != nil {
			leaf(id.Index, data)
		}
	})
	if err != nil {
		return nil, err
	}
	t.size, t.root = size, fileRoot(t.chunkSize, size, tree)
	return t, nil
}

// Root is the file's ChunkRoot; Size its size in bytes.
func (t *ChunkTree) Root() []byte { return bytes.Clone(t.root) }

// Size is the file's size in bytes.
func (t *ChunkTree) Size() uint64 { return t.size }

// Path is chunk index's audit path to the root, leaf side first.
func (t *ChunkTree) Path(index uint64) ([][]byte, error) {
	n := Chunks(t.size, t.chunkSize)
	if index >= n {
		return nil, fmt.Errorf("%w: chunk %d of a file of %d chunks", ErrInvalid, index, n)
	}
	ids, err := proof.Inclusion(index, n)
	if err != nil {
		return nil, err
	}
	hashes := make([][]byte, len(ids.IDs))
	for i, id := range ids.IDs {
		h, ok := t.nodes[id]
		if !ok {
			return nil, fmt.Errorf("tree node %+v was never computed", id)
		}
		hashes[i] = h
	}
	return ids.Rehash(hashes, hasher.HashChildren)
}

// Prove returns chunk index, read from the file at its offset, and its
// audit path: what VerifyChunk checks. The chunk is read from file as it
// is now, so a copy changed since the tree was built fails VerifyChunk.
func (t *ChunkTree) Prove(file io.ReaderAt, index uint64) (chunk []byte, path [][]byte, err error) {
	if path, err = t.Path(index); err != nil {
		return nil, nil, err
	}
	want := min(t.chunkSize, t.size-index*t.chunkSize)
	chunk = make([]byte, want)
	n, err := file.ReadAt(chunk, int64(index*t.chunkSize)) //nolint:gosec // within the file's size
	if n < len(chunk) {
		return nil, nil, fmt.Errorf("read chunk %d: %d of %d bytes: %w", index, n, len(chunk), err)
	}
	return chunk, path, nil
}

// VerifyChunk checks chunk is chunk index of the file whose ChunkRoot is
// root and whose size is size bytes: its length must be chunkSize (the
// last chunk's remainder for the last) and path must lead to root.
func VerifyChunk(root []byte, size, chunkSize, index uint64, chunk []byte, path [][]byte, lim Limits) error {
	n := Chunks(size, chunkSize)
	if index >= n {
		return fmt.Errorf("%w: chunk %d of a file of %d chunks", ErrInvalid, index, n)
	}
	want := chunkSize
	if index == n-1 {
		want = size - index*chunkSize
	}
	if uint64(len(chunk)) != want {
		return fmt.Errorf("%w: chunk %d has %d bytes, want %d", ErrInvalid, index, len(chunk), want)
	}
	total := len(chunk)
	for _, h := range path {
		total += len(h)
	}
	if total > lim.MaxBytes {
		return fmt.Errorf("%w: %d bytes of chunk and path, more than %d", ErrInvalid, total, lim.MaxBytes)
	}
	tree, err := proof.RootFromInclusionProof(hasher, index, n, hasher.HashLeaf(chunk), path)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !bytes.Equal(fileRoot(chunkSize, size, tree), root) {
		return fmt.Errorf("%w: the path leads to another root", ErrInvalid)
	}
	return nil
}

// readTree hashes r's chunks into an RFC 6962 tree, reporting to visit,
// if it is not nil, every node's hash and every leaf's data (a buffer
// reused for the next chunk), in separate calls.
func readTree(r io.Reader, chunkSize int, visit func(compact.NodeID, []byte, []byte)) ([]byte, uint64, error) {
	if chunkSize < 1 {
		return nil, 0, errors.New("chunk size must be at least 1")
	}
	rf := &compact.RangeFactory{Hash: hasher.HashChildren}
	tree := rf.NewEmptyRange(0)
	var visitor compact.VisitFn
	if visit != nil {
		visitor = func(id compact.NodeID, h []byte) { visit(id, h, nil) }
	}
	buf := make([]byte, chunkSize)
	var size uint64
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			data := buf[:n]
			if visit != nil {
				visit(compact.NewNodeID(0, tree.End()), nil, data)
			}
			if err := tree.Append(hasher.HashLeaf(data), visitor); err != nil {
				return nil, 0, err
			}
			size += uint64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
	}
	if size == 0 {
		return hasher.EmptyRoot(), 0, nil
	}
	root, err := tree.GetRootHash(visitor)
	return root, size, err
}
