package crn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"net/url"
	"sync"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	unixpb "github.com/ipfs/boxo/ipld/unixfs/pb"
	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/x/resource/proof"
)

// maxDAGDepth bounds a fetched DAG, root to leaf. It is deeper than any
// proof limit a chain would set (the default max_proof_depth is 8): the
// node keeps what the chain assigned it even if no proof fits, and the
// byte budget bounds the walk anyway.
const maxDAGDepth = 64

// fetchParallel is how many blocks a fetch asks the CCN for at once: a
// DAG of small leaves is thousands of requests, each mostly a round trip.
const fetchParallel = 8

// dagBudget bounds the bytes of blocks fetched for an IPFS file of size
// bytes: its data (exactly size, the leaves') and the framing and links
// around it, which for any chunker above ~10-byte leaves is well under
// 7 times the data (a 1 KiB leaf costs ~60 bytes of both). A DAG past it
// is refused: its blocks would cost the node several times what the
// chain counts.
func dagBudget(size uint64) uint64 { return 8*size + 1<<20 }

// errNoBlock is a block the CCN answers 404 for: one it does not hold, or
// any, from an older CCN without the block route.
var errNoBlock = errors.New("the CCN does not serve the root block")

// dagNode is a block the walk must fetch: its CID, the bytes of the file
// under it (its parent's block size for it) and its depth, root 1.
type dagNode struct {
	c     cid.Cid
	size  uint64
	depth int
}

// fetchDAG keeps the IPFS file root, size bytes as the chain attested,
// whatever chunker and layout built it: it walks the DAG from the root
// through the CCN's GET /api/v0/ipfs/block/{cid}, checks every block as
// proof.VerifyIPFS does on a path through it (hash, UnixFS file node,
// sizes agreeing with its parent's), stores the blocks and pins the root.
// So every offset a challenge can pick has its path on disk.
//
// A block the CCN does not serve, or serves wrong, fails the fetch (it is
// tried again at the next sync). A subtree no proof can pass (a child of
// another codec or hash, or whose node disagrees with the sizes its
// parent records) is skipped, not refused: every holder fails the
// challenges that fall in it, and the node still proves the rest. So are
// subtrees of no bytes: no challenge reaches them.
func (s *Store) fetchDAG(ctx context.Context, base string, root cid.Cid, size uint64) error {
	return s.ipfs.PutDAG(ctx, root, func(put func(cid.Cid, []byte) error) error {
		budget := dagBudget(size)
		var fetched uint64
		// A DAG may link a block twice (repeated data): it is checked once
		// for each size it is linked as.
		seen := map[string]bool{}
		stack := []dagNode{{c: root, size: size, depth: 1}}
		for len(stack) > 0 {
			// Up to fetchParallel blocks are fetched at once; they are
			// checked and stored in order, one by one.
			var batch []dagNode
			for len(stack) > 0 && len(batch) < fetchParallel {
				n := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				key := fmt.Sprintf("%s/%d", n.c.Hash(), n.size)
				if seen[key] {
					continue
				}
				seen[key] = true
				err := proof.CheckCID(n.c)
				if err == nil && n.depth > maxDAGDepth {
					err = fmt.Errorf("deeper than %d blocks", maxDAGDepth)
				}
				if err != nil {
					if n.depth == 1 {
						return fmt.Errorf("%s cannot be proven: %w", root, err)
					}
					continue // unprovable: every holder fails there
				}
				batch = append(batch, n)
			}
			got := make([][]byte, len(batch))
			errs := make([]error, len(batch))
			var wg sync.WaitGroup
			for i, n := range batch {
				wg.Go(func() { got[i], errs[i] = s.getBlock(ctx, base, n.c) })
			}
			wg.Wait()
			var children [][]dagNode
			for i, n := range batch {
				if err := errs[i]; err != nil {
					if errors.Is(err, errNoBlock) && n.depth > 1 {
						err = fmt.Errorf("the CCN does not serve block %s of %s", n.c, root)
					}
					return err
				}
				if fetched += uint64(len(got[i])); fetched > budget {
					return fmt.Errorf("the DAG of %s has more than %d bytes of blocks for %d bytes of data", root, budget, size)
				}
				ch, err := checkBlock(n, got[i])
				if err != nil {
					if n.depth == 1 {
						return fmt.Errorf("%s cannot be proven: %w", root, err)
					}
					continue // unprovable: every holder fails there
				}
				if err := put(n.c, got[i]); err != nil {
					return err
				}
				children = append(children, ch)
			}
			for i := len(children) - 1; i >= 0; i-- { // in file order
				for j := len(children[i]) - 1; j >= 0; j-- {
					if children[i][j].size > 0 {
						stack = append(stack, children[i][j])
					}
				}
			}
		}
		return nil
	})
}

// getBlock fetches block c from the CCN and checks it hashes to c. A 404
// is errNoBlock.
func (s *Store) getBlock(ctx context.Context, base string, c cid.Cid) ([]byte, error) {
	u := base + "/api/v0/ipfs/block/" + url.PathEscape(c.String())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	if res.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%w: GET %s: %s", errNoBlock, u, res.Status)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, res.Status)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, int64(content.MaxBlockBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if len(b) > content.MaxBlockBytes {
		return nil, fmt.Errorf("GET %s: a block of more than %d bytes", u, content.MaxBlockBytes)
	}
	if got, err := c.Prefix().Sum(b); err != nil || !got.Equals(c) {
		return nil, fmt.Errorf("GET %s: the CCN's bytes hash to %s, not %s", u, got, c)
	}
	return b, nil
}

// checkBlock checks block b, which hashes to n.c, is a UnixFS file node of
// n.size bytes as proof.VerifyIPFS would take it on a path, and returns
// its children. A raw block is a leaf; a dag-pb one is a leaf holding
// n.size bytes of data, or an inner node with none, whose links' block
// sizes sum to n.size.
func checkBlock(n dagNode, b []byte) ([]dagNode, error) {
	if n.c.Type() == cid.Raw {
		if uint64(len(b)) != n.size {
			return nil, fmt.Errorf("a raw leaf of %d bytes where %d are expected", len(b), n.size)
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
	if fsn.FileSize() != n.size {
		return nil, fmt.Errorf("the node records %d bytes where %d are expected", fsn.FileSize(), n.size)
	}
	links := nd.Links()
	if len(links) == 0 {
		if fsn.NumChildren() != 0 || uint64(len(fsn.Data())) != n.size {
			return nil, fmt.Errorf("a leaf of %d bytes (%d block sizes) where %d are expected", len(fsn.Data()), fsn.NumChildren(), n.size)
		}
		return nil, nil
	}
	if len(fsn.Data()) != 0 || fsn.NumChildren() != len(links) {
		return nil, fmt.Errorf("an inner node with %d bytes of data, %d block sizes and %d links", len(fsn.Data()), fsn.NumChildren(), len(links))
	}
	children := make([]dagNode, len(links))
	var sum uint64
	for i, l := range links {
		bs := fsn.BlockSize(i)
		var carry uint64
		if sum, carry = bits.Add64(sum, bs, 0); carry != 0 {
			return nil, errors.New("block sizes overflow")
		}
		children[i] = dagNode{c: l.Cid, size: bs, depth: n.depth + 1}
	}
	if sum != n.size {
		return nil, fmt.Errorf("block sizes sum to %d, the node records %d", sum, n.size)
	}
	return children, nil
}
