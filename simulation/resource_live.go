package simulation

import (
	"cmp"
	"slices"
	"strings"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/resource"
)

// resValidators is how many validators (of power 1 each) carry the
// simulated probe answers in their vote extensions.
const resValidators = 4

// liveKey names one node's liveness slot.
type liveKey struct {
	epoch uint64
	slot  uint32
	node  string
}

// liveVotes are the vote extensions of the block before h, as validators'
// probers would fill them from committed state snap, and the slots they
// should show up. For each open slot, every member that is not silent and
// not yet up answers at one seeded height of the slot (resource.SignProbe
// over the slot's nonce); each validator carries an answer with
// probability 9/10, and a slot is up only if more than 2/3 of them do (a
// node that missed it answers again later in the slot). Liars also sign
// answers in silent nodes' names with their own key, which every
// validator carries and which must count for nothing.
func (r *resourceSim) liveVotes(snap state.KV, h int64, at map[liveKey]int64) ([]attest.Vote, []*pb.ProbeSlot, error) {
	if r.params.ProbesPerEpoch == 0 {
		return nil, nil, nil
	}
	k := resource.NewKeeper(nil, nil)
	if err := k.LoadParams(snap); err != nil {
		return nil, nil, err
	}
	members, err := k.Members(snap)
	if err != nil {
		return nil, nil, err
	}
	member := map[string]bool{}
	for _, m := range members {
		member[m.Node] = true
	}
	e, _ := r.params.Epoch(h)
	ext := make([]*pb.VoteExtension, resValidators)
	for i := range ext {
		ext[i] = &pb.VoteExtension{}
	}
	var want []*pb.ProbeSlot
	for s := range r.params.ProbesPerEpoch {
		start, until, ok := r.params.SlotSpan(e, s)
		if !ok || h <= start || h > until {
			continue
		}
		nonce, err := k.SlotNonceAt(snap, e, s)
		if err != nil {
			return nil, nil, err
		}
		if nonce == nil {
			continue
		}
		for _, n := range r.crns {
			if !member[n.hash] {
				continue
			}
			if n.does == silent {
				var liars []*crn
				for _, x := range r.crns {
					if x.does == liar {
						liars = append(liars, x)
					}
				}
				if len(liars) > 0 && r.rng.Intn(2) == 0 {
					forger := liars[r.rng.Intn(len(liars))]
					sig, err := resource.SignProbe(forger.key, resourceChainID, n.hash, e, s, nonce)
					if err != nil {
						return nil, nil, err
					}
					for _, x := range ext {
						x.Probes = append(x.Probes, &pb.ProbeAnswer{Node: n.hash, Epoch: e, Slot: s, Signature: sig})
					}
					r.forged++
				}
				continue
			}
			up, err := k.IsUp(snap, e, n.hash, s)
			if err != nil {
				return nil, nil, err
			}
			id := liveKey{e, s, n.hash}
			if up {
				continue
			}
			when, seen := at[id]
			if !seen {
				when = h + r.rng.Int63n(until-h+1)
				at[id] = when
			}
			if when != h {
				continue
			}
			sig, err := resource.SignProbe(n.key, resourceChainID, n.hash, e, s, nonce)
			if err != nil {
				return nil, nil, err
			}
			carried := 0
			for _, x := range ext {
				if r.rng.Intn(10) > 0 {
					x.Probes = append(x.Probes, &pb.ProbeAnswer{Node: n.hash, Epoch: e, Slot: s, Signature: sig})
					carried++
				}
			}
			switch {
			case 3*carried > 2*resValidators:
				want = append(want, &pb.ProbeSlot{Node: n.hash, Epoch: e, Slot: s})
			case h < until: // not enough carried it: answer again later
				at[id] = h + 1 + r.rng.Int63n(until-h)
			}
		}
	}
	votes := make([]attest.Vote, resValidators)
	for i, x := range ext {
		votes[i] = attest.Vote{Power: 1, Ext: x}
	}
	slices.SortFunc(want, func(a, b *pb.ProbeSlot) int {
		return cmp.Or(cmp.Compare(a.Epoch, b.Epoch), strings.Compare(a.Node, b.Node), cmp.Compare(a.Slot, b.Slot))
	})
	return votes, want, nil
}
