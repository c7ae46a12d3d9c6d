package probe_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/alephd/alephd/probe"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/resource"
)

const chainID = "probe-test"

// crn is a resource node's probe endpoint on 127.0.0.1, answering as
// behave says.
type crn struct {
	node string
	key  *ecdsa.PrivateKey
	url  string
	hits atomic.Int64
}

// behaviour answers a probe for c; honest signs it.
type behaviour func(c *crn, w http.ResponseWriter, r *http.Request)

func newCRN(t testing.TB, node string, behave behaviour) *crn {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	c := &crn{node: node, key: key}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.hits.Add(1)
		if r.URL.Path != probe.Path {
			http.NotFound(w, r)
			return
		}
		behave(c, w, r)
	}))
	t.Cleanup(srv.Close)
	c.url = srv.URL
	return c
}

// query is a probe's epoch, slot and nonce.
func query(r *http.Request) (uint64, uint32, []byte) {
	q := r.URL.Query()
	epoch, _ := strconv.ParseUint(q.Get("epoch"), 10, 64)
	slot, _ := strconv.ParseUint(q.Get("slot"), 10, 32)
	nonce, _ := hex.DecodeString(q.Get("nonce"))
	return epoch, uint32(slot), nonce
}

// signed answers as a resource node does, signing with key for node,
// echoing slot+slotShift.
func signed(key func(*crn) *ecdsa.PrivateKey, slotShift uint32) behaviour {
	return func(c *crn, w http.ResponseWriter, r *http.Request) {
		epoch, slot, nonce := query(r)
		sig, err := resource.SignProbe(key(c), chainID, c.node, epoch, slot, nonce)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"node": c.node, "epoch": epoch, "slot": slot + slotShift, "signature": hex.EncodeToString(sig)})
	}
}

var honest = signed(func(c *crn) *ecdsa.PrivateKey { return c.key }, 0)

// target is c's slot (epoch, slot) with a nonce of its own.
func (c *crn) target(epoch uint64, slot uint32) resource.ProbeTarget {
	return resource.ProbeTarget{
		Node: c.node, URL: c.url, Pubkey: crypto.CompressPubkey(&c.key.PublicKey),
		Epoch: epoch, Slot: slot, Nonce: []byte(fmt.Sprintf("nonce %s %d %d", c.node, epoch, slot)), Until: 100,
	}
}

// list is the open slots, as the committed state would list them.
type list struct {
	mu sync.Mutex
	ts []resource.ProbeTarget
}

func (l *list) set(ts ...resource.ProbeTarget) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ts = ts
}

func (l *list) get() ([]resource.ProbeTarget, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]resource.ProbeTarget(nil), l.ts...), nil
}

