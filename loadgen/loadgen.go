package loadgen

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/keys"
)

// Config describes a run.
type Config struct {
	Nodes       []string      // RPC addresses; messages are spread over them
	Duration    time.Duration // how long to send
	Concurrency int           // parallel senders
	Rate        int           // messages per second; 0 sends as fast as the nodes take them
	Messages    int           // messages to pre-sign; 0 picks from rate and duration
	Accounts    int           // distinct signing keys
	Seed        string        // makes keys (and so messages) differ between runs
	// KVStore sends CometBFT kvstore transactions ("key=value") instead of
	// signed Aleph messages: the baseline a network's own overhead is
	// measured against.
	KVStore bool
}

// Report is what a run measured.
type Report struct {
	Submitted     int64         `json:"submitted"`
	Refused       int64         `json:"refused"`
	Committed     int64         `json:"committed"`
	Window        time.Duration `json:"window_ns"`
	CommittedRate float64       `json:"committed_msgs_per_sec"`
	LatencyP50    time.Duration `json:"latency_p50_ns"`
	LatencyP99    time.Duration `json:"latency_p99_ns"`
	Blocks        int64         `json:"blocks"`
}

func (r Report) String() string {
	return fmt.Sprintf("submitted %d, refused %d, committed %d in %s over %d blocks: %.0f msgs/s committed, submit->commit p50 %s p99 %s (sampled)",
		r.Submitted, r.Refused, r.Committed, r.Window.Round(time.Millisecond), r.Blocks, r.CommittedRate,
		r.LatencyP50.Round(time.Millisecond), r.LatencyP99.Round(time.Millisecond))
}

// Presign signs n POST messages from accounts keys, on every core.
func Presign(n, accounts int, seed string) [][]byte {
	out := make([][]byte, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				k := keys.FromSeed(fmt.Sprintf("%s-%d", seed, i%accounts))
				d := client.Post("LOAD", "load", map[string]any{"i": i, "body": "a typical small post body of a few dozen bytes"}, "")
				m, err := client.Sign(k, d)
				if err != nil {
					panic(err)
				}
				out[i] = app.EncodeTx(m)
			}
		}()
	}
	wg.Wait()
	return out
}

// A sender waits after the node refused some of its batch (most often: the
// mempool is full). A full mempool refuses at once, so a sender that went
// straight on would spend the nodes' CPU on refusals rather than on the
// messages they are committing. The wait starts at minBackoff and doubles
// while refusals go on, up to maxBackoff, as a well-behaved client's would;
// a batch admitted whole resets it.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 800 * time.Millisecond
)

// nextBackoff is the wait after a refusal that followed a wait of prev (0:
// none).
func nextBackoff(prev time.Duration) time.Duration {
	if prev == 0 {
		return minBackoff
	}
	return min(2*prev, maxBackoff)
}

