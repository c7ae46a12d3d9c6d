package gethtest

import (
	"testing"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
)

// Client is what both chains offer: *ethclient.Client on geth, the
// simulated backend's client in-process. Code under test that takes this
// interface (or the ethereum.* interfaces it is made of) runs on either.
type Client = simulated.Client

// Backend is a chain the token helpers work on: *Chain (geth --dev) or *Sim.
type Backend interface {
	Eth() Client
	// settle waits until tx is in a block (the simulated backend seals one)
	// and returns its receipt.
	settle(tb testing.TB, tx *types.Transaction) *types.Receipt
}
