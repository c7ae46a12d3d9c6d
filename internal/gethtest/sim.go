package gethtest

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
)

// Sim is go-ethereum's simulated backend: a real chain in-process, sealed
// block by block when the test calls Commit (the helpers commit for each
// transaction they send). Chain id 1337; DevAddress holds 10^9 ETH. Its
// `finalized` tag also moves 32 blocks at a time.
type Sim struct {
	Backend *simulated.Backend
	Client  simulated.Client
}

// NewSim starts a simulated backend, closed when the test ends. Options are
// simulated's (simulated.WithBlockGasLimit, ...).
func NewSim(tb testing.TB, opts ...func(*node.Config, *ethconfig.Config)) *Sim {
	tb.Helper()
	funds := new(big.Int).Exp(big.NewInt(10), big.NewInt(27), nil) // 10^9 ETH
	b := simulated.NewBackend(types.GenesisAlloc{DevAddress(): {Balance: funds}}, opts...)
	tb.Cleanup(func() {
		if err := b.Close(); err != nil {
			tb.Logf("close simulated backend: %v", err)
		}
	})
	return &Sim{Backend: b, Client: b.Client()}
}

// Eth is the backend's client.
func (s *Sim) Eth() Client { return s.Client }

// Mine seals n blocks.
func (s *Sim) Mine(n int) {
	for i := 0; i < n; i++ {
		s.Backend.Commit()
	}
}

// Head is the number of the newest block.
func (s *Sim) Head(tb testing.TB) uint64 {
	tb.Helper()
	n, err := s.Client.BlockNumber(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// Finalized is the number of the block the `finalized` tag names.
func (s *Sim) Finalized(tb testing.TB) uint64 { return finalized(tb, s.Client) }

// WaitFinalized seals blocks until block n is finalized.
func (s *Sim) WaitFinalized(tb testing.TB, n uint64) {
	tb.Helper()
	for s.Finalized(tb) < n {
		s.Backend.Commit()
	}
}

func (s *Sim) settle(tb testing.TB, tx *types.Transaction) *types.Receipt {
	tb.Helper()
	s.Backend.Commit()
	r, err := s.Client.TransactionReceipt(context.Background(), tx.Hash())
	if err != nil {
		tb.Fatalf("receipt of %s: %v", tx.Hash(), err)
	}
	return r
}
