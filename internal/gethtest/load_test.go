package gethtest

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

func TestMakeTransfersSim(t *testing.T) {
	sim := NewSim(t)
	tok := DeployToken(t, sim, Ether(1_000_000))
	holders := Holders("sim", 700)
	load := MakeTransfers(t, sim, tok, 1500, holders, big.NewInt(3))
	logs := transfers(t, sim.Client, tok, load.From, load.To)
	if len(logs) != 1500 || load.Txs < 3 {
		t.Fatalf("%d Transfer logs in %d txs, want 1500 in 3 or more", len(logs), load.Txs)
	}
	// Holders are paid in turn: the first 100 got 3 three times, the rest twice.
	if got := BalanceOf(t, tok, holders[0]); got.Int64() != 9 {
		t.Fatalf("holder 0 has %s, want 9", got)
	}
	if got := BalanceOf(t, tok, holders[699]); got.Int64() != 6 {
		t.Fatalf("holder 699 has %s, want 6", got)
	}
}

func TestStartWithLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth")
	}
	chain, load := StartWithLoad(t, 1000)
	if f := chain.Finalized(t); f < load.To {
		t.Fatalf("finalized %d, below the load's last block %d", f, load.To)
	}
	logs := transfers(t, chain.Client, load.Token, load.Token.Block, load.To)
	if len(logs) != 1001 { // the mint and the load
		t.Fatalf("%d Transfer logs, want 1001", len(logs))
	}
	if got := BalanceOf(t, load.Token, load.Holders[999]); got.Int64() != 1 {
		t.Fatalf("last holder has %s, want 1", got)
	}
}

// BenchmarkTransferLoad makes b.N times 10,000 Transfer logs on geth --dev
// and reads them back with one eth_getLogs, reporting both rates: the
// baseline a reader's throughput can be compared with on the same machine.
//
//	go test -run '^$' -bench TransferLoad -benchtime 1x ./internal/gethtest/
func BenchmarkTransferLoad(b *testing.B) {
	chain := Start(b, WithOnDemand(), WithGasLimit(200_000_000))
	tok := DeployToken(b, chain, Ether(1_000_000_000))
	const n = 10_000
	var made, read float64
	for i := 0; b.Loop(); i++ {
		holders := Holders("bench"+string(rune('a'+i%26)), n)
		start := time.Now()
		load := MakeTransfers(b, chain, tok, n, holders, big.NewInt(1))
		made += float64(n) / time.Since(start).Seconds()
		start = time.Now()
		logs, err := chain.Client.FilterLogs(context.Background(), ethereum.FilterQuery{
			FromBlock: new(big.Int).SetUint64(load.From), ToBlock: new(big.Int).SetUint64(load.To),
			Addresses: []common.Address{tok.Address}, Topics: [][]common.Hash{{TransferTopic}},
		})
		if err != nil || len(logs) != n {
			b.Fatalf("eth_getLogs: %d logs, %v; want %d", len(logs), err, n)
		}
		read += float64(n) / time.Since(start).Seconds()
		b.Logf("10,000 transfers in %d txs, blocks %d..%d", load.Txs, load.From, load.To)
	}
	b.ReportMetric(made/float64(b.N), "transfers-made/s")
	b.ReportMetric(read/float64(b.N), "logs-read/s")
}
