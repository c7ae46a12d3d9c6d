package probe_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alephd/alephd/probe"
	"github.com/alephd/alephd/x/resource"
)

// BenchmarkProbeRound is one round of probes to fresh slots of honest
// nodes on 127.0.0.1, verification included, at the default concurrency:
// the time from a new list of slots to every answer ready for the vote.
func BenchmarkProbeRound(b *testing.B) {
	for _, n := range []int{16, 256} {
		b.Run(fmt.Sprintf("slots=%d", n), func(b *testing.B) {
			c := newCRN(b, "node", honest)
			l := &list{}
			p := probe.New(probe.Config{Targets: l.get, ChainID: chainID, Interval: time.Millisecond})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); p.Run(ctx) }()
			defer func() { cancel(); <-done }()
			b.ResetTimer()
			for i := range b.N {
				ts := make([]resource.ProbeTarget, n)
				for s := range ts {
					ts[s] = c.target(uint64(i), uint32(s))
				}
				l.set(ts...)
				for a := p.Answers(0); len(a) != n || a[0].Epoch != uint64(i); a = p.Answers(0) {
					time.Sleep(50 * time.Microsecond)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/slot")
		})
	}
}

// BenchmarkAnswers is what ExtendVote pays to read the answers: a copy of
// at most MaxVoteProbes (128) of 2,000 held.
func BenchmarkAnswers(b *testing.B) {
	c := newCRN(b, "node", honest)
	l := &list{}
	ts := make([]resource.ProbeTarget, 2000)
	for s := range ts {
		ts[s] = c.target(1, uint32(s))
	}
	l.set(ts...)
	p := probe.New(probe.Config{Targets: l.get, ChainID: chainID, Interval: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for len(p.Answers(0)) != len(ts) {
		time.Sleep(time.Millisecond)
	}
	b.ResetTimer()
	for range b.N {
		if len(p.Answers(128)) != 128 {
			b.Fatal("short")
		}
	}
}
