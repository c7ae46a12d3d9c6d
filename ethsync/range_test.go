package ethsync

import (
	"math/big"
	"math/rand"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// naiveNet is the net change of every address over the transfers of
// blocks up to to, the zero address left out.
func naiveNet(ts []transfer, to uint64) map[string]*big.Int {
	out := map[string]*big.Int{}
	move := func(a common.Address, v *big.Int) {
		if a == (common.Address{}) {
			return
		}
		k := strings.ToLower(a.Hex())
		if out[k] == nil {
			out[k] = new(big.Int)
		}
		out[k].Add(out[k], v)
	}
	for _, t := range ts {
		if t.block <= to {
			move(t.from, new(big.Int).Neg(t.value))
			move(t.to, t.value)
		}
	}
	for k, v := range out {
		if v.Sign() == 0 {
			delete(out, k)
		}
	}
	return out
}

// TestBuildRangeAgainstModel: over seeded random transfers (among few
// addresses, so changes cancel out, mints and burns included), a range is
// exactly the naive net change of its blocks, sorted, within max_changes,
// and ends at the last block before the one that would pass it.
func TestBuildRangeAgainstModel(t *testing.T) {
	for seed := int64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewSource(seed))
		addrs := make([]common.Address, 1+rng.Intn(12))
		for i := range addrs {
			if i > 0 { // addrs[0] is the zero address
				addrs[i] = common.BigToAddress(big.NewInt(int64(i)))
			}
		}
		from, to := uint64(100), uint64(100+rng.Intn(20))
		var ts []transfer
		for b := from; b <= to; b++ {
			for range rng.Intn(4) {
				ts = append(ts, transfer{block: b, from: addrs[rng.Intn(len(addrs))], to: addrs[rng.Intn(len(addrs))], value: big.NewInt(int64(1 + rng.Intn(5)))})
			}
		}
		maxChanges := uint32(1 + rng.Intn(8))
		r, err := buildRange(ts, from, to, maxChanges)
		if err != nil {
			if first := naiveNet(ts, from); uint32(len(first)) <= maxChanges {
				t.Fatalf("seed %d: %v, yet block %d alone changes %d", seed, err, from, len(first))
			}
			continue
		}
		want := naiveNet(ts, r.To)
		if len(r.Changes) != len(want) || uint32(len(r.Changes)) > maxChanges {
			t.Fatalf("seed %d: %d changes, the model %d (max %d)", seed, len(r.Changes), len(want), maxChanges)
		}
		for i, c := range r.Changes {
			d := new(big.Int).SetBytes(c.Amount)
			if c.Negative {
				d.Neg(d)
			}
			if want[c.Address] == nil || want[c.Address].Cmp(d) != 0 || (i > 0 && c.Address <= r.Changes[i-1].Address) {
				t.Fatalf("seed %d: change %d %s %s, the model %v", seed, i, c.Address, d, want[c.Address])
			}
		}
		if r.To < to && uint32(len(naiveNet(ts, r.To+1))) <= maxChanges {
			t.Fatalf("seed %d: the range ends at %d, yet block %d fits (max %d)", seed, r.To, r.To+1, maxChanges)
		}
	}
}
