package crn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// CCN is the API of the core channel nodes a resource node follows, in
// the order configured. It keeps to the one that last answered; when that
// one fails (unreachable, an error status, or a chain other than the
// node's), a call goes on to the next, so a CCN down for maintenance does
// not cost the node its deadlines. All CCNs serve the same chain, so any
// one's answer is as good as another's.
type CCN struct {
	Bases  []string // e.g. http://127.0.0.1:4024
	Client *http.Client
	// ChainID is the node's chain (crn register records it): a CCN on
	// another chain is passed over.
	ChainID string
	// OnFail, if set, is called for each request a CCN fails (not for
	// one cut short by its context ending).
	OnFail func(base string, err error)

	mu  sync.Mutex
	cur int // index in Bases of the CCN that last answered
}

// NewCCN returns a client of the APIs at bases, tried in that order.
func NewCCN(chainID string, bases ...string) *CCN {
	c := &CCN{Client: &http.Client{Timeout: 30 * time.Second}, ChainID: chainID}
	for _, b := range bases {
		c.Bases = append(c.Bases, strings.TrimRight(b, "/"))
	}
	return c
}

// Current is the base URL of the CCN the node follows now.
func (c *CCN) Current() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.Bases) == 0 {
		return ""
	}
	return c.Bases[c.cur]
}

// try calls f with each CCN's base URL, from the current one on, until
// one succeeds, and follows that one from then on. It returns every CCN's
// error when none does, and stops when ctx ends.
func (c *CCN) try(ctx context.Context, f func(base string) error) error {
	c.mu.Lock()
	start, n := c.cur, len(c.Bases)
	c.mu.Unlock()
	if n == 0 {
		return errors.New("no CCN is configured (crn init --ccn URL)")
	}
	errs := make([]error, 0, n)
	for k := range n {
		if k > 0 && ctx.Err() != nil { // stopping: not the CCN's fault
			break
		}
		i := (start + k) % n
		err := f(c.Bases[i])
		if err == nil {
			c.mu.Lock()
			c.cur = i
			c.mu.Unlock()
			return nil
		}
		errs = append(errs, err)
		if c.OnFail != nil && ctx.Err() == nil {
			c.OnFail(c.Bases[i], err)
		}
	}
	return errors.Join(errs...)
}

// RankTimeout bounds Rank: a CCN that has not answered by then (a host
// that drops packets) counts as failed.
const RankTimeout = 5 * time.Second

// MaxLag is how many blocks the CCN followed may be behind the furthest
// one before Rank moves the node to that one: a block or two is only the
// CCNs committing at slightly different moments.
const MaxLag = 2

// Rank asks every CCN for node's challenges and follows the one furthest
// ahead, unless the one followed now is within MaxLag blocks of it. It
// catches what failing over cannot: a CCN that answers but has stopped
// following the chain (its height stalls) or fallen behind, where the
// node would miss its challenges. It returns the heights the CCNs
// answered, by base (a CCN that failed, or is on another chain, is
// absent).
func (c *CCN) Rank(ctx context.Context, node string) map[string]int64 {
	heights := map[string]int64{}
	if len(c.Bases) == 0 {
		return heights
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, RankTimeout)
	defer cancel()
	answered := make([]int64, len(c.Bases))
	failed := make([]error, len(c.Bases))
	var wg sync.WaitGroup
	for i, base := range c.Bases { // at once: one slow CCN must not hold the node up
		wg.Go(func() {
			v := new(app.ResourceChallengesView)
			failed[i] = c.getOnChain(ctx, base, node, "challenges", v, &v.ChainID)
			answered[i] = v.Height
		})
	}
	wg.Wait()
	best := -1
	for i, base := range c.Bases {
		if failed[i] != nil {
			if c.OnFail != nil && parent.Err() == nil { // not when the node is stopping
				c.OnFail(base, failed[i])
			}
			continue
		}
		heights[base] = answered[i]
		if best < 0 || answered[i] > answered[best] {
			best = i
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := heights[c.Bases[c.cur]]; best >= 0 && (!ok || h+MaxLag < answered[best]) {
		c.cur = best
	}
	return heights
}

func (c *CCN) url(base, node, what string) string {
	return base + "/api/v0/compute/" + url.PathEscape(node) + "/" + what
}

func (c *CCN) getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := c.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", u, res.Status, bytes.TrimSpace(b))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}

// Files is what the chain assigns node.
func (c *CCN) Files(ctx context.Context, node string) (*app.ResourceFilesView, error) {
	var v *app.ResourceFilesView
	return v, c.try(ctx, func(base string) error {
		v = new(app.ResourceFilesView)
		return c.getOnChain(ctx, base, node, "files", v, &v.ChainID)
	})
}

// Challenges are node's open challenges.
func (c *CCN) Challenges(ctx context.Context, node string) (*app.ResourceChallengesView, error) {
	var v *app.ResourceChallengesView
	return v, c.try(ctx, func(base string) error {
		v = new(app.ResourceChallengesView)
		return c.getOnChain(ctx, base, node, "challenges", v, &v.ChainID)
	})
}

// getOnChain reads node's view what from the CCN at base into v, whose
// chain id field is chainID, and refuses it from a CCN on another chain.
func (c *CCN) getOnChain(ctx context.Context, base, node, what string, v any, chainID *string) error {
	u := c.url(base, node, what)
	if err := c.getJSON(ctx, u, v); err != nil {
		return err
	}
	return c.sameChain(u, *chainID)
}

// sameChain refuses the answer from u of a CCN on another chain than the
// node's: its files and challenges are not the node's.
func (c *CCN) sameChain(u, chainID string) error {
	if chainID != c.ChainID {
		return fmt.Errorf("GET %s: the CCN is on chain %q, the node on %q", u, chainID, c.ChainID)
	}
	return nil
}

// Fetch has the store fetch file (Store.Fetch) from the CCNs in turn.
func (c *CCN) Fetch(ctx context.Context, s *Store, file string, size uint64) error {
	return c.try(ctx, func(base string) error { return s.Fetch(ctx, base, file, size) })
}

// Submitted is the CCN's answer to a proof: CheckTx's code and log, and
// the transaction's hash.
type Submitted struct {
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace"`
	Log       string `json:"log"`
	TxHash    string `json:"tx_hash"`
}

// SubmitProof sends a signed proof to the CCN's mempool. A refusal by
// CheckTx comes back as Submitted with a non-zero code, not an error.
func (c *CCN) SubmitProof(ctx context.Context, p *pb.StorageProof) (Submitted, error) {
	b, err := proto.Marshal(p)
	if err != nil {
		return Submitted{}, err
	}
	var s Submitted
	return s, c.try(ctx, func(base string) error {
		s = Submitted{}
		return c.post(ctx, c.url(base, p.Node, "proofs"), b, &s)
	})
}

// post sends a proof to u and reads the answer into s: 200 when the
// mempool took it, 422 when CheckTx refused it.
func (c *CCN) post(ctx context.Context, u string, proof []byte, s *Submitted) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(proof))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	res, err := c.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusUnprocessableEntity {
		return fmt.Errorf("POST %s: %s: %s", u, res.Status, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, s); err != nil {
		return fmt.Errorf("POST %s: %w", u, err)
	}
	return nil
}
