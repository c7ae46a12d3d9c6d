package loadgen

import (
	"testing"
	"time"
)

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	var got []time.Duration
	var b time.Duration
	for range 6 {
		b = nextBackoff(b)
		got = append(got, b)
	}
	ms := time.Millisecond
	want := []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 800 * ms, 800 * ms}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("backoff after %d refusals in a row: %v, want %v (all: %v)", i+1, got[i], want[i], got)
		}
	}
}