// run starts a prober over l; the returned stop cancels it and waits for
// Run to return.
func run(t *testing.T, l *list, c probe.Config) (*probe.Prober, func()) {
	t.Helper()
	c.Targets, c.ChainID = l.get, chainID
	if c.Interval == 0 {
		c.Interval = 10 * time.Millisecond
	}
	if c.Backoff == 0 {
		c.Backoff = 5 * time.Millisecond
	}
	p := probe.New(c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return p, stop
}

// waitFor polls cond; a prober that never gets there fails the test
// rather than hanging it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

func TestHonestAnswerKept(t *testing.T) {
	c := newCRN(t, "node-a", honest)
	l := &list{}
	target := c.target(3, 1)
	l.set(target)
	p, _ := run(t, l, probe.Config{})
	waitFor(t, "an answer", func() bool { return len(p.Answers(10)) == 1 })
	a := p.Answers(10)[0]
	if a.Node != "node-a" || a.Epoch != 3 || a.Slot != 1 {
		t.Fatalf("answer %+v", a)
	}
	if !resource.VerifyProbe(target.Pubkey, chainID, a.Node, a.Epoch, a.Slot, target.Nonce, a.Signature) {
		t.Fatal("the kept answer does not verify")
	}
	// Answered slots are not probed again.
	hits := c.hits.Load()
	l.set(target, c.target(3, 2))
	waitFor(t, "the second slot's answer", func() bool { return len(p.Answers(10)) == 2 })
	if got := c.hits.Load(); got != hits+1 {
		t.Fatalf("%d probes for one new slot", got-hits)
	}
}

// TestInvalidAnswersRefused: every way an answer can be wrong leaves the
// slot unanswered (and retried), beside an honest node's answer.
func TestInvalidAnswersRefused(t *testing.T) {
	other, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name, reason string
		behave       behaviour
	}{
		{"wrong key", "signature", signed(func(*crn) *ecdsa.PrivateKey { return other }, 0)},
		{"wrong slot", "mismatch", signed(func(c *crn) *ecdsa.PrivateKey { return c.key }, 1)},
		{"malformed json", "body", func(_ *crn, w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"node":`)) }},
		{"short signature", "body", func(c *crn, w http.ResponseWriter, r *http.Request) {
			epoch, slot, _ := query(r)
			_ = json.NewEncoder(w).Encode(map[string]any{"node": c.node, "epoch": epoch, "slot": slot, "signature": "abcd"})
		}},
		{"oversized", "body", func(_ *crn, w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"node":"` + strings.Repeat("x", 1<<20) + `"}`))
		}},
		{"500", "status", func(_ *crn, w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "down", http.StatusInternalServerError)
		}},
		{"redirect", "status", func(c *crn, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/elsewhere", http.StatusFound)
		}},
		{"slow", "timeout", func(_ *crn, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
	}
	before := map[string]float64{}
	for _, b := range bad {
		before[b.reason] = testutil.ToFloat64(probe.MetricFailures.WithLabelValues(b.reason))
	}
	good := newCRN(t, "honest", honest)
	ts := []resource.ProbeTarget{good.target(1, 0)}
	var crns []*crn
	for _, b := range bad {
		c := newCRN(t, b.name, b.behave)
		crns = append(crns, c)
		ts = append(ts, c.target(1, 0))
	}
	l := &list{}
	l.set(ts...)
	p, _ := run(t, l, probe.Config{Timeout: 150 * time.Millisecond})
	// A second probe of a slot starts only once the first has failed.
	for i, c := range crns {
		waitFor(t, bad[i].name+" probed twice", func() bool { return c.hits.Load() >= 2 })
	}
	waitFor(t, "the honest answer", func() bool { return len(p.Answers(0)) > 0 })
	if got := p.Answers(0); len(got) != 1 || got[0].Node != "honest" {
		t.Fatalf("answers %v", got)
	}
	for _, b := range bad {
		if after := testutil.ToFloat64(probe.MetricFailures.WithLabelValues(b.reason)); after < before[b.reason]+1 {
			t.Errorf("%s: failures counted as %q went from %v to %v", b.name, b.reason, before[b.reason], after)
		}
	}
}

// TestAnswerLeavesWithItsTarget: a slot that leaves the list (seen up,
// or closed) takes its answer with it, and a slot whose nonce changed
// is answered again.
func TestAnswerLeavesWithItsTarget(t *testing.T) {
	a, b := newCRN(t, "a", honest), newCRN(t, "b", honest)
	l := &list{}
	ta, tb := a.target(5, 0), b.target(5, 0)
	l.set(ta, tb)
	p, _ := run(t, l, probe.Config{})
	waitFor(t, "both answers", func() bool { return len(p.Answers(0)) == 2 })
	l.set(tb)
	waitFor(t, "a's answer gone", func() bool { return len(p.Answers(0)) == 1 })
	if got := p.Answers(0)[0]; got.Node != "b" {
		t.Fatalf("left: %v", got)
	}
	tb.Nonce = []byte("a new nonce")
	l.set(tb)
	waitFor(t, "b answered for its new nonce", func() bool {
		got := p.Answers(0)
		return len(got) == 1 && resource.VerifyProbe(tb.Pubkey, chainID, "b", 5, 0, tb.Nonce, got[0].Signature)
	})
	l.set()
	waitFor(t, "no answers", func() bool { return len(p.Answers(0)) == 0 })
}

