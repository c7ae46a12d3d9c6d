package proof

import (
	"context"
	"errors"
	"fmt"
	"math/bits"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	unixpb "github.com/ipfs/boxo/ipld/unixfs/pb"
	"github.com/ipfs/go-cid"
)

// MaxWalkDepth bounds a walked DAG, root to leaf. It is deeper than any
// proof limit a chain would set (the default max_proof_depth is 8): a
// resource node keeps what the chain assigned it even if no proof fits,
// and the byte limit bounds the walk anyway.
const MaxWalkDepth = 64

// ErrDAGTooLarge is a walk whose distinct blocks pass its byte limit.
var ErrDAGTooLarge = errors.New("the DAG's blocks pass the byte limit")

// Walk is the walk of an IPFS file's DAG that a resource node fetches
// (crn) and that validators count to attest the file's DAG size (fetch,
// AttestedFile.dag_bytes): one definition, so that what a validator
// counts is exactly what a resource node's budget counts, and the chain
// never assigns a DAG its holders refuse. It is a state machine without
// I/O: the caller takes blocks to fetch with Next and gives their bytes,
// checked against their CIDs, with Add, one by one in Next's order
// (fetching several at once, as crn does, changes nothing: a batch taken
// from Next is added in the same order).
//
// The walk is breadth-first, so every node is reached first at its least
// depth, and a node is a (block, size) pair: what it yields (its bytes,
// whether it checks, its children) depends only on the DAG, not on the
// order links are met in. It visits the root, then every child of a
// visited block that checks as proof.VerifyIPFS's step would take it
// (a UnixFS file node whose sizes agree with its parent's), whose CID a
// proof can walk (CheckCID), that covers at least one byte, and that is
// at most MaxWalkDepth deep. A subtree no proof can pass is skipped, not
// refused: every holder fails the challenges that land there.
//
// Bytes counts each distinct block once, by multihash (the blockstore's
// key: a block linked twice, or as CIDv0 and CIDv1, is stored once),
// whether or not it checks (it was fetched).
type Walk struct {
	root  cid.Cid
	limit uint64
	queue []WalkNode
	seen  map[walkKey]bool // nodes visited
	held  map[string]bool  // multihashes counted
	bytes uint64
}

// WalkNode is a block the walk visits: its CID, the bytes of the file
// under it (its parent's block size for it) and its depth, root 1.
type WalkNode struct {
	CID   cid.Cid
	Size  uint64
	Depth int
}

type walkKey struct {
	hash string
	size uint64
}

// NewWalk starts a walk of the file root of size bytes, refusing one
// whose blocks pass limit bytes. A root no proof can walk is an error.
func NewWalk(root cid.Cid, size, limit uint64) (*Walk, error) {
	if err := CheckCID(root); err != nil {
		return nil, err
	}
	return &Walk{
		root: root, limit: limit,
		queue: []WalkNode{{CID: root, Size: size, Depth: 1}},
		seen:  map[walkKey]bool{}, held: map[string]bool{},
	}, nil
}

// Next returns the next block to fetch, or false once the walk is done.
func (w *Walk) Next() (WalkNode, bool) {
	for len(w.queue) > 0 {
		n := w.queue[0]
		w.queue = w.queue[1:]
		k := walkKey{string(n.CID.Hash()), n.Size}
		if w.seen[k] {
			continue
		}
		w.seen[k] = true
		return n, true
	}
	return WalkNode{}, false
}

// Add gives the bytes of n, a block Next returned, which the caller
// checked hash to n.CID. It reports whether the block checks (a resource
// node keeps it); a block that does not is skipped with its subtree,
// except the root, which is an error. ErrDAGTooLarge once the distinct
// blocks pass the limit.
func (w *Walk) Add(n WalkNode, b []byte) (bool, error) {
	if h := string(n.CID.Hash()); !w.held[h] {
		w.held[h] = true
		if w.bytes += uint64(len(b)); w.bytes > w.limit {
			return false, fmt.Errorf("%w: the DAG of %s has more than %d bytes of blocks", ErrDAGTooLarge, w.root, w.limit)
		}
	}
	children, err := checkNode(n, b)
	if err != nil {
		if n.Depth == 1 {
			return false, fmt.Errorf("%s cannot be proven: %w", w.root, err)
		}
		return false, nil
	}
	for _, c := range children {
		if c.Size > 0 && c.Depth <= MaxWalkDepth && CheckCID(c.CID) == nil {
			w.queue = append(w.queue, c)
		}
	}
	return true, nil
}

