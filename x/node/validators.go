package node

import (
	"bytes"
	"math"
	"math/big"
	"slices"
	"strings"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// maxTotalPower is CometBFT's bound on a validator set's total power
// (types.MaxTotalVotingPower, int64 max / 8). A set beyond it is refused,
// and the chain would halt.
const maxTotalPower = math.MaxInt64 / 8

// Validator is a CCN's claim to validate: its consensus key and its power,
// its total stake in whole ALEPH (capped so that a whole set stays within
// CometBFT's bound, whatever an oracle reports).
type Validator struct {
	Node   string
	PubKey []byte // ed25519, 32 bytes
	Power  int64
}

// Validators is the validator set stake gives: the top max_validators
// active, unjailed CCNs that named a consensus key, by total stake, ties broken by
// node hash; power is the stake in whole ALEPH. A key named by two nodes
// counts once, for the first of them in that order. An empty set means
// that stake decides nothing yet (no CCN qualifies): the caller keeps the
// set it has, so the set never becomes empty.
func (k *Keeper) Validators(kv state.KV) ([]Validator, error) {
	type candidate struct {
		n     *pb.NodeRecord
		total *big.Int
	}
	var cands []candidate
	var bad error
	err := state.IteratePrefix(kv, []byte{ModulePrefix, prefixNode}, false, func(_, v []byte) bool {
		n := new(pb.NodeRecord)
		if bad = unmarshal(v, n); bad != nil {
			return false
		}
		if n.Kind == pb.NodeKind_NODE_KIND_CORE && len(n.ConsensusPubkey) == 32 && !n.Jailed && k.Active(n) {
			cands = append(cands, candidate{n, amountOf(n.TotalStaked)})
		}
		return true
	})
	if err != nil || bad != nil {
		return nil, errorsJoin(err, bad)
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := b.total.Cmp(a.total); c != 0 {
			return c
		}
		return strings.Compare(a.n.Hash, b.n.Hash)
	})
	var out []Validator
	for _, c := range cands {
		if uint32(len(out)) == k.params.MaxValidators {
			break
		}
		if slices.ContainsFunc(out, func(v Validator) bool { return bytes.Equal(v.PubKey, c.n.ConsensusPubkey) }) {
			continue
		}
		power := balance.WholeTokens(c.total)
		// Each seat's power is capped at its share of CometBFT's bound, so
		// no report, however wrong, makes a set CometBFT refuses. Real
		// stakes are far below it (ALEPH's supply is under 10^9).
		if limit := big.NewInt(maxTotalPower / int64(k.params.MaxValidators)); power.Cmp(limit) > 0 {
			power = limit
		}
		if power.Sign() <= 0 {
			continue // power 0 would be a removal; activation needs at least 1 ALEPH anyway
		}
		out = append(out, Validator{Node: c.n.Hash, PubKey: slices.Clone(c.n.ConsensusPubkey), Power: power.Int64()})
	}
	return out, nil
}

// EpochEnd reports whether height ends an epoch: the validator set is
// recomputed then.
func (k *Keeper) EpochEnd(height int64) bool {
	return k.params.EpochBlocks > 0 && height%k.params.EpochBlocks == 0
}
