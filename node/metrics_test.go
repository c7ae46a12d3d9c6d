package node

import (
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The byte counters keep one series per label set, whatever the order of
// With calls that reach it, and sum every Add into it.
func TestSeriesCounterSumsPerLabelSet(t *testing.T) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bytes_total", Help: "h"}, []string{"chain_id", "peer_id", "chID"})
	c := (&seriesCounter{vec: vec, series: &sync.Map{}}).With("chain_id", "c")
	for i := 0; i < 3; i++ {
		c.With("peer_id", "a", "chID", "0x30").Add(100)
	}
	c.With("peer_id", "b", "chID", "0x30").Add(7)
	c.With("peer_id", "a", "chID", "0x20").Add(1)

	for _, tc := range []struct {
		peer, ch string
		want     float64
	}{{"a", "0x30", 300}, {"b", "0x30", 7}, {"a", "0x20", 1}} {
		if got := testutil.ToFloat64(vec.WithLabelValues("c", tc.peer, tc.ch)); got != tc.want {
			t.Errorf("peer %s channel %s: %v bytes, want %v", tc.peer, tc.ch, got, tc.want)
		}
	}
	if n := testutil.CollectAndCount(vec); n != 3 {
		t.Errorf("%d series, want 3", n)
	}
}
