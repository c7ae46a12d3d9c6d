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
// in a few finalized blocks, read as one range (eth_getLogs over the
// range, decoded, netted per address, sorted and hashed). Each iteration
// is a new reader reading the whole range.
func BenchmarkReader10k(b *testing.B) {
	if testing.Short() {
		b.Skip("runs geth")
	}
	const n = 10_000
	chain, load := gethtest.StartWithLoad(b, n)
	tok := load.Token
	p := balance.EthParams{ChainID: gethtest.DevChainID, Token: tok.Address.Hex(), StartBlock: tok.Block,
		Finality: balance.FinalityTag, MaxBlockRange: load.To - tok.Block, MaxChanges: 20_000}
	b.ResetTimer()
	for range b.N {
		r := ethsync.New(chain.Client, ethsync.Config{Params: p})
		r.Want(tok.Block + 1)
		if err := r.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		g := r.Range(tok.Block + 1)
		if g == nil || g.To != load.To || g.Transfers != n || len(g.Changes) != n+1 {
			b.Fatalf("range read: %+v", g)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "transfers/s")
}
