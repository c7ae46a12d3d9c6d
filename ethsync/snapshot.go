package ethsync

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/contracts/token"
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

// CheckSupply returns an error unless the balances held sum to the
// token's totalSupply() at block. Snapshot refuses a history that misses
// the token's start only when some holder goes below zero; a history that
// starts after the deployment without any holder spending since reads as
// an empty (wrong) genesis. The supply tells, for any ERC-20 whose supply
// is its holders' sum. The call reads state at block: a full node keeps
// only its recent blocks' (the last 128 for geth), an archive node all.
func CheckSupply(ctx context.Context, caller bind.ContractCaller, tok common.Address, block uint64, held map[common.Address]*big.Int) error {
	c, err := token.NewAlephTokenCaller(tok, caller)
	if err != nil {
		return err
	}
	supply, err := c.TotalSupply(&bind.CallOpts{Context: ctx, BlockNumber: new(big.Int).SetUint64(block)})
	if err != nil {
		return fmt.Errorf("totalSupply() of %s at block %d: %w (a full node answers only for its recent blocks: choose a recent final start block, or an archive endpoint)", tok.Hex(), block, err)
	}
	sum := new(big.Int)
	for _, v := range held {
		sum.Add(sum, v)
	}
	if sum.Cmp(supply) != 0 {
		return fmt.Errorf("the Transfer logs read give %d holders %s in all at block %d, but the token's totalSupply() there is %s: the logs are not the token's whole history (read them from its deployment block or earlier)", len(held), sum, block, supply)
	}
	return nil
}

// FinalBlock is the endpoint's last block final by p's rule (the
// finalized tag, or the head less p.Confirmations).
func FinalBlock(ctx context.Context, chain Chain, p balance.EthParams) (uint64, error) {
	return New(chain, Config{Params: p}).finalHead(ctx)
}
