package crn

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
)

// maxProofs is how many proof results /status keeps.
const maxProofs = 64

// rankEvery is how often a node following several CCNs asks them all how
// far they are (CCN.Rank): often enough to leave a stalled CCN well
// within a proof window, rarely enough to cost them nothing.
const rankEvery = 10 * time.Second

// Node is a running resource node: its key, store and the CCNs it follows.
type Node struct {
	cfg   Config
	key   *ecdsa.PrivateKey
	store *Store
	ccn   *CCN
	logf  func(format string, args ...any)
	m     *metrics

	mu       sync.Mutex
	chainID  string
	height   int64
	epoch    uint64
	assigned []app.ResourceFileView
	fetchErr map[string]string // file -> why its last fetch failed
	lostIn   map[string]uint64 // file -> the epoch a challenge found it missing
	proofs   []ProofResult     // newest last
	tried    map[slotKey]int   // index into proofs of a slot's result
	syncErr  string
	lastSync time.Time
	followed string    // the CCN followed at the last sync, to log a change
	ranked   time.Time // when the CCNs were last ranked
}

type slotKey struct {
	epoch uint64
	slot  uint32
}

// ProofResult is one challenge as the node answered it. Result is
// "submitted" (the mempool took it), "passed" (the chain marked the
// challenge passed), "refused" (CheckTx refused it, or the node did not
// send it because it does not fit the chain's proof limits: Error says
// why) or "missing" (the node could not build it: the file or a block is
// gone; the challenge fails at its deadline and the file is fetched
// again).
type ProofResult struct {
	Epoch    uint64 `json:"epoch"`
	Slot     uint32 `json:"slot"`
	File     string `json:"file"`
	Index    uint64 `json:"index"`
	Deadline int64  `json:"deadline"`
	Result   string `json:"result"`
	TxHash   string `json:"tx_hash,omitempty"`
	Error    string `json:"error,omitempty"`
}

