package node_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/gethtest"
	"github.com/alephd/alephd/node"
)

// BenchmarkBlockTimeEthLoad: block times of a real single-validator node
// (100 ms timeout_commit) reading a real geth --dev, around the block that
// carries a range of 10,000 Transfer logs to 10,000 new holders, against a
// node whose ranges are empty. It reports the mean block interval of the
// 10 blocks around it and the longest. Run it with -benchtime 1x: each run
// starts geth and a node.
func BenchmarkBlockTimeEthLoad(b *testing.B) {
	if testing.Short() {
		b.Skip("runs geth and a node")
	}
	for _, c := range []struct {
		name string
		load bool
	}{{"none", false}, {"10k-transfers", true}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				mean, longest := blockTimes(b, c.load)
				b.ReportMetric(mean.Seconds()*1000, "ms/block")
				b.ReportMetric(longest.Seconds()*1000, "max-ms/block")
			}
		})
	}
}

// blockTimes starts a node reading a token with 10,000 transfers after its
// start block (or none, when load is false: the start block is after
// them), waits for the range holding them to be applied, and returns the
// mean and longest block interval of the 5 blocks before and after it.
func blockTimes(b *testing.B, load bool) (time.Duration, time.Duration) {
	const n = 10_000
	chain, l := gethtest.StartWithLoad(b, n)
	supply := gethtest.Ether(1_000_000_000)
	appState := ethAppState(b, l.Token, supply)
	if !load { // start after the load: every range the node reads is empty
		appState = ethAppStateAt(b, l.Token, supply, l.To)
	}
	home := filepath.Join(b.TempDir(), "node")
	initHome(b, home, node.InitOptions{ChainID: "eth-bench", AppState: appState})
	nd, err := node.Start(home, node.Options{Quiet: true, EthRPC: chain.URL})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = nd.Stop() })
	c, err := client.New(nd.RPCAddress())
	if err != nil {
		b.Fatal(err)
	}
	chain.WaitFinalized(b, l.To+64) // every range holding the load is final
	waitFor(b, "the range holding the load", func() bool { return ethView(b, c).AttestedHeight >= l.To })
	info, err := c.RPC().ABCIInfo(ctx(b))
	if err != nil {
		b.Fatal(err)
	}
	h := info.Response.LastBlockHeight
	if load && balanceOf(b, c, l.Holders[0].Hex()) != "1" {
		b.Fatal("the load's holders hold nothing")
	}
	waitFor(b, "5 more blocks", func() bool {
		i, err := c.RPC().ABCIInfo(ctx(b))
		return err == nil && i.Response.LastBlockHeight >= h+6
	})
	var times []time.Time
	for height := max(h-5, 2); height <= h+6; height++ {
		blk, err := c.RPC().Block(context.Background(), &height)
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, blk.Block.Time)
	}
	var gaps []time.Duration
	for i := 1; i < len(times); i++ {
		gaps = append(gaps, times[i].Sub(times[i-1]))
	}
	return (times[len(times)-1].Sub(times[0])) / time.Duration(len(gaps)), slices.Max(gaps)
}
