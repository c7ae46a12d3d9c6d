package ethsync_test

import (
	"context"
	"testing"

	"github.com/alephd/alephd/ethsync"
	"github.com/alephd/alephd/internal/gethtest"
	"github.com/alephd/alephd/x/balance"
)

// BenchmarkReader10k: how many Transfer logs per second the reader
// absorbs from a real geth --dev: 10,000 transfers to 10,000 new holders
// in a few finalized blocks, read in the ranges max_changes at its bound
// cuts them into (eth_getLogs over each range, decoded, netted per
// address, sorted and hashed). Each iteration is a new reader reading
// them all.
func BenchmarkReader10k(b *testing.B) {
	if testing.Short() {
		b.Skip("runs geth")
	}
	const n = 10_000
	chain, load := gethtest.StartWithLoad(b, n)
	tok := load.Token
	p := balance.EthParams{ChainID: gethtest.DevChainID, Token: tok.Address.Hex(), StartBlock: tok.Block,
		Finality: balance.FinalityTag, MaxBlockRange: load.To - tok.Block, MaxChanges: balance.MaxEthChanges}
	b.ResetTimer()
	for range b.N {
		r := ethsync.New(chain.Client, ethsync.Config{Params: p})
		r.Want(tok.Block + 1)
		if err := r.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		transfers, last := 0, tok.Block
		for g := r.Range(last + 1); g != nil; g = r.Range(last + 1) {
			transfers, last = transfers+g.Transfers, g.To
		}
		if last != load.To || transfers != n {
			b.Fatalf("read %d transfers up to block %d; the load is %d up to %d", transfers, last, n, load.To)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "transfers/s")
}
