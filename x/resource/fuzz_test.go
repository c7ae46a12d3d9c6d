package resource_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// FuzzDecodeProof: any bytes decode or are refused without a panic, and
// what decodes is within the limits and re-encodes to a proof that
// decodes the same.
func FuzzDecodeProof(f *testing.F) {
	lim := proof.DefaultLimits()
	lim.MaxBytes = 1 << 16 // keep the fuzzer's inputs small
	seeds := []*pb.StorageProof{
		{Node: "n", File: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", Blocks: [][]byte{{1, 2}, {3}}},
		{Node: "n", File: "aa", Epoch: 3, Index: 9, Slot: 2, Chunk: []byte("chunk"), Path: [][]byte{make([]byte, 32)}},
	}
	for _, s := range seeds {
		b, err := proto.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x2a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := resource.DecodeProof(b, lim)
		if err != nil {
			return
		}
		if len(p.Blocks) > lim.MaxDepth || len(p.Node) == 0 || len(p.File) == 0 {
			t.Fatalf("accepted out of bounds: %d blocks, node %q, file %q", len(p.Blocks), p.Node, p.File)
		}
		for _, h := range p.Path {
			if len(h) != 32 {
				t.Fatalf("accepted a path hash of %d bytes", len(h))
			}
		}
		again, err := proto.MarshalOptions{Deterministic: true}.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := resource.DecodeProof(again, lim)
		if err != nil || !proto.Equal(p, q) {
			t.Fatalf("re-encoded proof: %v", err)
		}
	})
}
