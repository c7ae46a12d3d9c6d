package index_test

import (
	"testing"

	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/loadgen"
)

// BenchmarkIndexBlock measures indexing committed blocks of 1,000 signed
// POSTs (the load generator's) into an index on disk, as a loaded node does
// after every block: with the app's parse of each transaction handed over
// (handoff), and decoding them itself, as a rebuild from the block store
// does (decode).
func BenchmarkIndexBlock(b *testing.B) {
	for _, handOff := range []bool{true, false} {
		name := map[bool]string{true: "handoff", false: "decode"}[handOff]
		b.Run(name, func(b *testing.B) { benchmarkIndexBlock(b, handOff) })
	}
}

func benchmarkIndexBlock(b *testing.B, handOff bool) {
	const perBlock = 1000
	txs := loadgen.Presign(b.N*perBlock, 64, "bench-index")
	chain := apptest.New(b, nil)
	x, err := index.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := x.Close(); err != nil {
			b.Error(err)
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		blk := index.Block{Height: int64(i + 1), TimeUnixNano: int64(i+1) * 1e9}
		b.StopTimer() // the app parsed these for the block
		for _, tx := range txs[i*perBlock : (i+1)*perBlock] {
			tr := index.TxResult{Tx: tx}
			if handOff {
				tr.Parsed = chain.App.Parse(tx)
			}
			blk.Txs = append(blk.Txs, tr)
		}
		b.StartTimer()
		if err := x.IndexBlock(blk); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*perBlock)/b.Elapsed().Seconds(), "msgs/s")
}
