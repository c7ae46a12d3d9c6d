package ethsync

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/x/balance"
)

// Snapshot is every holder's balance of token at block to, summed from its
// Transfer logs of blocks from..to (from: the token's deployment, or
// earlier), read step blocks at a time (each query halved again if the
// endpoint refuses it). It is what a new chain's genesis lists under the
// ETH source for start_block = to. Holders at zero are left out; a holder
// below zero means the logs are not the token's whole history (from is
// after its deployment), and is an error.
func Snapshot(ctx context.Context, chain Chain, token common.Address, from, to, step uint64) (map[common.Address]*big.Int, error) {
	if step == 0 || to < from {
		return nil, fmt.Errorf("snapshot of blocks %d-%d in steps of %d", from, to, step)
	}
	r := New(chain, Config{Params: balance.EthParams{Token: token.Hex()}})
	held := map[common.Address]*big.Int{}
	for lo := from; lo <= to; lo += step {
		hi := min(lo+step-1, to)
		logs, err := r.logs(ctx, lo, hi, 0)
		if err != nil {
			return nil, err
		}
		ts, err := decodeTransfers(logs, token, lo, hi)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			for _, m := range []struct {
				a common.Address
				v *big.Int
			}{{t.from, new(big.Int).Neg(t.value)}, {t.to, t.value}} {
				if m.a == (common.Address{}) {
					continue
				}
				if held[m.a] == nil {
					held[m.a] = new(big.Int)
				}
				held[m.a].Add(held[m.a], m.v)
			}
		}
		if hi == to {
			break // lo + step could wrap at the top of the range
		}
	}
	for a, v := range held {
		switch v.Sign() {
		case 0:
			delete(held, a)
		case -1:
			return nil, fmt.Errorf("%s would hold %s at block %d: the logs from block %d are not the token's whole history", a.Hex(), v, to, from)
		}
	}
	return held, nil
}
