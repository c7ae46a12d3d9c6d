package balance

import (
	"fmt"
	"math/big"

	"github.com/alephd/alephd/state"
)

// ModulePrefix is the first byte of every key this module owns.
const ModulePrefix byte = 0x02

// Second key byte: what the key holds.
const (
	prefixParams    byte = 0x00 // -> Params JSON
	prefixBalance   byte = 0x01 // address -> total, big-endian
	prefixComponent byte = 0x02 // address, source -> amount, big-endian
	prefixReported  byte = 0x03 // chain -> last main_height applied, 8 bytes
)

// SourceGenesis names the component genesis credited.
const SourceGenesis = "genesis"

func balanceKey(addr string) []byte {
	return state.NewKey(ModulePrefix, prefixBalance).String(Canonical(addr)).Bytes()
}

func componentKey(addr, source string) []byte {
	return state.NewKey(ModulePrefix, prefixComponent).String(Canonical(addr)).String(source).Bytes()
}

func reportedKey(chain string) []byte {
	return state.NewKey(ModulePrefix, prefixReported).String(chain).Bytes()
}

// Keeper reads and writes balances.
type Keeper struct{}

// Get returns the balance of addr in base units (10^-18 ALEPH).
func (Keeper) Get(kv state.KV, addr string) (*big.Int, error) {
	b, err := kv.Get(balanceKey(addr))
	if err != nil {
		return nil, fmt.Errorf("read balance of %s: %w", addr, err)
	}
	return new(big.Int).SetBytes(b), nil
}

// Component returns what one source credits addr.
func (Keeper) Component(kv state.KV, addr, source string) (*big.Int, error) {
	b, err := kv.Get(componentKey(addr, source))
	if err != nil {
		return nil, fmt.Errorf("read %s balance of %s: %w", source, addr, err)
	}
	return new(big.Int).SetBytes(b), nil
}

// SetComponent sets what source credits addr and updates the total. It
// reports whether the total changed.
func (k Keeper) SetComponent(kv state.KV, addr, source string, amount *big.Int) (bool, error) {
	if amount.Sign() < 0 {
		return false, fmt.Errorf("negative %s balance %s for %s", source, amount, addr)
	}
	old, err := k.Component(kv, addr, source)
	if err != nil {
		return false, err
	}
	if old.Cmp(amount) == 0 {
		return false, nil
	}
	total, err := k.Get(kv, addr)
	if err != nil {
		return false, err
	}
	total.Add(total.Sub(total, old), amount)
	if err := putAmount(kv, componentKey(addr, source), amount); err != nil {
		return false, err
	}
	return true, putAmount(kv, balanceKey(addr), total)
}

// putAmount stores an amount; zero deletes the key (IAVL refuses empty values).
func putAmount(kv state.KV, key []byte, amount *big.Int) error {
	if amount.Sign() == 0 {
		return kv.Delete(key)
	}
	return kv.Set(key, amount.Bytes())
}

var paramsKey = []byte{ModulePrefix, prefixParams}

// Params reads the module params.
func (Keeper) Params(kv state.KV) (Params, error) {
	var p Params
	return p, state.GetParams(kv, paramsKey, "balance", &p)
}

// Invariants checks that every total is the sum of its components.
func (k Keeper) Invariants(kv state.KV) error {
	g, err := k.Export(kv)
	if err != nil {
		return err
	}
	sums := map[string]*big.Int{}
	var order []string
	for _, e := range g.Balances {
		amount, err := ParseAmount(e.Amount)
		if err != nil || amount.Sign() == 0 {
			return fmt.Errorf("invariant: %s component of %s is %q", e.source(), e.Address, e.Amount)
		}
		if sums[e.Address] == nil {
			sums[e.Address] = new(big.Int)
			order = append(order, e.Address)
		}
		sums[e.Address].Add(sums[e.Address], amount)
	}
	n := 0
	prefix := []byte{ModulePrefix, prefixBalance}
	if err := state.IteratePrefix(kv, prefix, false, func(_, _ []byte) bool { n++; return true }); err != nil {
		return err
	}
	if n != len(order) {
		return fmt.Errorf("invariant: %d balances for %d addresses with components", n, len(order))
	}
	for _, addr := range order {
		total, err := k.Get(kv, addr)
		if err != nil {
			return err
		}
		if total.Cmp(sums[addr]) != 0 {
			return fmt.Errorf("invariant: balance of %s is %s, its components add up to %s", addr, total, sums[addr])
		}
	}
	return nil
}

// Components lists what each source credits addr, by source.
func (Keeper) Components(kv state.KV, addr string) ([]Entry, error) {
	prefix := state.NewKey(ModulePrefix, prefixComponent).String(Canonical(addr)).Bytes()
	var out []Entry
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, value []byte) bool {
		r := state.ReadKey(key, len(prefix))
		source := r.String()
		if bad = r.Err(); bad != nil {
			return false
		}
		out = append(out, Entry{Address: Canonical(addr), Amount: new(big.Int).SetBytes(value).String(), Source: source})
		return true
	})
	if err == nil {
		err = bad
	}
	return out, err
}
