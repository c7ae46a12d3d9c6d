package index_test

import (
	"testing"

	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/loadgen"
)

// BenchmarkIndexBlock measures indexing committed blocks of 1,000 signed
// POSTs (the load generator's) into an index on disk, as a loaded node does
// after every block.
func BenchmarkIndexBlock(b *testing.B) {
	const perBlock = 1000
	txs := loadgen.Presign(b.N*perBlock, 64, "bench-index")
	x, err := index.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		blk := index.Block{Height: int64(i + 1), TimeUnixNano: int64(i+1) * 1e9}
		for _, tx := range txs[i*perBlock : (i+1)*perBlock] {
			blk.Txs = append(blk.Txs, index.TxResult{Tx: tx})
		}
		if err := x.IndexBlock(blk); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*perBlock)/b.Elapsed().Seconds(), "msgs/s")
}
