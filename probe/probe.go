package probe

import (
	"bytes"
	"cmp"
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/resource"
)

// Defaults of Config.
const (
	DefaultTimeout     = 3 * time.Second
	DefaultInterval    = time.Second
	DefaultConcurrency = 16
	DefaultBackoff     = time.Second
	// maxBackoffSteps caps a retry's delay at Backoff·2^maxBackoffSteps (16 s
	// by default): a slot lasts epoch_blocks/probes_per_epoch blocks (60 by
	// default), so a node back up is still caught within its slot.
	maxBackoffSteps = 4
)

// Config sets up a Prober.
type Config struct {
	// Targets lists the open liveness slots over committed state
	// (app.App.ProbeTargets, read under the node's app lock). It is called
	// about every Interval, and when Height moves.
	Targets func() ([]resource.ProbeTarget, error)
	// ChainID is the chain the answers must be signed for.
	ChainID string
	// Client sends the probes; nil: NewClient(Timeout).
	Client *http.Client
	// Timeout bounds one probe, answer included (0: DefaultTimeout).
	Timeout time.Duration
	// Interval paces the reads of Targets (0: DefaultInterval).
	Interval time.Duration
	// Height, if set, is the committed height (read without locks): the
	// prober reads Targets again as soon as it moves, so a new slot is
	// probed at its first height rather than up to Interval later.
	Height func() int64
	// Concurrency bounds the probes in flight (0: DefaultConcurrency).
	Concurrency int
	// Backoff is the delay before a failed slot is probed again; it
	// doubles with each failure in a row, up to 16 times (0:
	// DefaultBackoff).
	Backoff time.Duration
	// Now is the clock that paces retries (nil: time.Now). It never
	// reaches state.
	Now func() time.Time
	// Log reports a node that stops answering, once, and once when it
	// answers again; and a failure to read Targets. Nil: silent.
	Log func(msg string, kv ...any)
}

// NewClient is the HTTP client a prober uses by default: the timeout
// bounds a whole probe, and redirects are not followed (an answer comes
// from the registered address itself).
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Prober probes the resource nodes of the open slots and keeps their
// verified answers. Run drives it; Answers may be called from any
// goroutine, at any time.
type Prober struct {
	c        Config
	answers  atomic.Pointer[[]*pb.ProbeAnswer] // listed and answered, in Answers' order
	entries  map[key]*entry                    // owned by Run's goroutine
	down     map[string]string                 // node -> reason logged when it began failing
	readErr  string                            // the last Targets error logged
	inflight int
}

// key names a slot of a node.
type key struct {
	node  string
	epoch uint64
	slot  uint32
}

func keyOf(t resource.ProbeTarget) key { return key{t.Node, t.Epoch, t.Slot} }

func (k key) compare(o key) int {
	return cmp.Or(cmp.Compare(k.node, o.node), cmp.Compare(k.epoch, o.epoch), cmp.Compare(k.slot, o.slot))
}

// entry is a listed slot and what the prober knows of it.
type entry struct {
	t     resource.ProbeTarget
	sig   []byte // the verified answer; nil until one
	busy  bool   // a probe is in flight
	fails int    // failures in a row
	next  time.Time
}

// result is a finished probe of target t.
type result struct {
	t    resource.ProbeTarget
	sig  []byte
	fail *failure
}

// New returns a prober for c; Run starts it.
func New(c Config) *Prober {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.Client == nil {
		c.Client = NewClient(c.Timeout)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = func(string, ...any) {}
	}
	p := &Prober{c: c, entries: map[key]*entry{}, down: map[string]string{}}
	p.answers.Store(&[]*pb.ProbeAnswer{})
	return p
}

// Answers are the verified answers of the slots still listed, at most
// limit (limit <= 0: all): those whose slots close first (Until) first,
// then in (node, epoch, slot) order. When a vote extension has room for
// fewer than the prober holds, the answers that can count for the
// shortest time go first; the rest travel in the next blocks' extensions
// while their slots stay open. It never waits on the network or on Run:
// ExtendVote calls it while the validator votes.
func (p *Prober) Answers(limit int) []*pb.ProbeAnswer {
	all := *p.answers.Load()
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	out := make([]*pb.ProbeAnswer, len(all))
	for i, a := range all { // copies: the caller may trim or change them
		out[i] = &pb.ProbeAnswer{Node: a.Node, Epoch: a.Epoch, Slot: a.Slot, Signature: bytes.Clone(a.Signature)}
	}
	return out
}

// Run probes until ctx ends, then waits for its probes in flight to stop.
// Call it once.
func (p *Prober) Run(ctx context.Context) {
	tick := p.c.Interval
	if p.c.Height != nil {
		tick = max(p.c.Interval/5, 10*time.Millisecond)
	}
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	results := make(chan result, p.c.Concurrency) // never full: at most Concurrency probes run
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		p.c.Client.CloseIdleConnections()
	}()
	var height int64
	var lastRead time.Time
	read := func() {
		if p.c.Height != nil {
			height = p.c.Height()
		}
		lastRead = p.c.Now()
		p.refresh()
	}
	read()
	p.dispatch(ctx, results, &wg)
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-results:
			p.inflight--
			p.apply(r)
			p.dispatch(ctx, results, &wg)
		case <-ticker.C:
			moved := p.c.Height != nil && p.c.Height() != height
			if moved || p.c.Now().Sub(lastRead) >= p.c.Interval {
				read()
			}
			p.dispatch(ctx, results, &wg)
		}
	}
}

