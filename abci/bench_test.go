package abci_test

import (
	"context"
	"testing"
	"time"

	abcitypes "github.com/cometbft/cometbft/abci/types"

	"github.com/alephd/alephd/abci"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/loadgen"
	"github.com/alephd/alephd/state"
)

func newApp(b *testing.B) *abci.Application {
	store, err := state.OpenMemory()
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(store, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
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
			s.CheckTx(ctx, &abcitypes.RequestCheckTx{Tx: tx})
		}
		b.StartTimer()
		commit(b, s, int64(i+1), block)
	}
	b.ReportMetric(float64(b.N*perBlock)/b.Elapsed().Seconds(), "msgs/s")
}
