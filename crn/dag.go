package crn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// fetchParallel is how many blocks a fetch asks the CCN for at once: a
// DAG of small leaves is thousands of requests, each mostly a round trip.
const fetchParallel = 8

// errNoBlock is a block the CCN answers 404 for: one it does not hold, or
// any, from an older CCN without the block route.
var errNoBlock = errors.New("the CCN does not serve the root block")

// fetchDAG keeps the IPFS file root, size bytes as the chain attested,
// whatever chunker and layout built it: it walks the DAG from the root
// through the CCN's GET /api/v0/ipfs/block/{cid} as proof.Walk defines it
// (every block checked as proof.VerifyIPFS does on a path through it:
// hash, UnixFS file node, sizes agreeing with its parent's), stores the
// blocks that check and pins the root. So every offset a challenge can
// pick has its path on disk.
//
// A block the CCN does not serve, or serves wrong, fails the fetch (it is
// tried again at the next sync). A subtree no proof can pass is skipped,
// not refused: every holder fails the challenges that fall in it, and the
// node still proves the rest. So are subtrees of no bytes: no challenge
// reaches them. A DAG whose distinct blocks pass resource.MaxDAGBytes of
// its size is refused: its blocks would cost the node several times what
// the chain counts. The chain assigns no such DAG (validators attest the
// same walk's bytes, AttestedFile.dag_bytes); the bound here is what
// keeps a node whose chain predates that from filling its disk.
func (s *Store) fetchDAG(ctx context.Context, base string, root cid.Cid, size uint64) error {
	w, err := proof.NewWalk(root, size, resource.MaxDAGBytes(size))
	if err != nil {
		return fmt.Errorf("%s cannot be proven: %w", root, err)
	}
	return s.ipfs.PutDAG(ctx, root, func(put func(cid.Cid, []byte) error) error {
		for {
			// Up to fetchParallel blocks are fetched at once; they are
			// added to the walk and stored in order, one by one, which
			// is the walk's own order.
			var batch []proof.WalkNode
			for len(batch) < fetchParallel {
				n, ok := w.Next()
				if !ok {
					break
				}
				batch = append(batch, n)
			}
			if len(batch) == 0 {
				return nil
			}
			got := make([][]byte, len(batch))
			errs := make([]error, len(batch))
			var wg sync.WaitGroup
			for i, n := range batch {
				wg.Go(func() { got[i], errs[i] = s.getBlock(ctx, base, n.CID) })
			}
			wg.Wait()
			for i, n := range batch {
				if err := errs[i]; err != nil {
					if errors.Is(err, errNoBlock) && n.Depth > 1 {
						err = fmt.Errorf("the CCN does not serve block %s of %s", n.CID, root)
					}
					return err
				}
				keep, err := w.Add(n, got[i])
				if err != nil {
					return err
				}
				if !keep {
					continue // unprovable: every holder fails there
				}
				if err := put(n.CID, got[i]); err != nil {
					return err
				}
			}
		}
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