// New returns a node over an open store. cfg.NodeHash must be set.
func New(cfg Config, key *ecdsa.PrivateKey, store *Store, logf func(string, ...any)) (*Node, error) {
	if cfg.NodeHash == "" {
		return nil, errors.New("the node is not registered: run `alephd crn register` first")
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	n := &Node{cfg: cfg, key: key, store: store, ccn: NewCCN(cfg.ChainID, cfg.CCNs...), logf: logf, chainID: cfg.ChainID,
		fetchErr: map[string]string{}, lostIn: map[string]uint64{}, tried: map[slotKey]int{}}
	n.m = newMetrics(n)
	n.ccn.OnFail = func(string, error) { n.m.ccnFailures.Inc() }
	return n, nil
}

// Run syncs every interval until ctx ends.
func (n *Node) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := n.Step(ctx); err != nil && ctx.Err() == nil {
			n.logf("crn: sync: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Step is one round: answer open challenges first (they have deadlines),
// then fetch what is assigned and not held, and drop what is held and no
// longer assigned.
func (n *Node) Step(ctx context.Context) error {
	if len(n.ccn.Bases) > 1 && time.Since(n.ranked) >= rankEvery {
		n.ccn.Rank(ctx, n.cfg.NodeHash)
		n.ranked = time.Now()
	}
	err := errors.Join(n.answer(ctx), n.syncFiles(ctx))
	followed := n.ccn.Current()
	n.mu.Lock()
	n.lastSync = time.Now()
	n.syncErr = ""
	if err != nil {
		n.syncErr = err.Error()
	}
	changed := followed != n.followed
	n.followed = followed
	n.mu.Unlock()
	if changed && err == nil {
		n.logf("crn: following CCN %s", followed)
	}
	return err
}

func (n *Node) syncFiles(ctx context.Context) error {
	v, err := n.ccn.Files(ctx, n.cfg.NodeHash)
	if err != nil {
		return err
	}
	assigned := map[string]bool{}
	for _, f := range v.Files {
		assigned[f.Hash] = true
		if n.store.Holds(f.Hash) {
			continue
		}
		ferr := n.ccn.Fetch(ctx, n.store, f.Hash, f.Size)
		n.mu.Lock()
		delete(n.fetchErr, f.Hash)
		if ferr != nil {
			n.fetchErr[f.Hash] = ferr.Error()
		}
		n.mu.Unlock()
		if ferr != nil {
			n.m.fetches.WithLabelValues("error").Inc()
			n.logf("crn: fetch %s: %v", f.Hash, ferr)
		} else {
			n.m.fetches.WithLabelValues("ok").Inc()
			n.m.fetchedBytes.Add(float64(f.Size))
			n.logf("crn: holds %s (%d bytes)", f.Hash, f.Size)
		}
	}
	released := 0
	for _, h := range sortedHashes(n.store.Held()) {
		if !assigned[h] {
			if err := n.store.Drop(ctx, h); err != nil {
				return err
			}
			released++
			n.logf("crn: released %s", h)
		}
	}
	n.mu.Lock()
	n.assigned = v.Files
	n.mu.Unlock()
	if released > 0 {
		return n.store.GC(ctx)
	}
	return nil
}

// answer proves each open challenge once. A file assigned with the
// epoch's draw is proven once fetched. A held file the node finds missing
// (gone from disk, a block lost) fails that challenge and the epoch's
// others on it: answering from a copy fetched after the challenge would
// prove that the CCN keeps the file, not this node. The file is dropped so
// the next sync fetches it again, for the epochs after.
func (n *Node) answer(ctx context.Context) error {
	v, err := n.ccn.Challenges(ctx, n.cfg.NodeHash)
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.chainID, n.height, n.epoch = v.ChainID, v.Height, v.Epoch
	n.mu.Unlock()
	var errs []error
	for _, ch := range v.Challenges {
		k := slotKey{ch.Epoch, ch.Slot}
		n.mu.Lock()
		i, seen := n.tried[k]
		if seen && ch.Passed && n.proofs[i].Result == resultSubmitted {
			n.proofs[i].Result = resultPassed
			n.m.proofs.WithLabelValues(resultPassed).Inc()
		}
		n.mu.Unlock()
		if seen || ch.Passed || v.Height >= ch.Deadline {
			continue
		}
		r := ProofResult{Epoch: ch.Epoch, Slot: ch.Slot, File: ch.File, Index: ch.Index, Deadline: ch.Deadline}
		if n.lost(ch.File) {
			r.Result, r.Error = resultMissing, "the file was found missing earlier in this epoch"
			n.record(k, r)
			continue
		}
		if !n.store.Holds(ch.File) {
			continue // assigned with the epoch's draw and not fetched yet: tried again once it is
		}
		p, err := n.store.Prove(ctx, n.key, v.ChainID, n.cfg.NodeHash, ch, v.Limits.Limits())
		switch {
		case errors.Is(err, ErrTooLarge): // the chain would refuse it: not sent, and not tried again
			r.Result, r.Error = resultRefused, err.Error()+" (not sent)"
			n.logf("crn: challenge %d/%d on %s: %v", ch.Epoch, ch.Slot, ch.File, err)
		case errors.Is(err, content.ErrNotFound):
			r.Result, r.Error = resultMissing, err.Error()
			n.logf("crn: challenge %d/%d on %s: %v; fetching it again", ch.Epoch, ch.Slot, ch.File, err)
			if derr := n.store.Drop(ctx, ch.File); derr != nil {
				errs = append(errs, derr)
			}
			n.mu.Lock()
			n.lostIn[ch.File] = ch.Epoch
			n.mu.Unlock()
		case err != nil:
			r.Result, r.Error = resultMissing, err.Error()
		default:
			s, err := n.ccn.SubmitProof(ctx, p)
			if err != nil { // not recorded: tried again next round
				errs = append(errs, fmt.Errorf("submit proof %d/%d: %w", ch.Epoch, ch.Slot, err))
				continue
			}
			r.TxHash = s.TxHash
			if r.Result = resultSubmitted; s.Code != 0 {
				r.Result, r.Error = resultRefused, fmt.Sprintf("%s/%d: %s", s.Codespace, s.Code, s.Log)
			}
		}
		n.record(k, r)
	}
	return errors.Join(errs...)
}

// lost reports whether file was found missing in the current epoch: its
// other challenges of the epoch fail too, even once it is fetched again.
func (n *Node) lost(file string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.lostIn[file]
	return ok && e == n.epoch
}

// record adds a result, keeping the last maxProofs.
func (n *Node) record(k slotKey, r ProofResult) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.proofs = append(n.proofs, r)
	n.m.proofs.WithLabelValues(r.Result).Inc()
	if len(n.proofs) > maxProofs {
		drop := len(n.proofs) - maxProofs
		n.proofs = append([]ProofResult(nil), n.proofs[drop:]...)
		for key, i := range n.tried {
			if i -= drop; i < 0 {
				delete(n.tried, key)
			} else {
				n.tried[key] = i
			}
		}
	}
	n.tried[k] = len(n.proofs) - 1
}
