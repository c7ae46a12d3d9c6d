package resource_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/internal/ipfstest"
	"github.com/alephd/alephd/keys"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// benchRegistry is a real x/node registry of n resource nodes
// ("crn-0000"...), each with its own registered secp256k1 key, in kv.
func benchRegistry(b *testing.B, kv state.KV, n int) (*node.Keeper, []*ecdsa.PrivateKey) {
	b.Helper()
	ng := node.DefaultGenesis()
	ks := make([]*ecdsa.PrivateKey, n)
	for i := range n {
		ks[i] = keys.FromSeed(fmt.Sprint("bench-crn-", i))
		rec, err := protojson.Marshal(&pb.NodeRecord{Hash: fmt.Sprintf("crn-%04d", i), Kind: pb.NodeKind_NODE_KIND_RESOURCE, Owner: crnOwner,
			Type: "compute", Address: fmt.Sprintf("https://crn%d.example", i), Pubkey: crypto.CompressPubkey(&ks[i].PublicKey)})
		if err != nil {
			b.Fatal(err)
		}
		ng.Nodes = append(ng.Nodes, rec)
	}
	nodes := node.NewKeeper(balance.Keeper{})
	if err := nodes.Init(kv, ng); err != nil {
		b.Fatal(err)
	}
	return nodes, ks
}

