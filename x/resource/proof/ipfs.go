package proof

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/bits"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	unixpb "github.com/ipfs/boxo/ipld/unixfs/pb"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

// VerifyIPFS checks that blocks are the path, root first, from the file
// root (size bytes, as attested) down to the leaf that holds byte offset,
// and returns that leaf's data. Every block must hash to the CID its parent
// links (sha2-256 only), decode as a UnixFS file node whose recorded sizes
// agree with its parent's, and the walk must take, at every node, the child
// covering offset: a proof for another file, another offset or with a block
// changed fails at the first block that differs.
func VerifyIPFS(root cid.Cid, size, offset uint64, blocks [][]byte, lim Limits) ([]byte, error) {
	if len(blocks) == 0 || len(blocks) > lim.MaxDepth {
		return nil, fmt.Errorf("%w: %d blocks, want 1 to %d", ErrInvalid, len(blocks), lim.MaxDepth)
	}
	total := 0
	for _, b := range blocks {
		total += len(b)
	}
	if total > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes of blocks, more than %d", ErrInvalid, total, lim.MaxBytes)
	}
	w, err := start(root, size, offset)
	if err != nil {
		return nil, err
	}
	for i, b := range blocks {
		leaf, done, err := w.step(b, lim)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", i, err)
		}
		if done {
			if i != len(blocks)-1 {
				return nil, fmt.Errorf("%w: %d blocks past the leaf", ErrInvalid, len(blocks)-1-i)
			}
			return leaf, nil
		}
	}
	return nil, fmt.Errorf("%w: the path ends above the leaf, at %d blocks", ErrInvalid, len(blocks))
}

// BlockGetter returns a block's raw bytes, as its CID hashes them.
type BlockGetter func(ctx context.Context, c cid.Cid) ([]byte, error)

// ProveIPFS builds the proof VerifyIPFS checks, from the blocks get
// returns: a resource node's answer to a challenge at offset.
func ProveIPFS(ctx context.Context, get BlockGetter, root cid.Cid, size, offset uint64, lim Limits) ([][]byte, error) {
	w, err := start(root, size, offset)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(out) < lim.MaxDepth {
		b, err := get(ctx, w.want)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", w.want, err)
		}
		out = append(out, b)
		_, done, err := w.step(b, lim)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", w.want, err)
		}
		if done {
			return out, nil
		}
	}
	return nil, fmt.Errorf("%w: the DAG is deeper than %d blocks", ErrInvalid, lim.MaxDepth)
}

// walk is where a proof stands: the CID the next block must hash to, the
// size of the subtree it roots, and the offset sought within it.
type walk struct {
	want      cid.Cid
	size, rel uint64
}

func start(root cid.Cid, size, offset uint64) (walk, error) {
	if offset >= size {
		return walk{}, fmt.Errorf("%w: offset %d is past the file's %d bytes", ErrInvalid, offset, size)
	}
	return walk{want: root, size: size, rel: offset}, nil
}

// step checks one block against w. It returns the leaf's data and done at
// the leaf, or moves w to the child covering the offset.
func (w *walk) step(block []byte, lim Limits) ([]byte, bool, error) {
	if len(block) > lim.MaxBlockBytes {
		return nil, false, fmt.Errorf("%w: a block of %d bytes, more than %d", ErrInvalid, len(block), lim.MaxBlockBytes)
	}
	if err := checkCID(w.want, block); err != nil {
		return nil, false, err
	}
	if w.want.Type() == cid.Raw { // a CIDv1 raw leaf: the block is the data
		if uint64(len(block)) != w.size {
			return nil, false, fmt.Errorf("%w: raw leaf of %d bytes where its parent records %d", ErrInvalid, len(block), w.size)
		}
		return block, true, nil
	}
	nd, err := merkledag.DecodeProtobuf(block)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	fsn, err := unixfs.FSNodeFromBytes(nd.Data())
	if err != nil {
		return nil, false, fmt.Errorf("%w: not a UnixFS node: %v", ErrInvalid, err)
	}
	if t := fsn.Type(); t != unixpb.Data_File && t != unixpb.Data_Raw {
		return nil, false, fmt.Errorf("%w: a UnixFS %v node, not a file", ErrInvalid, t)
	}
	if fsn.FileSize() != w.size {
		return nil, false, fmt.Errorf("%w: node records %d bytes where %d are expected", ErrInvalid, fsn.FileSize(), w.size)
	}
	links := nd.Links()
	if len(links) == 0 {
		if fsn.NumChildren() != 0 || uint64(len(fsn.Data())) != w.size {
			return nil, false, fmt.Errorf("%w: leaf of %d bytes (%d block sizes) where %d are expected",
				ErrInvalid, len(fsn.Data()), fsn.NumChildren(), w.size)
		}
		return fsn.Data(), true, nil
	}
	// kubo's balanced and trickle layouts keep data only in leaves: an
	// inner node with data of its own is not one they build.
	if len(fsn.Data()) != 0 || fsn.NumChildren() != len(links) {
		return nil, false, fmt.Errorf("%w: inner node with %d bytes of data, %d block sizes and %d links",
			ErrInvalid, len(fsn.Data()), fsn.NumChildren(), len(links))
	}
	var sum, before uint64
	next := -1
	for j := range links {
		bs := fsn.BlockSize(j)
		if next < 0 && w.rel >= sum && w.rel-sum < bs {
			next, before = j, sum
		}
		var carry uint64
		if sum, carry = bits.Add64(sum, bs, 0); carry != 0 {
			return nil, false, fmt.Errorf("%w: block sizes overflow", ErrInvalid)
		}
	}
	if sum != w.size || next < 0 {
		return nil, false, fmt.Errorf("%w: block sizes sum to %d, the node records %d", ErrInvalid, sum, w.size)
	}
	*w = walk{want: links[next].Cid, size: fsn.BlockSize(next), rel: w.rel - before}
	return nil, false, nil
}

// CheckCID refuses a CID whose blocks no proof can walk: only sha2-256
// dag-pb and raw blocks are. Other hashes are refused, which keeps a
// proof's cost to SHA-256 per byte and an identity CID from proving bytes
// nobody holds. x/resource assigns no file whose root it refuses: its
// holders could never prove it.
func CheckCID(c cid.Cid) error {
	p := c.Prefix()
	if p.MhType != multihash.SHA2_256 || p.MhLength != sha256.Size {
		return fmt.Errorf("%w: CID %s is not sha2-256", ErrInvalid, c)
	}
	if p.Codec != cid.DagProtobuf && p.Codec != cid.Raw {
		return fmt.Errorf("%w: CID %s is neither dag-pb nor raw", ErrInvalid, c)
	}
	return nil
}

// checkCID checks block is what c names: a sha2-256 dag-pb or raw block
// (CheckCID).
func checkCID(c cid.Cid, block []byte) error {
	if err := CheckCID(c); err != nil {
		return err
	}
	sum := sha256.Sum256(block)
	dec, err := multihash.Decode(c.Hash())
	if err != nil {
		return fmt.Errorf("%w: CID %s: %v", ErrInvalid, c, err)
	}
	if !bytes.Equal(dec.Digest, sum[:]) {
		return fmt.Errorf("%w: block does not hash to %s", ErrInvalid, c)
	}
	return nil
}