// TestAnswersOrderAndLimit: answers come closing first, then by (node,
// epoch, slot), at most the limit asked.
func TestAnswersOrderAndLimit(t *testing.T) {
	l := &list{}
	var ts []resource.ProbeTarget
	for _, name := range []string{"c", "a", "b"} {
		c := newCRN(t, name, honest)
		closing := c.target(1, 3)
		closing.Until = 50 // epoch 2's slots count until 100
		ts = append(ts, c.target(2, 1), closing, c.target(2, 0))
	}
	l.set(ts...)
	p, _ := run(t, l, probe.Config{Concurrency: 2})
	waitFor(t, "every answer", func() bool { return len(p.Answers(0)) == len(ts) })
	var got []string
	for _, a := range p.Answers(0) {
		got = append(got, fmt.Sprintf("%s/%d/%d", a.Node, a.Epoch, a.Slot))
	}
	want := "a/1/3 b/1/3 c/1/3 a/2/0 a/2/1 b/2/0 b/2/1 c/2/0 c/2/1"
	if strings.Join(got, " ") != want {
		t.Fatalf("order %v, want %s", got, want)
	}
	if four := p.Answers(4); len(four) != 4 || four[3].Node != "a" || four[3].Epoch != 2 || four[3].Slot != 0 {
		t.Fatalf("Answers(4): %v", four)
	}
	// The caller owns what it gets.
	first := p.Answers(1)
	first[0].Signature[0] ^= 1
	first[0].Node = "changed"
	if again := p.Answers(1); again[0].Node != "a" || !verifies(ts, again[0]) {
		t.Fatal("a caller's change reached the prober's answers")
	}
}

func verifies(ts []resource.ProbeTarget, a *pb.ProbeAnswer) bool {
	for _, t := range ts {
		if t.Node == a.Node && t.Epoch == a.Epoch && t.Slot == a.Slot {
			return resource.VerifyProbe(t.Pubkey, chainID, t.Node, t.Epoch, t.Slot, t.Nonce, a.Signature)
		}
	}
	return false
}

// TestFailingNodeLoggedOnce: a node that fails probe after probe is
// logged once, and once more when it answers again.
func TestFailingNodeLoggedOnce(t *testing.T) {
	var fails atomic.Int64
	fails.Store(5)
	c := newCRN(t, "flaky", func(c *crn, w http.ResponseWriter, r *http.Request) {
		if fails.Add(-1) >= 0 {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		honest(c, w, r)
	})
	var mu sync.Mutex
	var lines []string
	l := &list{}
	l.set(c.target(1, 0))
	p, _ := run(t, l, probe.Config{Log: func(msg string, _ ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, msg)
	}})
	waitFor(t, "the answer after 5 failures", func() bool { return len(p.Answers(0)) == 1 })
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 2 || !strings.Contains(lines[0], "fails") || !strings.Contains(lines[1], "again") {
		t.Fatalf("log after %d probes: %q", c.hits.Load(), lines)
	}
}

// TestStopLeavesNoGoroutines: cancelling Run while a probe hangs stops
// the probe, and Run returns with nothing of the prober left running.
func TestStopLeavesNoGoroutines(t *testing.T) {
	slow := newCRN(t, "slow", func(_ *crn, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	fast := newCRN(t, "fast", honest)
	l := &list{}
	l.set(slow.target(1, 0), fast.target(1, 0))
	client := probe.NewClient(time.Minute)
	p, stop := run(t, l, probe.Config{Client: client, Timeout: time.Minute})
	waitFor(t, "the slow probe in flight and the fast answered", func() bool {
		return slow.hits.Load() == 1 && len(p.Answers(0)) == 1
	})
	stop() // returns once Run has
	if s := stacks(); strings.Contains(s, "alephd/probe.") {
		t.Fatalf("prober goroutines left after Run returned:\n%s", s)
	}
	// The client's connections close (the hung one was cancelled, the idle
	// one closed by Run); their goroutines end shortly after.
	waitFor(t, "the client's connections closed", func() bool { return !strings.Contains(stacks(), "net/http.(*persistConn)") })
}

func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