// BenchmarkProofSignature is a proof transaction's signature check,
// CheckSignature (the node's record read from state, ProofDigest over the
// proof's deterministic encoding, secp256k1 verification), beside its
// baselines in the same run: crypto.VerifySignature alone (what a known
// key costs) and crypto.Ecrecover (recovering the key from a 65-byte
// signature, what Ethereum-style checks cost). The proof is a sha256
// file's 4 KiB chunk and 15-hash path (a 100 MiB file), ~4.6 kB to hash.
func BenchmarkProofSignature(b *testing.B) {
	s, err := state.OpenMemory()
	if err != nil {
		b.Fatal(err)
	}
	kv := s.Working()
	nodes, ks := benchRegistry(b, kv, 1)
	k := resource.NewKeeper(nodes, nil)
	sp := &pb.StorageProof{Node: "crn-0000", File: fmt.Sprintf("%064x", 1), Epoch: 3, Index: 77, Slot: 1, Chunk: data(4, 4096), Path: make([][]byte, 15)}
	for i := range sp.Path {
		sp.Path[i] = data(uint64(10+i), 32)
	}
	if err := resource.SignProof("bench", sp, ks[0]); err != nil {
		b.Fatal(err)
	}
	digest := resource.ProofDigest("bench", sp)
	sig65, err := crypto.Sign(digest, ks[0])
	if err != nil {
		b.Fatal(err)
	}
	pub := crypto.CompressPubkey(&ks[0].PublicKey)
	b.Run("CheckSignature", func(b *testing.B) {
		for b.Loop() {
			if err := k.CheckSignature(kv, "bench", sp); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "µs/proof")
	})
	b.Run("VerifySignature", func(b *testing.B) {
		for b.Loop() {
			if !crypto.VerifySignature(pub, digest, sp.Signature) {
				b.Fatal("does not verify")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "µs/proof")
	})
	b.Run("Ecrecover", func(b *testing.B) {
		for b.Loop() {
			if _, err := crypto.Ecrecover(digest, sig65); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "µs/proof")
	})
	b.Run("ProofDigest", func(b *testing.B) {
		for b.Loop() {
			_ = resource.ProofDigest("bench", sp)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "µs/proof")
	})
}

// epochFile is the file every node of BenchmarkEpochProofs holds, and how
// to prove a challenge on it.
type epochFile struct {
	info  resource.FileInfo
	prove func(b *testing.B, sp *pb.StorageProof)
}

// BenchmarkEpochProofs is an epoch's proof load, as blocks run it: n
// resource nodes × 4 challenges over a file each holds, every proof a
// transaction (decoded, its signature checked against the node's key in
// x/node, checked and recorded, in a per-proof cache over the working
// tree) and the epoch closed into the score windows (and its failures
// settled: none here). Files: "ipfs", a 5 MiB CIDv1 file (a proof is 2
// blocks: the root and a 256 KiB leaf) and "sha256", a 100 MiB sha256
// file under its 4 KiB chunk root (a chunk and 15 hashes). Reports ms per
// epoch, µs per proof and the proof bytes per epoch (signed StorageProof
// encodings; the Tx envelope adds 3 to 4 bytes each). Proofs are built
// and signed off the clock, 100 nodes at a time (an IPFS epoch of 1,000
// nodes is 1 GB of proofs).
func BenchmarkEpochProofs(b *testing.B) {
	p := resource.DefaultParams()
	p.Enabled = true
	ipfsData := data(3, 5<<20)
	root, get := ipfstest.Import(b, ipfsData, true)
	shaData := data(5, 100<<20)
	tree, err := proof.NewChunkTree(bytes.NewReader(shaData), int(p.RootChunkSize))
	if err != nil {
		b.Fatal(err)
	}
	leaves := map[uint64][][]byte{}
	files := map[string]epochFile{
		"ipfs": {resource.FileInfo{Hash: root.String(), Size: uint64(len(ipfsData))}, func(b *testing.B, sp *pb.StorageProof) {
			blocks, ok := leaves[sp.Index]
			if !ok {
				var err error
				if blocks, err = proof.ProveIPFS(context.Background(), get, root, uint64(len(ipfsData)), sp.Index*p.ChunkSize, p.Limits()); err != nil {
					b.Fatal(err)
				}
				leaves[sp.Index] = blocks
			}
			sp.Blocks = blocks
		}},
		"sha256": {resource.FileInfo{Hash: fmt.Sprintf("%064x", 7), Size: tree.Size(), ChunkRoot: tree.Root()}, func(b *testing.B, sp *pb.StorageProof) {
			var err error
			if sp.Chunk, sp.Path, err = tree.Prove(bytes.NewReader(shaData), sp.Index); err != nil {
				b.Fatal(err)
			}
		}},
	}
	for _, c := range []struct {
		kind  string
		nodes int
	}{{"ipfs", 250}, {"ipfs", 1000}, {"sha256", 250}, {"sha256", 1000}, {"sha256", 4000}} {
		b.Run(fmt.Sprintf("%s/nodes=%d", c.kind, c.nodes), func(b *testing.B) {
			benchEpoch(b, p, c.nodes, files[c.kind])
		})
	}
}

func benchEpoch(b *testing.B, p resource.Params, n int, f epochFile) {
	s, err := state.OpenMemory()
	if err != nil {
		b.Fatal(err)
	}
	kv := s.Working()
	nodes, ks := benchRegistry(b, kv, n)
	k := resource.NewKeeper(nodes, nil)
	g := resource.DefaultGenesis()
	g.Params = p
	if err := k.Init(kv, g); err != nil {
		b.Fatal(err)
	}
	holdings := make([]resource.Holding, n)
	for i := range holdings {
		holdings[i] = resource.Holding{Node: fmt.Sprintf("crn-%04d", i), Files: []resource.FileInfo{f.info}}
	}
	const batch = 100 // nodes whose proofs are built at a time
	bytesPerEpoch := 0
	epoch := uint64(0)
	for b.Loop() {
		b.StopTimer()
		epoch++
		if err := k.OpenEpoch(kv, epoch, resource.EpochSeed("bench", epoch, nil), holdings); err != nil {
			b.Fatal(err)
		}
		bytesPerEpoch = 0
		for start := 0; start < n; start += batch {
			b.StopTimer()
			var txs [][]byte
			for i := start; i < min(start+batch, n); i++ {
				for slot := range p.ChallengesPerEpoch {
					c, err := k.Challenge(kv, epoch, holdings[i].Node, slot)
					if err != nil || c == nil {
						b.Fatal(c, err)
					}
					sp := &pb.StorageProof{Node: holdings[i].Node, File: c.File, Epoch: epoch, Index: c.Index, Slot: slot}
					f.prove(b, sp)
					if err := resource.SignProof("bench", sp, ks[i]); err != nil {
						b.Fatal(err)
					}
					tx, err := proto.Marshal(sp)
					if err != nil {
						b.Fatal(err)
					}
					txs = append(txs, tx)
					bytesPerEpoch += len(tx)
				}
			}
			b.StartTimer()
			for _, tx := range txs {
				c := state.NewCache(kv)
				sp, err := resource.DecodeProof(tx, p.Limits())
				if err == nil {
					err = k.CheckSignature(c, "bench", sp)
				}
				if err == nil {
					err = k.ApplyProof(c, p.Deadline(epoch), sp)
				}
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Write(); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := k.CloseEpoch(kv, epoch); err != nil {
			b.Fatal(err)
		}
	}
	perEpoch := float64(b.Elapsed().Microseconds()) / float64(b.N)
	b.ReportMetric(perEpoch/1000, "ms/epoch")
	b.ReportMetric(perEpoch/float64(n*int(p.ChallengesPerEpoch)), "µs/proof")
	b.ReportMetric(float64(bytesPerEpoch), "proof-bytes/epoch")
}
