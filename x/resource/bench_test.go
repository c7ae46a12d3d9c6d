package resource_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// BenchmarkEpochProofs is an epoch's proof load: 1,000 resource nodes × 4
// challenges over a 5 MiB CIDv1 file each holds, every proof decoded,
// checked and recorded (in a per-proof cache over the working tree, as a
// transaction runs), then the epoch closed into the score windows. Reports
// the time per proof and per epoch and the epoch's proof bytes.
func BenchmarkEpochProofs(b *testing.B) {
	const nodes = 1000
	data := data(3, 5<<20)
	root, get := ipfsFile(b, data)
	p := resource.DefaultParams()
	p.Enabled = true
	file := resource.FileInfo{Hash: root.String(), Size: uint64(len(data))}
	holdings := make([]resource.Holding, nodes)
	for i := range holdings {
		holdings[i] = resource.Holding{Node: fmt.Sprintf("crn-%04d", i), Files: []resource.FileInfo{file}}
	}
	leafProofs := map[uint64][][]byte{}
	var bytesPerEpoch int
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		s, err := state.OpenMemory()
		if err != nil {
			b.Fatal(err)
		}
		kv := s.Working()
		k := resource.NewKeeper(nil, nil)
		g := resource.DefaultGenesis()
		g.Params = p
		if err := k.Init(kv, g); err != nil {
			b.Fatal(err)
		}
		if err := k.OpenEpoch(kv, 0, resource.EpochSeed("bench", 0, nil), holdings); err != nil {
			b.Fatal(err)
		}
		var txs [][]byte
		for _, h := range holdings {
			for slot := range uint32(p.ChallengesPerEpoch) {
				c, err := k.Challenge(kv, 0, h.Node, slot)
				if err != nil {
					b.Fatal(err)
				}
				blocks, ok := leafProofs[c.Index]
				if !ok {
					if blocks, err = proof.ProveIPFS(context.Background(), get, root, file.Size, c.Index*p.ChunkSize, p.Limits()); err != nil {
						b.Fatal(err)
					}
					leafProofs[c.Index] = blocks
				}
				tx, err := proto.Marshal(&pb.StorageProof{Node: h.Node, File: c.File, Epoch: 0, Index: c.Index, Slot: slot, Blocks: blocks})
				if err != nil {
					b.Fatal(err)
				}
				txs = append(txs, tx)
			}
		}
		bytesPerEpoch = 0
		for _, tx := range txs {
			bytesPerEpoch += len(tx)
		}
		b.StartTimer()
		for _, tx := range txs {
			c := state.NewCache(kv)
			sp, err := resource.DecodeProof(tx, p.Limits())
			if err == nil {
				err = k.ApplyProof(c, 1, sp)
			}
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Write(); err != nil {
				b.Fatal(err)
			}
		}
		if err := k.CloseEpoch(kv, 0); err != nil {
			b.Fatal(err)
		}
	}
	perEpoch := float64(b.Elapsed().Microseconds()) / float64(b.N)
	b.ReportMetric(perEpoch/1000, "ms/epoch")
	b.ReportMetric(perEpoch/float64(nodes*int(p.ChallengesPerEpoch)), "µs/proof")
	b.ReportMetric(float64(bytesPerEpoch), "proof-bytes/epoch")
}
