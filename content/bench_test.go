package content_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/alephd/alephd/content"
)

// BenchmarkIngest measures the embedded store's whole Add path for 64 MiB:
// chunking, hashing, encoding, writing and fsyncing the blocks, recording
// the root. Each iteration adds new bytes, so no block is skipped as
// already present.
func BenchmarkIngest(b *testing.B) {
	for _, v := range []struct {
		name string
		opts content.AddOptions
	}{{"cidv0", content.AddOptions{}}, {"cidv1", content.AddOptions{CIDv1: true}}} {
		b.Run(v.name, func(b *testing.B) {
			_, e := openIPFS(b, b.TempDir())
			buf := make([]byte, 64<<20)
			b.SetBytes(int64(len(buf)))
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				if _, err := io.ReadFull(data(uint64(1000+i), int64(len(buf))), buf); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, _, err := e.Add(context.Background(), bytes.NewReader(buf), v.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
