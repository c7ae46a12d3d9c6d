package resource

import (
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// BPS is one in basis points.
const BPS = 10_000

// Multiplier is nodestatus's reward multiplier (distribution.py
// compute_score_multiplier) in basis points: 0 below a score of 0.2, 1 from
// 0.8, linear between, (s − 0.2)/0.6, rounded down.
func Multiplier(scoreBps uint32) uint32 {
	switch {
	case scoreBps < 2000:
		return 0
	case scoreBps >= 8000:
		return BPS
	}
	return (scoreBps - 2000) * BPS / 6000
}

// Score is a node's score in basis points over the epochs of its window:
// the share of its challenges it passed times the share of its liveness
// slots it was up in, both rounded down. A node that was never challenged
// (it holds no file) is judged on liveness alone, one never probed on its
// proofs alone; one with neither scores 0: a score is earned by evidence,
// not by silence.
func Score(epochs []*pb.EpochTally) uint32 {
	var issued, passed, slots, up uint64
	for _, e := range epochs {
		issued += uint64(e.Issued)
		passed += uint64(min(e.Passed, e.Issued))
		slots += uint64(e.Slots)
		up += uint64(min(e.Up, e.Slots))
	}
	if issued == 0 && slots == 0 {
		return 0
	}
	proofs, live := uint64(BPS), uint64(BPS)
	if issued > 0 {
		proofs = passed * BPS / issued
	}
	if slots > 0 {
		live = up * BPS / slots
	}
	return uint32(proofs * live / BPS)
}

// Record adds t to w's epoch t.Epoch (a new one at the end if it is newer
// than the last), keeps only the window's last epochs (those after
// t.Epoch − window), and sets w's score. Epochs arrive in order: a tally
// for an epoch older than the last is added to it only if it is still in
// w.
func Record(w *pb.ScoreWindow, t *pb.EpochTally, window uint64) {
	var e *pb.EpochTally
	for _, x := range w.Epochs {
		if x.Epoch == t.Epoch {
			e = x
		}
	}
	if e == nil && (len(w.Epochs) == 0 || w.Epochs[len(w.Epochs)-1].Epoch < t.Epoch) {
		e = &pb.EpochTally{Epoch: t.Epoch}
		w.Epochs = append(w.Epochs, e)
	}
	if e != nil {
		e.Issued += t.Issued
		e.Passed += t.Passed
		e.Slots += t.Slots
		e.Up += t.Up
	}
	last := w.Epochs[len(w.Epochs)-1].Epoch
	keep := 0
	for keep < len(w.Epochs) && window > 0 && last >= window && w.Epochs[keep].Epoch <= last-window {
		keep++
	}
	if window == 0 {
		keep = len(w.Epochs)
	}
	w.Epochs = w.Epochs[keep:]
	w.ScoreBps = Score(w.Epochs)
}
