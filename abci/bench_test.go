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
// mempool view. Run with -cpu 1 for the per-core figure.
func BenchmarkCheckTx(b *testing.B) {
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
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkFinalizeBlock measures block execution and commit of 1,000 POSTs
// whose signatures CheckTx already verified (the verdict cache).
func BenchmarkFinalizeBlock(b *testing.B) {
	const perBlock = 1000
	txs := loadgen.Presign(b.N*perBlock, 64, "bench-finalize")
	s := newApp(b)
	ctx := context.Background()
	for _, tx := range txs {
		s.CheckTx(ctx, &abcitypes.RequestCheckTx{Tx: tx})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		block := txs[i*perBlock : (i+1)*perBlock]
		res, err := s.FinalizeBlock(ctx, &abcitypes.RequestFinalizeBlock{Height: int64(i + 1), Txs: block, Time: time.Now().Add(time.Duration(i) * time.Second)})
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
	b.ReportMetric(float64(b.N*perBlock)/b.Elapsed().Seconds(), "msgs/s")
}