// Run sends load and reports what committed during the window.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.Accounts <= 0 {
		cfg.Accounts = 256
	}
	if cfg.Messages <= 0 {
		perSec := cfg.Rate
		if perSec <= 0 {
			perSec = 6000
		}
		cfg.Messages = int(float64(perSec) * cfg.Duration.Seconds() * 1.1)
	}
	if cfg.Seed == "" {
		cfg.Seed = fmt.Sprint(time.Now().UnixNano())
	}
	var txs [][]byte
	if cfg.KVStore {
		txs = make([][]byte, cfg.Messages)
		for i := range txs { // about the size of a small signed POST
			txs[i] = []byte(fmt.Sprintf("%s-%d=%0480d", cfg.Seed, i, i))
		}
	} else {
		txs = Presign(cfg.Messages, cfg.Accounts, cfg.Seed)
	}
	// samples maps the hash of every sampleEvery-th message to its send time.
	const sampleEvery = 50
	samples := map[[32]byte]time.Time{}
	var mu sync.Mutex

	watcher, err := client.New(cfg.Nodes[0])
	if err != nil {
		return Report{}, err
	}
	st, err := watcher.RPC().Status(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("node %s: %w", cfg.Nodes[0], err)
	}
	startHeight := st.SyncInfo.LatestBlockHeight

	var rep Report
	start := time.Now()
	end := start.Add(cfg.Duration)
	sendCtx, stop := context.WithDeadline(ctx, end)
	defer stop()

	// Messages leave in batches of up to maxBatch. With a target rate they
	// are paced, in batches small enough to leave at least 100 times a
	// second: one request per message would cap the rate at what the
	// senders' round trips allow (about 800/s on a loaded 4-node localnet).
	batch := maxBatch
	var interval time.Duration
	if cfg.Rate > 0 {
		batch, interval = min(maxBatch, max(1, cfg.Rate/100)), time.Second/time.Duration(cfg.Rate)
	}
	var batches [][][]byte
	var firsts []int // index of each batch's first message
	for i := 0; i < len(txs); i += batch {
		j := min(i+batch, len(txs))
		reqs := make([][]byte, 0, j-i)
		for k := i; k < j; k++ {
			reqs = append(reqs, encodeRequest(k-i, txs[k]))
		}
		batches = append(batches, reqs)
		firsts = append(firsts, i)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < cfg.Concurrency; w++ {
		s := newSender(cfg.Nodes[w%len(cfg.Nodes)])
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.close()
			var backoff time.Duration
			for sendCtx.Err() == nil {
				b := int(next.Add(1) - 1)
				if b >= len(batches) {
					return
				}
				i := firsts[b]
				if interval > 0 { // pace: message i leaves at start + i*interval
					if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
						select {
						case <-time.After(d):
						case <-sendCtx.Done():
							return
						}
					}
				}
				n := min(batch, len(txs)-i)
				for k := i; k < i+n; k++ {
					if k%sampleEvery == 0 {
						mu.Lock()
						samples[sha256.Sum256(txs[k])] = time.Now()
						mu.Unlock()
					}
				}
				ok, err := s.send(sendCtx, batches[b])
				// Cut off by the end of the window: neither sent nor refused. The
				// connection's deadline can fire a moment before the context
				// reports it, so the clock decides too.
				if err != nil && (sendCtx.Err() != nil || !time.Now().Before(end)) {
					return
				}
				// On another error, what was answered before it counts; the rest
				// is refused (the sender dials again next time).
				atomic.AddInt64(&rep.Submitted, int64(ok))
				atomic.AddInt64(&rep.Refused, int64(n-ok))
				if ok == n {
					backoff = 0
					continue
				}
				backoff = nextBackoff(backoff) // a full mempool: back off, as a client would
				select {
				case <-time.After(backoff):
				case <-sendCtx.Done():
					return
				}
			}
		}()
	}

	// Watch heights as they commit, noting when each was first seen: the
	// commit time measured. Everything heavier waits for the end of the
	// window, so measuring does not take CPU from the node under test:
	// block results (each tx's code) and the sampled messages' heights.
	seenAt := map[int64]time.Time{}
	height := startHeight
	for time.Now().Before(end) {
		st, err := watcher.RPC().Status(ctx)
		if err != nil {
			return rep, err
		}
		now := time.Now()
		for ; height < st.SyncInfo.LatestBlockHeight && now.Before(end); height++ {
			seenAt[height+1] = now
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	wg.Wait()

	// Only this run's messages count: a node serving other clients, or one
	// whose mempool still holds an earlier run's, commits others' too.
	ours := make(map[[32]byte]bool, len(txs))
	for _, tx := range txs {
		ours[sha256.Sum256(tx)] = true
	}
	var lastCommit time.Time
	for h := startHeight + 1; h <= height; h++ {
		results, err := blockResults(ctx, watcher, h)
		if err != nil {
			return rep, err
		}
		block, err := watcher.RPC().Block(ctx, &h)
		if err != nil {
			return rep, err
		}
		rep.Blocks++
		for i, r := range results.TxsResults {
			if r.Code == 0 && i < len(block.Block.Txs) && ours[sha256.Sum256(block.Block.Txs[i])] {
				rep.Committed++
				lastCommit = seenAt[h]
			}
		}
	}
	var latencies []time.Duration
	for hash, t0 := range samples {
		res, err := watcher.RPC().Tx(ctx, hash[:], false)
		if err != nil {
			continue // not committed (or not indexed yet)
		}
		if seen, ok := seenAt[res.Height]; ok {
			latencies = append(latencies, seen.Sub(t0))
		}
	}
	rep.Window = cfg.Duration
	if !lastCommit.IsZero() {
		rep.Window = lastCommit.Sub(start)
	}
	rep.CommittedRate = float64(rep.Committed) / rep.Window.Seconds()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	if n := len(latencies); n > 0 {
		rep.LatencyP50 = latencies[n/2]
		rep.LatencyP99 = latencies[n*99/100]
	}
	return rep, nil
}

// blockResults fetches a committed height's results, waiting briefly for
// them: the node saves them just after the block.
func blockResults(ctx context.Context, c *client.Client, h int64) (*coretypes.ResultBlockResults, error) {
	for try := 0; ; try++ {
		res, err := c.RPC().BlockResults(ctx, &h)
		if err == nil || try == 50 {
			return res, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
