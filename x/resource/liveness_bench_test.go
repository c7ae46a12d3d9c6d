package resource_test

import (
	"crypto/ecdsa"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// liveBench is a real registry of n CRNs with keys (one CCN linking them
// all), x/resource on, its first epoch and slot 0 open, and each CRN's
// valid answer to slot 0.
func liveBench(b *testing.B, n int) (*resource.Keeper, state.KV, []*pb.ProbeAnswer, [][]byte) {
	b.Helper()
	s, err := state.OpenMemory()
	if err != nil {
		b.Fatal(err)
	}
	kv := s.Working()
	bg := balance.DefaultGenesis()
	bg.Balances = []balance.Entry{{Address: ccnOwner, Amount: "300000000000000000000000"}, {Address: staker, Amount: "600000000000000000000000"}}
	if err := (balance.Keeper{}).Init(kv, bg); err != nil {
		b.Fatal(err)
	}
	ng := node.DefaultGenesis()
	ng.Params.MaxLinkedResourceNodes = uint32(n) //nolint:gosec // a benchmark's size
	ccn := &pb.NodeRecord{Hash: "ccn", Kind: pb.NodeKind_NODE_KIND_CORE, Owner: ccnOwner, Multiaddress: "/ip4/10.0.0.1/tcp/4025"}
	keys := make([]*ecdsa.PrivateKey, n)
	pubs := make([][]byte, n)
	for i := range n {
		h := fmt.Sprintf("%064x", i)
		ccn.ResourceNodes = append(ccn.ResourceNodes, h)
		if keys[i], err = crypto.GenerateKey(); err != nil {
			b.Fatal(err)
		}
		pubs[i] = crypto.CompressPubkey(&keys[i].PublicKey)
		rec, _ := protojson.Marshal(&pb.NodeRecord{Hash: h, Kind: pb.NodeKind_NODE_KIND_RESOURCE, Owner: crnOwner, Type: "compute", Address: "https://crn.example", Pubkey: pubs[i]})
		ng.Nodes = append(ng.Nodes, rec)
	}
	rec, _ := protojson.Marshal(ccn)
	ng.Nodes = append(ng.Nodes, rec)
	ng.Stakes = []node.GenesisStake{{Staker: staker, Nodes: []string{"ccn"}}}
	nodes := node.NewKeeper(balance.Keeper{})
	if err := nodes.Init(kv, ng); err != nil {
		b.Fatal(err)
	}
	k := resource.NewKeeper(nodes, message.Keeper{})
	g := resource.DefaultGenesis()
	g.Params.Enabled = true
	if err := k.Init(kv, g); err != nil {
		b.Fatal(err)
	}
	if err := k.BeginBlock(kv, 1, "bench", make([]byte, 32)); err != nil {
		b.Fatal(err)
	}
	nonce, err := k.SlotNonceAt(kv, 0, 0)
	if err != nil || nonce == nil {
		b.Fatalf("slot 0: %x %v", nonce, err)
	}
	answers := make([]*pb.ProbeAnswer, n)
	for i := range n {
		h := fmt.Sprintf("%064x", i)
		sig, err := resource.SignProbe(keys[i], "bench", h, 0, 0, nonce)
		if err != nil {
			b.Fatal(err)
		}
		answers[i] = &pb.ProbeAnswer{Node: h, Signature: sig}
	}
	return k, kv, answers, pubs
}

// BenchmarkTallyLive is one record's liveness tally (what every validator
// runs in ProcessProposal) over v validators each carrying 128 answers,
// one per CRN: "honest", all the same valid answers (one verification a
// slot settles it); "third-forged", a third of the power carrying 128
// forged answers for the same CRNs beside the others' valid ones;
// "split", the worst the pruning allows: every validator's answers
// distinct (forged), for the same CRNs, so each slot takes verifications
// until the rest could not back it (34 of 100, 2 of 4); and "verify" and
// "verify-forged", VerifyProbe alone on one valid or forged answer, as the
// baseline.
func BenchmarkTallyLive(b *testing.B) {
	const answers = 128
	k, kv, honest, pubs := liveBench(b, answers)
	nonce, _ := k.SlotNonceAt(kv, 0, 0)
	b.Run("verify", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			a := honest[i%answers]
			if !resource.VerifyProbe(pubs[i%answers], "bench", a.Node, 0, 0, nonce, a.Signature) {
				b.Fatal("a valid answer does not verify")
			}
		}
	})
	b.Run("verify-forged", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			a := honest[i%answers]
			sig := append([]byte{}, a.Signature...)
			sig[0] ^= 1
			if resource.VerifyProbe(pubs[i%answers], "bench", a.Node, 0, 0, nonce, sig) {
				b.Fatal("a forged answer verifies")
			}
		}
	})
	forge := func(seed int) []*pb.ProbeAnswer {
		out := make([]*pb.ProbeAnswer, answers)
		for i, a := range honest {
			sig := append([]byte{}, a.Signature...)
			sig[0] ^= byte(seed + 1)
			sig[1] ^= byte((seed + 1) >> 8)
			out[i] = &pb.ProbeAnswer{Node: a.Node, Signature: sig}
		}
		return out
	}
	for _, v := range []int{4, 100} {
		for _, mode := range []string{"honest", "third-forged", "split"} {
			votes := make([]resource.LiveVote, v)
			for i := range votes {
				votes[i] = resource.LiveVote{Power: 10, Answers: honest}
				switch {
				case mode == "third-forged" && i < (v-1)/3:
					votes[i].Answers = forge(i)
				case mode == "split":
					votes[i].Answers = forge(i)
				}
			}
			want := answers
			if mode == "split" {
				want = 0
			}
			b.Run(fmt.Sprintf("%s/validators=%d", mode, v), func(b *testing.B) {
				for b.Loop() {
					live, err := k.TallyLive(kv, "bench", votes, int64(10*v))
					if err != nil || len(live) != want {
						b.Fatalf("%d slots up, want %d: %v", len(live), want, err)
					}
				}
			})
		}
	}
}
