package resource

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestNegLn compares the integer -ln(u) with math.Log (floats are fine in
// a test: they only judge the approximation) at the ends of its range and
// at drawn points.
func TestNegLn(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	hs := []uint64{0, 1 << 11, math.MaxUint64, math.MaxUint64 - 1<<11, 1 << 63, 3 << 62}
	for range 100_000 {
		hs = append(hs, r.Uint64())
	}
	for _, h := range hs {
		u := float64(h>>11+1) / (1 << 53)
		want := -math.Log(u)
		got := float64(negLn(h)) / (1 << lnFrac)
		if math.Abs(got-want) > 1e-13*max(1, want) {
			t.Fatalf("h=%#x: -ln(%g) = %.17g, want %.17g", h, u, got, want)
		}
	}
	if negLn(math.MaxUint64) != 0 {
		t.Fatalf("-ln(1) = %d, want 0", negLn(math.MaxUint64))
	}
}