// refresh reads the list of open slots: new slots are added, slots no
// longer listed (seen up, or closed) are dropped with their answers, and
// a slot whose nonce or key changed starts over. On a read error the
// list stays as it was.
func (p *Prober) refresh() {
	ts, err := p.c.Targets()
	if err != nil {
		if err.Error() != p.readErr {
			p.readErr = err.Error()
			p.c.Log("cannot read the resource nodes to probe", "err", err)
		}
		return
	}
	p.readErr = ""
	listed := make(map[key]bool, len(ts))
	nodes := map[string]bool{}
	for _, t := range ts {
		k := keyOf(t)
		listed[k], nodes[t.Node] = true, true
		e := p.entries[k]
		switch {
		case e == nil:
			p.entries[k] = &entry{t: t}
		case !bytes.Equal(e.t.Nonce, t.Nonce) || !bytes.Equal(e.t.Pubkey, t.Pubkey):
			*e = entry{t: t, busy: e.busy}
		default:
			e.t.URL, e.t.Until = t.URL, t.Until
		}
	}
	for k := range p.entries {
		if !listed[k] {
			delete(p.entries, k)
		}
	}
	for n := range p.down {
		if !nodes[n] { // unlisted: seen up by others, or gone
			delete(p.down, n)
		}
	}
	metricTargets.Set(float64(len(p.entries)))
	metricFailing.Set(float64(len(p.down)))
	p.publish()
}

// dispatch starts probes of the slots due, up to the concurrency bound:
// those waiting longest first, then those closing first.
func (p *Prober) dispatch(ctx context.Context, results chan<- result, wg *sync.WaitGroup) {
	free := p.c.Concurrency - p.inflight
	if free <= 0 || ctx.Err() != nil {
		return
	}
	now := p.c.Now()
	var due []*entry
	for _, e := range p.entries {
		if e.sig == nil && !e.busy && !e.next.After(now) {
			due = append(due, e)
		}
	}
	slices.SortFunc(due, func(a, b *entry) int {
		return cmp.Or(a.next.Compare(b.next), cmp.Compare(a.t.Until, b.t.Until), keyOf(a.t).compare(keyOf(b.t)))
	})
	for _, e := range due[:min(free, len(due))] {
		e.busy = true
		p.inflight++
		wg.Add(1)
		go func(t resource.ProbeTarget) {
			defer wg.Done()
			results <- p.probe(ctx, t)
		}(e.t)
	}
}

// probe runs one probe and counts it.
func (p *Prober) probe(parent context.Context, t resource.ProbeTarget) result {
	ctx, cancel := context.WithTimeout(parent, p.c.Timeout)
	defer cancel()
	metricSent.Inc()
	start := time.Now()
	sig, f := probe(ctx, p.c.Client, p.c.ChainID, t)
	if parent.Err() != nil {
		return result{t: t, fail: &failure{reason: reasonConnect, err: parent.Err()}} // stopping: not the node's failure
	}
	metricLatency.Observe(time.Since(start).Seconds())
	if f != nil {
		metricFailures.WithLabelValues(f.reason).Inc()
	} else {
		metricVerified.Inc()
	}
	return result{t: t, sig: sig, fail: f}
}

// apply records a finished probe, unless its slot has since left the
// list or changed.
func (p *Prober) apply(r result) {
	e := p.entries[keyOf(r.t)]
	if e == nil {
		return
	}
	e.busy = false
	if !bytes.Equal(e.t.Nonce, r.t.Nonce) || !bytes.Equal(e.t.Pubkey, r.t.Pubkey) {
		return // probed under an old nonce or key: the new one is due
	}
	node := r.t.Node
	if r.fail != nil {
		e.fails++
		e.next = p.c.Now().Add(p.c.Backoff << min(e.fails-1, maxBackoffSteps))
		if _, logged := p.down[node]; !logged {
			p.down[node] = r.fail.reason
			metricFailing.Set(float64(len(p.down)))
			p.c.Log("resource node fails its liveness probe", "node", node, "url", r.t.URL, "epoch", r.t.Epoch, "slot", r.t.Slot, "err", r.fail)
		}
		return
	}
	e.sig, e.fails = r.sig, 0
	if _, logged := p.down[node]; logged {
		delete(p.down, node)
		metricFailing.Set(float64(len(p.down)))
		p.c.Log("resource node answers its liveness probe again", "node", node, "epoch", r.t.Epoch, "slot", r.t.Slot)
	}
	p.publish()
}

// publish makes the answers of listed slots what Answers returns.
func (p *Prober) publish() {
	var answered []*entry
	for _, e := range p.entries {
		if e.sig != nil {
			answered = append(answered, e)
		}
	}
	slices.SortFunc(answered, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(a.t.Until, b.t.Until), keyOf(a.t).compare(keyOf(b.t)))
	})
	out := make([]*pb.ProbeAnswer, len(answered))
	for i, e := range answered {
		out[i] = &pb.ProbeAnswer{Node: e.t.Node, Epoch: e.t.Epoch, Slot: e.t.Slot, Signature: e.sig}
	}
	metricAnswered.Set(float64(len(out)))
	p.answers.Store(&out)
}
