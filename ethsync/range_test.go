package ethsync

import (
	"math/big"
	"math/rand"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
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
// and ends at the last block before the one that would pass it; a first
// block alone past it is a range of its own in pages of max_changes,
// which together are its net change.
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
			t.Fatalf("seed %d: %v", seed, err)
		}
		want := naiveNet(ts, r.To)
		paged := uint32(len(naiveNet(ts, from))) > maxChanges
		if len(r.Changes) != len(want) || !paged && uint32(len(r.Changes)) > maxChanges {
			t.Fatalf("seed %d: %d changes, the model %d (max %d)", seed, len(r.Changes), len(want), maxChanges)
		}
		if paged {
			if r.To != from || r.Pages != uint32((len(want)+int(maxChanges)-1)/int(maxChanges)) {
				t.Fatalf("seed %d: block %d alone changes %d (max %d): range %d-%d in %d pages", seed, from, len(want), maxChanges, r.From, r.To, r.Pages)
			}
			var all []*pb.EthChange
			for i := range r.Pages {
				v, page := r.Page(i)
				if len(page) == 0 || uint32(len(page)) > maxChanges || i+1 < r.Pages && uint32(len(page)) != maxChanges ||
					string(v.Digest) != string(balance.EthPageDigest(from, i, r.Pages, page)) {
					t.Fatalf("seed %d: page %d of %d: %d changes (max %d)", seed, i, r.Pages, len(page), maxChanges)
				}
				all = append(all, page...)
			}
			if len(all) != len(r.Changes) {
				t.Fatalf("seed %d: the pages hold %d changes of %d", seed, len(all), len(r.Changes))
			}
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
		if !paged && r.To < to && uint32(len(naiveNet(ts, r.To+1))) <= maxChanges {
			t.Fatalf("seed %d: the range ends at %d, yet block %d fits (max %d)", seed, r.To, r.To+1, maxChanges)
		}
	}
}
