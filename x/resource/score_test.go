package resource

import (
	"math/rand/v2"
	"testing"

	pb "github.com/alephd/alephd/proto/alephdv1"
)

// TestMultiplier checks nodestatus's points: 0 below 0.2, 0.5 at 0.5, 1
// from 0.8, rounding down between, and monotone.
func TestMultiplier(t *testing.T) {
	for s, want := range map[uint32]uint32{0: 0, 1999: 0, 2000: 0, 2006: 10, 3500: 2500, 5000: 5000, 7999: 9998, 8000: BPS, BPS: BPS} {
		if got := Multiplier(s); got != want {
			t.Errorf("Multiplier(%d) = %d, want %d", s, got, want)
		}
	}
	for s := uint32(1); s <= BPS; s++ {
		if Multiplier(s) < Multiplier(s-1) {
			t.Fatalf("not monotone at %d", s)
		}
	}
}

func TestScore(t *testing.T) {
	cases := []struct {
		name   string
		epochs []*pb.EpochTally
		want   uint32
	}{
		{"no evidence", nil, 0},
		{"no evidence in its epochs", []*pb.EpochTally{{Epoch: 1}}, 0},
		{"all passed, always up", []*pb.EpochTally{{Issued: 4, Passed: 4, Slots: 10, Up: 10}}, BPS},
		{"half the proofs", []*pb.EpochTally{{Issued: 4, Passed: 2, Slots: 10, Up: 10}}, 5000},
		{"half the proofs, 80% up", []*pb.EpochTally{{Issued: 4, Passed: 2}, {Slots: 10, Up: 8}}, 4000},
		{"no file: liveness alone", []*pb.EpochTally{{Slots: 3, Up: 2}}, 6666},
		{"never probed: proofs alone", []*pb.EpochTally{{Issued: 3, Passed: 1}}, 3333},
		{"counts past their totals are capped", []*pb.EpochTally{{Issued: 1, Passed: 9, Slots: 1, Up: 9}}, BPS},
	}
	for _, c := range cases {
		if got := Score(c.epochs); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// TestRecordWindow: over a seeded history the window keeps exactly the
// last epochs, sums what each epoch got, and its score stays in range and
// equals Score over a model's sums.
func TestRecordWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const window = 5
	w := &pb.ScoreWindow{}
	model := map[uint64]*pb.EpochTally{}
	epoch := uint64(0)
	for range 2000 {
		epoch += r.Uint64N(3) // same epoch again, the next, or one skipped
		issued := uint32(r.IntN(4))
		slots := uint32(r.IntN(4))
		tl := &pb.EpochTally{Epoch: epoch, Issued: issued, Passed: uint32(r.IntN(int(issued) + 1)), Slots: slots, Up: uint32(r.IntN(int(slots) + 1))}
		Record(w, tl, window)
		m := model[epoch]
		if m == nil {
			m = &pb.EpochTally{Epoch: epoch}
			model[epoch] = m
		}
		m.Issued += tl.Issued
		m.Passed += tl.Passed
		m.Slots += tl.Slots
		m.Up += tl.Up
		var want []*pb.EpochTally
		for e := epoch - min(epoch, window-1); e <= epoch; e++ {
			if model[e] != nil {
				want = append(want, model[e])
			}
		}
		if len(w.Epochs) != len(want) {
			t.Fatalf("epoch %d: window holds %d epochs, want %d", epoch, len(w.Epochs), len(want))
		}
		for i := range want {
			g, m := w.Epochs[i], want[i]
			if g.Epoch != m.Epoch || g.Issued != m.Issued || g.Passed != m.Passed || g.Slots != m.Slots || g.Up != m.Up {
				t.Fatalf("epoch %d: %v, model %v", epoch, g, m)
			}
		}
		if w.ScoreBps > BPS || w.ScoreBps != Score(want) {
			t.Fatalf("epoch %d: score %d, model %d", epoch, w.ScoreBps, Score(want))
		}
	}
}
