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
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "µs/proof")
				b.ReportMetric(float64(total), "proof-bytes")
			})
		}
	}
}

// BenchmarkVerifyChunk is one sha256 file's chunk proof, as a validator
// checks it: over a 64 MiB file, 256 KiB chunks (the chunk and 8 path
// hashes) and 4 KiB chunks (the chunk and 14 hashes), the size that keeps
// proofs small; and at root_chunk_size (4 KiB) over 1 MiB and 100 MiB
// files (the largest sha256 file: 15 hashes). Reports µs per proof and
// the proof's bytes (chunk and path).
func BenchmarkVerifyChunk(b *testing.B) {
	lim := proof.DefaultLimits()
	for _, c := range []struct{ size, chunk int }{{64 << 20, leafSize}, {64 << 20, 4096}, {1 << 20, 4096}, {100 << 20, 4096}} {
		d := data(6, c.size)
		tree, err := proof.NewChunkTree(bytes.NewReader(d), c.chunk)
		if err != nil {
			b.Fatal(err)
		}
		root, size := tree.Root(), tree.Size()
		i := proof.Chunks(size, uint64(c.chunk)) / 3
		chunk, path, err := tree.Prove(bytes.NewReader(d), i)
		if err != nil {
			b.Fatal(err)
		}
		total := len(chunk) + 32*len(path)
		b.Run(fmt.Sprintf("file=%dMiB/chunk=%d/path=%d", c.size>>20, c.chunk, len(path)), func(b *testing.B) {
			b.SetBytes(int64(total))
			for b.Loop() {
				if err := proof.VerifyChunk(root, size, uint64(c.chunk), i, chunk, path, lim); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "µs/proof")
			b.ReportMetric(float64(total), "proof-bytes")
		})
	}
}
