package node

import (
	"math/big"

	"github.com/alephd/alephd/state"
)

// BalanceKeeper is what the registry reads of balances: stakes and node
// ownership follow them. x/balance's Keeper is one.
type BalanceKeeper interface {
	Get(kv state.KV, addr string) (*big.Int, error)
}
