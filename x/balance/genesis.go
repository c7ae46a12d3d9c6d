package balance

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/state"
)

// Entry is one genesis balance; Amount is a decimal integer in 10^-18 ALEPH.
type Entry struct {
	Address string `json:"address"`
	Amount  string `json:"amount"`
}

// Genesis is this module's part of the genesis document.
type Genesis struct {
	Balances []Entry `json:"balances"`
}

// ParseAmount parses a decimal integer amount.
func ParseAmount(s string) (*big.Int, error) {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() < 0 {
		return nil, fmt.Errorf("amount %q is not a non-negative integer (units of 10^-18 ALEPH)", s)
	}
	return n, nil
}

// Validate checks addresses, amounts and duplicates.
func (g Genesis) Validate() error {
	seen := map[string]bool{}
	for _, e := range g.Balances {
		if !common.IsHexAddress(e.Address) {
			return fmt.Errorf("genesis balance: %q is not an Ethereum address", e.Address)
		}
		if _, err := ParseAmount(e.Amount); err != nil {
			return fmt.Errorf("genesis balance of %s: %w", e.Address, err)
		}
		if seen[strings.ToLower(e.Address)] {
			return fmt.Errorf("genesis balance: %s listed twice", e.Address)
		}
		seen[strings.ToLower(e.Address)] = true
	}
	return nil
}

// Init writes the genesis balances.
func (k Keeper) Init(kv state.KV, g Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	for _, e := range g.Balances {
		amount, _ := ParseAmount(e.Amount)
		if err := k.Set(kv, e.Address, amount); err != nil {
			return err
		}
	}
	return nil
}

// Export reads every balance, ordered by address.
func (k Keeper) Export(kv state.KV) (Genesis, error) {
	prefix := state.NewKey(ModulePrefix, prefixBalance).Bytes()
	var g Genesis
	err := state.IteratePrefix(kv, prefix, false, func(key, value []byte) bool {
		addr := string(key[len(prefix)+1:]) // addresses are < 128 bytes: a 1-byte length prefix
		g.Balances = append(g.Balances, Entry{Address: addr, Amount: new(big.Int).SetBytes(value).String()})
		return true
	})
	sort.Slice(g.Balances, func(i, j int) bool { return g.Balances[i].Address < g.Balances[j].Address })
	return g, err
}
