package app

import (
	"encoding/json"
	"fmt"
	"strings"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// PathResourceScore answers a resource node's score window: data is the
// node's hash, the answer a ResourceScoreView, or null on a chain that
// does not enable x/resource or for a node no epoch has judged yet.
const PathResourceScore = "/resource/score"

// ResourceScoreView is a resource node's score as x/resource keeps it:
// the window's score and multiplier, and each epoch of the window.
type ResourceScoreView struct {
	Node string `json:"node_id"`
	// ScoreBps is the window's score in basis points; Score and Multiplier
	// are the score and nodestatus's reward multiplier in [0, 1], exact.
	ScoreBps   uint32      `json:"score_bps"`
	Score      json.Number `json:"score"`
	Multiplier json.Number `json:"multiplier"`
	// ZeroScoreEpochs is how many judged epochs in a row closed at score 0
	// (the node is unlinked at the params' zero_score_epochs).
	ZeroScoreEpochs uint64 `json:"zero_score_epochs"`
	// WindowEpochs is the params' score_window_epochs.
	WindowEpochs uint32           `json:"window_epochs"`
	Epochs       []EpochScoreView `json:"epochs"`
}

// EpochScoreView is one epoch of a window: its challenges issued and
// passed, its liveness slots and those up, the height its tally completes
// at, and the score that epoch alone gives.
//
// Height is the epoch's last height, not its proof deadline: an epoch's
// row enters the window at the deadline with its proofs (CloseEpoch), but
// its liveness slots are counted and the node judged on both (unlinked
// after zero_score_epochs at 0) only at the epoch's last height
// (FinishEpoch). So the height a row is labelled with is the one after
// which it no longer changes, the same in the view, `alephd query
// crn-score` and /api/v0/compute/{id}/metrics. Final tells whether the
// committed height has reached it; until then the row (and the window's
// score) counts the epoch's proofs but not yet its liveness.
type EpochScoreView struct {
	Epoch    uint64 `json:"epoch"`
	Height   int64  `json:"height"`
	Final    bool   `json:"final"`
	Issued   uint32 `json:"issued"`
	Passed   uint32 `json:"passed"`
	Slots    uint32 `json:"slots"`
	Up       uint32 `json:"up"`
	ScoreBps uint32 `json:"score_bps"`
}

// epochEnd is epoch's last height, where FinishEpoch completes its tally:
// its first height plus epoch_blocks, minus one (written from Deadline,
// which is its first height plus proof_window_blocks, minus one).
func epochEnd(p resource.Params, epoch uint64) int64 {
	return p.Deadline(epoch) - p.ProofWindowBlocks + p.EpochBlocks
}

// Fraction writes basis points as an exact decimal in [0, 1]: 9512 is
// 0.9512, 10000 is 1, 5000 is 0.5.
func Fraction(bps uint32) json.Number {
	if bps >= resource.BPS {
		return "1"
	}
	s := strings.TrimRight(fmt.Sprintf("0.%04d", bps), "0")
	return json.Number(strings.TrimSuffix(s, "."))
}

// resourceScore is a node's ResourceScoreView, or nil (module off, or no
// window: a node never judged has no score to show).
func (a *App) resourceScore(kv state.KV, hash string) (*ResourceScoreView, error) {
	p := a.resource.Params()
	if !p.Enabled {
		return nil, nil
	}
	b, err := kv.Get(resource.WindowKey(hash))
	if err != nil || b == nil {
		return nil, err
	}
	w, err := a.resource.Window(kv, hash)
	if err != nil {
		return nil, err
	}
	zero, err := a.resource.ZeroEpochs(kv, hash)
	if err != nil {
		return nil, err
	}
	v := &ResourceScoreView{Node: hash, ScoreBps: w.ScoreBps, Score: Fraction(w.ScoreBps), Multiplier: Fraction(resource.Multiplier(w.ScoreBps)),
		ZeroScoreEpochs: zero, WindowEpochs: p.ScoreWindowEpochs, Epochs: []EpochScoreView{}}
	at := versionOf(kv)
	for _, e := range w.Epochs {
		end := epochEnd(p, e.Epoch)
		v.Epochs = append(v.Epochs, EpochScoreView{Epoch: e.Epoch, Height: end, Final: at >= end, Issued: e.Issued, Passed: e.Passed,
			Slots: e.Slots, Up: e.Up, ScoreBps: resource.Score([]*pb.EpochTally{e})})
	}
	return v, nil
}

// withScore sets a resource node view's score and multiplier on a chain
// that keeps scores: a node never judged shows 0.
func (a *App) withScore(kv state.KV, v *node.ResourceNodeView) error {
	if !a.resource.Params().Enabled {
		return nil
	}
	w, err := a.resource.Window(kv, v.Hash)
	if err != nil {
		return err
	}
	v.Score, v.Multiplier = Fraction(w.ScoreBps), Fraction(resource.Multiplier(w.ScoreBps))
	return nil
}

// nodeView is x/node's view of one node with, for a resource node, its
// score from x/resource (x/node cannot read x/resource, which reads it).
func (a *App) nodeView(kv state.KV, hash string) (any, error) {
	v, err := a.nodes.View(kv, hash)
	if r, ok := v.(node.ResourceNodeView); ok && err == nil {
		err = a.withScore(kv, &r)
		v = r
	}
	return v, err
}

// registryView is the corechannel registry with each resource node's
// score, as nodeView.
func (a *App) registryView(kv state.KV) (node.CoreChannel, error) {
	reg, err := a.nodes.Registry(kv)
	if err != nil {
		return reg, err
	}
	for i := range reg.ResourceNodes {
		if err := a.withScore(kv, &reg.ResourceNodes[i]); err != nil {
			return reg, err
		}
	}
	return reg, nil
}
