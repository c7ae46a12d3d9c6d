package proof_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/alephd/alephd/x/resource/proof"
)

// BenchmarkVerifyIPFS is one IPFS proof's check, as a validator runs it:
// 2 blocks (root and a 256 KiB leaf) for a 5 MiB file, 3 for a 45 MiB one,
// CIDv0 and CIDv1. Reports µs per proof and the proof's bytes.
func BenchmarkVerifyIPFS(b *testing.B) {
	lim := proof.DefaultLimits()
	for _, n := range []int{5 << 20, 175 * leafSize} {
		for _, v1 := range []bool{false, true} {
			f := importEmbedded(b, data(5, n), v1)
			size := uint64(n)
			off := size - 1
			blocks, err := proof.ProveIPFS(context.Background(), f.get, f.root, size, off, lim)
			if err != nil {
				b.Fatal(err)
			}
			total := 0
			for _, bl := range blocks {
				total += len(bl)
			}
			b.Run(fmt.Sprintf("%dMiB/v1=%v/depth=%d", n>>20, v1, len(blocks)), func(b *testing.B) {
				b.SetBytes(int64(total))
				for b.Loop() {
					if _, err := proof.VerifyIPFS(f.root, size, off, blocks, lim); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/proof")
				b.ReportMetric(float64(total), "proof-bytes")
			})
		}
	}
}

// BenchmarkVerifyChunk is one sha256 file's chunk proof over a 64 MiB
// file: 256 KiB chunks (the chunk and 8 path hashes) and 4 KiB chunks
// (the chunk and 14 hashes), the size that keeps proofs small.
func BenchmarkVerifyChunk(b *testing.B) {
	lim := proof.DefaultLimits()
	d := data(6, 64<<20)
	for _, cs := range []int{leafSize, 4096} {
		root, size, err := proof.ChunkRoot(bytes.NewReader(d), cs)
		if err != nil {
			b.Fatal(err)
		}
		const i = 77
		chunk, path, err := proof.ProveChunk(bytes.NewReader(d), cs, i)
		if err != nil {
			b.Fatal(err)
		}
		total := len(chunk) + 32*len(path)
		b.Run(fmt.Sprintf("chunk=%d", cs), func(b *testing.B) {
			b.SetBytes(int64(total))
			for b.Loop() {
				if err := proof.VerifyChunk(root, size, uint64(cs), i, chunk, path, lim); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/proof")
			b.ReportMetric(float64(total), "proof-bytes")
		})
	}
}
