package abci_test

import (
	"context"
	"testing"
	"time"

	abcitypes "github.com/cometbft/cometbft/abci/types"

	"github.com/alephd/alephd/abci"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/loadgen"
)

func newApp(b *testing.B) *abci.Application {
	a, _ := apptest.Open(b)
	s := abci.New(a, abci.Snapshots{})
	if _, err := s.InitChain(context.Background(), &abcitypes.RequestInitChain{InitialHeight: 1, Time: time.Now(), AppStateBytes: app.DevGenesis()}); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkCheckTx measures admission of new signed POSTs: decode,
// structure, payment, EIP-191 signature recovery and the type handler on the
// mempool view. As on a node, every 1,000 admissions a block commits them
// (off the clock), which resets the mempool view. Run with -cpu 1 for the
// per-core figure.
func BenchmarkCheckTx(b *testing.B) {
	const perBlock = 1000
	txs := loadgen.Presign(b.N, 64, "bench-checktx")
	s := newApp(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := s.CheckTx(ctx, &abcitypes.RequestCheckTx{Tx: txs[i], Type: abcitypes.CheckTxType_New})
		if err != nil || res.Code != 0 {
			b.Fatalf("CheckTx: %v %s", err, res.Log)
		}
		if (i+1)%perBlock == 0 || i+1 == b.N {
			b.StopTimer()
			commit(b, s, int64(i/perBlock+1), txs[i/perBlock*perBlock:i+1])
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// benchStart is the first block's time: the messages' own, which
// loadgen.Presign takes from the clock.
var benchStart = time.Now()

// commit applies and commits one block of transactions.
func commit(b *testing.B, s *abci.Application, height int64, txs [][]byte) {
	ctx := context.Background()
	res, err := s.FinalizeBlock(ctx, &abcitypes.RequestFinalizeBlock{Height: height, Txs: txs, Time: benchStart.Add(time.Duration(height) * time.Second)})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range res.TxResults {
		if r.Code != 0 {
			b.Fatalf("tx rejected: %s", r.Log)
		}
	}
	if _, err := s.Commit(ctx, &abcitypes.RequestCommit{}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFinalizeBlock measures block execution and commit of 1,000 POSTs
// whose signatures CheckTx already verified (the verdict cache).
func BenchmarkFinalizeBlock(b *testing.B) {
	const perBlock = 1000
	txs := loadgen.Presign(b.N*perBlock, 64, "bench-finalize")
	s := newApp(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		block := txs[i*perBlock : (i+1)*perBlock]
		b.StopTimer() // admitted just before its block, as from a node's mempool
		for _, tx := range block {
			if _, err := s.CheckTx(ctx, &abcitypes.RequestCheckTx{Tx: tx}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		commit(b, s, int64(i+1), block)
	}
	b.ReportMetric(float64(b.N*perBlock)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRecheck measures the admission pipeline without signature
// recovery: what a node runs again for every transaction left in its
// mempool after each block (the verdict is cached), and the part of CheckTx
// and of block execution that is not ecrecover. Each round admits 1,000
// transactions, commits a block without them (a fresh mempool view), and
// rechecks them on the clock; a block then commits them, so state grows as
// on a node.
func BenchmarkRecheck(b *testing.B) {
	const perRound = 1000
	rounds := b.N/perRound + 1
	txs := loadgen.Presign(rounds*perRound, 64, "bench-recheck")
	s := newApp(b)
	ctx := context.Background()
	height := int64(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%perRound == 0 {
			b.StopTimer()
			if i > 0 {
				height++
				commit(b, s, height, txs[i-perRound:i])
			}
			for _, tx := range txs[i : i+perRound] {
				if res, _ := s.CheckTx(ctx, &abcitypes.RequestCheckTx{Tx: tx, Type: abcitypes.CheckTxType_New}); res.Code != 0 {
					b.Fatalf("CheckTx: %s", res.Log)
				}
			}
			height++
			commit(b, s, height, nil)
			b.StartTimer()
		}
		res, err := s.CheckTx(ctx, &abcitypes.RequestCheckTx{Tx: txs[i], Type: abcitypes.CheckTxType_Recheck})
		if err != nil || res.Code != 0 {
			b.Fatalf("recheck: %v %s", err, res.Log)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
