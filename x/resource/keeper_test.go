package resource_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/internal/ipfstest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

func data(seed uint64, n int) []byte {
	var key [32]byte
	key[0] = byte(seed)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(key).Read(b) // never fails
	return b
}

// enabled is a keeper with the module on, 3 challenges an epoch of 10
// blocks answered within 5, over a fresh in-memory state.
func enabled(t *testing.T) (*resource.Keeper, state.KV) {
	t.Helper()
	s, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	k := resource.NewKeeper(nil, nil)
	g := resource.DefaultGenesis()
	g.Params.Enabled = true
	g.Params.ChallengesPerEpoch = 3
	g.Params.EpochBlocks, g.Params.ProofWindowBlocks = 10, 5
	kv := s.Working()
	if err := k.Init(kv, g); err != nil {
		t.Fatal(err)
	}
	return k, kv
}

// tx runs f as a transaction does: in a cache written back only on
// success, so a refusal leaves nothing behind.
func tx(kv state.KV, f func(state.KV) error) error {
	c := state.NewCache(kv)
	if err := f(c); err != nil {
		return err
	}
	return c.Write()
}

// TestProofLifecycle draws an epoch's challenges over an IPFS file and a
// sha256 file, answers them with real proofs, refuses every forgery,
// replay and late proof without changing state, and closes the epoch into
// the nodes' score windows.
func TestProofLifecycle(t *testing.T) {
	k, kv := enabled(t)
	p := k.Params()
	ipfsData := data(1, 5<<20)
	root, get := ipfstest.Import(t, ipfsData, true)
	shaData := data(2, 3<<20+5)
	chunkRoot, size, err := proof.ChunkRoot(bytes.NewReader(shaData), int(p.RootChunkSize))
	if err != nil {
		t.Fatal(err)
	}
	shaHash := "aa" + string(bytes.Repeat([]byte("0"), 62))
	files := []resource.FileInfo{{Hash: root.String(), Size: uint64(len(ipfsData))}, {Hash: shaHash, Size: size, ChunkRoot: chunkRoot}}
	const epoch = 4
	first := int64(epoch)*p.EpochBlocks + 1
	seed := resource.EpochSeed("test", epoch, []byte("app hash"))
	holdings := []resource.Holding{{Node: "honest", Files: files}, {Node: "silent", Files: files}, {Node: "idle"}}
	if err := k.OpenEpoch(kv, epoch, seed, holdings); err != nil {
		t.Fatal(err)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	prove := func(nodeHash string, slot uint32) *pb.StorageProof {
		c, err := k.Challenge(kv, epoch, nodeHash, slot)
		if err != nil || c == nil {
			t.Fatalf("challenge %s/%d: %v", nodeHash, slot, err)
		}
		sp := &pb.StorageProof{Node: nodeHash, File: c.File, Epoch: epoch, Index: c.Index, Slot: slot}
		if c.File == shaHash {
			sp.Chunk, sp.Path, err = proof.ProveChunk(bytes.NewReader(shaData), int(p.RootChunkSize), c.Index)
		} else {
			sp.Blocks, err = proof.ProveIPFS(context.Background(), get, root, uint64(len(ipfsData)), c.Index*p.ChunkSize, p.Limits())
		}
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	apply := func(h int64, sp *pb.StorageProof) error {
		b, err := proto.Marshal(sp)
		if err != nil {
			t.Fatal(err)
		}
		return tx(kv, func(kv state.KV) error {
			d, err := resource.DecodeProof(b, p.Limits())
			if err != nil {
				return err
			}
			return k.ApplyProof(kv, h, d)
		})
	}
	// forgeries, each refused with its code and leaving the challenge open
	good := prove("honest", 0)
	forged := func(f func(*pb.StorageProof)) *pb.StorageProof {
		c := proto.Clone(good).(*pb.StorageProof)
		f(c)
		return c
	}
	tamper := func(sp *pb.StorageProof) {
		if len(sp.Blocks) > 0 {
			sp.Blocks[len(sp.Blocks)-1][7] ^= 1
		} else {
			sp.Chunk[7] ^= 1
		}
	}
	for _, c := range []struct {
		name string
		sp   *pb.StorageProof
		h    int64
		want error
	}{
		{"tampered chunk", forged(tamper), first, resource.ErrProof},
		{"another slot's proof", forged(func(sp *pb.StorageProof) { sp.Slot = 1 }), first, resource.ErrChallenge},
		{"another chunk index", forged(func(sp *pb.StorageProof) { sp.Index++ }), first, resource.ErrChallenge},
		{"another node's challenge", forged(func(sp *pb.StorageProof) { sp.Node = "idle" }), first, resource.ErrChallenge},
		{"another epoch", forged(func(sp *pb.StorageProof) { sp.Epoch = epoch + 1 }), first, resource.ErrChallenge},
		{"past the deadline", good, p.Deadline(epoch) + 1, resource.ErrDeadline},
		{"both blocks and a chunk", forged(func(sp *pb.StorageProof) { sp.Chunk = []byte{1}; sp.Blocks = [][]byte{{1}} }), first, resource.ErrMalformed},
		{"no node", forged(func(sp *pb.StorageProof) { sp.Node = "" }), first, resource.ErrMalformed},
		{"oversized", forged(func(sp *pb.StorageProof) { sp.Blocks = append(sp.Blocks, make([]byte, 3<<20)) }), first, resource.ErrMalformed},
		{"a path hash of 31 bytes", forged(func(sp *pb.StorageProof) { sp.Blocks, sp.Chunk, sp.Path = nil, []byte{1}, [][]byte{make([]byte, 31)} }), first, resource.ErrMalformed},
	} {
		if err := apply(c.h, c.sp); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if c, _ := k.Challenge(kv, epoch, "honest", 0); c.Passed {
		t.Fatal("a refused proof passed the challenge")
	}
	for slot := range uint32(3) {
		if err := apply(p.Deadline(epoch), prove("honest", slot)); err != nil {
			t.Fatalf("honest slot %d: %v", slot, err)
		}
	}
	if err := apply(first+1, good); !errors.Is(err, resource.ErrAnswered) {
		t.Fatalf("replay: %v", err)
	}
	if err := apply(first, prove("silent", 2)); err != nil {
		t.Fatal(err)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	exported, err := k.Export(kv)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.CloseEpoch(kv, epoch); err != nil {
		t.Fatal(err)
	}
	for nodeHash, want := range map[string]uint32{"honest": resource.BPS, "silent": resource.BPS / 3, "idle": 0} {
		w, err := k.Window(kv, nodeHash)
		if err != nil {
			t.Fatal(err)
		}
		if w.ScoreBps != want {
			t.Errorf("%s: score %d, want %d (%v)", nodeHash, w.ScoreBps, want, w.Epochs)
		}
	}
	if c, _ := k.Challenge(kv, epoch, "honest", 0); c != nil {
		t.Fatal("a closed epoch's challenge is still open")
	}
	if err := apply(first+1, good); !errors.Is(err, resource.ErrChallenge) {
		t.Fatalf("a proof for a closed epoch: %v", err)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}

	// the export taken with challenges open imports to the same state
	s2, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	k2 := resource.NewKeeper(nil, nil)
	if err := k2.Init(s2.Working(), exported); err != nil {
		t.Fatal(err)
	}
	again, err := k2.Export(s2.Working())
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Challenges) != 6 || len(again.Challenges) != len(exported.Challenges) {
		t.Fatalf("re-export: %d challenges, first export %d", len(again.Challenges), len(exported.Challenges))
	}
	for i := range again.Challenges {
		if string(again.Challenges[i].Challenge) != string(exported.Challenges[i].Challenge) {
			t.Fatalf("challenge %d: %s, exported %s", i, again.Challenges[i].Challenge, exported.Challenges[i].Challenge)
		}
	}
}

// TestDisabledWritesNothing: the default genesis enables nothing and
// writes no key, so a chain's app hash is as before the module; proofs are
// refused.
func TestDisabledWritesNothing(t *testing.T) {
	s, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	before := s.WorkingHash()
	k := resource.NewKeeper(nil, nil)
	kv := s.Working()
	if err := k.Init(kv, resource.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	if err := k.LoadParams(kv); err != nil || k.Params().Enabled {
		t.Fatalf("load: %v, enabled %v", err, k.Params().Enabled)
	}
	if !bytes.Equal(s.WorkingHash(), before) {
		t.Fatal("a disabled module changed the state")
	}
	if err := k.ApplyProof(kv, 1, &pb.StorageProof{Node: "n", File: "f"}); !errors.Is(err, resource.ErrDisabled) {
		t.Fatalf("proof on a disabled chain: %v", err)
	}
}
