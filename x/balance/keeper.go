package balance

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/alephd/alephd/state"
)

// ModulePrefix is the first byte of every key this module owns.
const ModulePrefix byte = 0x02

const prefixBalance byte = 0x01

func balanceKey(addr string) []byte {
	return state.NewKey(ModulePrefix, prefixBalance).String(strings.ToLower(addr)).Bytes()
}

// Keeper reads and writes balances.
type Keeper struct{}

// Get returns the balance of addr in the smallest unit (10^-18 ALEPH).
func (Keeper) Get(kv state.KV, addr string) (*big.Int, error) {
	b, err := kv.Get(balanceKey(addr))
	if err != nil {
		return nil, fmt.Errorf("read balance of %s: %w", addr, err)
	}
	return new(big.Int).SetBytes(b), nil
}

// Set stores a balance; a zero balance deletes the key.
func (Keeper) Set(kv state.KV, addr string, amount *big.Int) error {
	if amount.Sign() < 0 {
		panic(fmt.Sprintf("balance: negative balance %s for %s", amount, addr))
	}
	if amount.Sign() == 0 {
		return kv.Delete(balanceKey(addr))
	}
	return kv.Set(balanceKey(addr), amount.Bytes())
}