// Bytes is the size of the distinct blocks added so far.
func (w *Walk) Bytes() uint64 { return w.bytes }

// checkNode checks block b, which hashes to n.CID, is a UnixFS file node
// of n.Size bytes as VerifyIPFS would take it on a path, and returns its
// children in file order. A raw block is a leaf; a dag-pb one is a leaf
// holding n.Size bytes of data, or an inner node with none, whose links'
// block sizes sum to n.Size.
func checkNode(n WalkNode, b []byte) ([]WalkNode, error) {
	if n.CID.Type() == cid.Raw {
		if uint64(len(b)) != n.Size {
			return nil, fmt.Errorf("a raw leaf of %d bytes where %d are expected", len(b), n.Size)
		}
		return nil, nil
	}
	nd, err := merkledag.DecodeProtobuf(b)
	if err != nil {
		return nil, err
	}
	fsn, err := unixfs.FSNodeFromBytes(nd.Data())
	if err != nil {
		return nil, fmt.Errorf("not a UnixFS node: %w", err)
	}
	if t := fsn.Type(); t != unixpb.Data_File && t != unixpb.Data_Raw {
		return nil, fmt.Errorf("a UnixFS %v node, not a file", t)
	}
	if fsn.FileSize() != n.Size {
		return nil, fmt.Errorf("the node records %d bytes where %d are expected", fsn.FileSize(), n.Size)
	}
	links := nd.Links()
	if len(links) == 0 {
		if fsn.NumChildren() != 0 || uint64(len(fsn.Data())) != n.Size {
			return nil, fmt.Errorf("a leaf of %d bytes (%d block sizes) where %d are expected", len(fsn.Data()), fsn.NumChildren(), n.Size)
		}
		return nil, nil
	}
	if len(fsn.Data()) != 0 || fsn.NumChildren() != len(links) {
		return nil, fmt.Errorf("an inner node with %d bytes of data, %d block sizes and %d links", len(fsn.Data()), fsn.NumChildren(), len(links))
	}
	children := make([]WalkNode, len(links))
	var sum uint64
	for i, l := range links {
		bs := fsn.BlockSize(i)
		var carry uint64
		if sum, carry = bits.Add64(sum, bs, 0); carry != 0 {
			return nil, errors.New("block sizes overflow")
		}
		children[i] = WalkNode{CID: l.Cid, Size: bs, Depth: n.Depth + 1}
	}
	if sum != n.Size {
		return nil, fmt.Errorf("block sizes sum to %d, the node records %d", sum, n.Size)
	}
	return children, nil
}

// WalkBytes is what a validator attests as the DAG size of the file root
// of size bytes (AttestedFile.dag_bytes): the distinct blocks' bytes of
// the walk over the blocks get returns, each checked against its CID, or
// limit+1 when they pass limit or the root is no UnixFS file no proof
// walks: one number however far past the bound a DAG goes. An error from
// get, or a block that does not hash to its CID, is returned.
func WalkBytes(ctx context.Context, get BlockGetter, root cid.Cid, size, limit uint64) (uint64, error) {
	w, err := NewWalk(root, size, limit)
	if err != nil {
		return limit + 1, nil //nolint:nilerr // no proof walks it: no node holds it
	}
	for {
		n, ok := w.Next()
		if !ok {
			return w.Bytes(), nil
		}
		b, err := get(ctx, n.CID)
		if err != nil {
			return 0, fmt.Errorf("block %s of %s: %w", n.CID, root, err)
		}
		if got, err := n.CID.Prefix().Sum(b); err != nil || !got.Equals(n.CID) {
			return 0, fmt.Errorf("block %s of %s: the bytes do not hash to it", n.CID, root)
		}
		if _, err := w.Add(n, b); err != nil {
			return limit + 1, nil //nolint:nilerr // past the limit, or a root no proof walks
		}
	}
}
