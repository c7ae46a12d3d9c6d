package balance

import (
	"errors"
	"math/big"

	"github.com/alephd/alephd/state"
)

// Holding is one address's balance components, by source in key order.
type Holding struct {
	Address string
	Sources []Source
}

// Source is what one source credits an address.
type Source struct {
	Name   string
	Amount *big.Int
}

// Each calls fn with every address holding a balance, from the first
// address at or after from in key order, until fn returns false. Key order
// is stable across versions, so a listing can resume at an address. It is
// for queries: it reads every component it passes.
func (Keeper) Each(kv state.KV, from string, fn func(Holding) bool) error {
	prefix := []byte{ModulePrefix, prefixComponent}
	start := prefix
	if from != "" {
		start = state.NewKey(ModulePrefix, prefixComponent).String(Canonical(from)).Bytes()
	}
	var cur Holding
	var bad error
	stopped := false
	err := kv.Iterate(start, state.PrefixEnd(prefix), false, func(key, value []byte) bool {
		r := state.ReadKey(key, len(prefix))
		addr, source := r.String(), r.String()
		if bad = r.Err(); bad != nil {
			return false
		}
		if addr != cur.Address && cur.Address != "" {
			if !fn(cur) {
				stopped = true
				return false
			}
			cur = Holding{}
		}
		cur.Address = addr
		cur.Sources = append(cur.Sources, Source{Name: source, Amount: new(big.Int).SetBytes(value)})
		return true
	})
	if err != nil || bad != nil {
		return errors.Join(err, bad)
	}
	if !stopped && cur.Address != "" {
		fn(cur)
	}
	return nil
}
