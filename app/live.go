package app

import (
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource"
)

// liveness gives x/attest what tallies and applies liveness answers:
// x/resource's keeper, with the chain id answers are signed for, read from
// the same state the tally reads (so a proposer and its checkers agree).
type liveness struct{ a *App }

func (l liveness) TallyLive(kv state.KV, votes []resource.LiveVote, total int64) ([]*pb.ProbeSlot, error) {
	if l.a.resource.Params().Slots() == 0 || len(votes) == 0 {
		return nil, nil
	}
	chainID, err := kv.Get(chainIDKey)
	if err != nil {
		return nil, err
	}
	return l.a.resource.TallyLive(kv, string(chainID), votes, total)
}

func (l liveness) ApplyLive(kv state.KV, slots []*pb.ProbeSlot) error {
	return l.a.resource.ApplyLive(kv, slots)
}

// ProbeTargets lists, over the committed state, the liveness probes this
// validator's node should make for its next vote extensions
// (resource.Keeper.ProbeTargets): none when liveness is off or before the
// first commit.
func (a *App) ProbeTargets() ([]resource.ProbeTarget, error) {
	if a.store.Version() == 0 || a.resource.Params().Slots() == 0 {
		return nil, nil
	}
	snap, err := a.store.At(0)
	if err != nil {
		return nil, err
	}
	chainID, err := snap.Get(chainIDKey)
	if err != nil {
		return nil, err
	}
	return a.resource.ProbeTargets(snap, a.store.Version(), string(chainID))
}
