package resource_test

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource"
)

// nodeReadsState is a module with n members ("crn-0", "crn-1", …: crn-1's
// key prefix is a byte prefix of crn-10's name, which a per-node read must
// not confuse), files assigned over them by AddFile (2 replicas, so ~10
// files a node whatever n), and epoch 1's challenges drawn by OpenEpoch,
// as BeginBlock leaves them.
func nodeReadsState(tb testing.TB, n, files int) (*resource.Keeper, state.KV) {
	tb.Helper()
	s, err := state.OpenMemory()
	if err != nil {
		tb.Fatal(err)
	}
	k := resource.NewKeeper(nil, nil)
	g := resource.DefaultGenesis()
	g.Params.Enabled = true
	g.Params.EpochBlocks, g.Params.ProofWindowBlocks = 10, 5
	for i := range n {
		g.Members = append(g.Members, resource.GenesisMember{Node: fmt.Sprint("crn-", i), Weight: 1})
	}
	kv := s.Working()
	if err := k.Init(kv, g); err != nil {
		tb.Fatal(err)
	}
	for i := range files {
		if err := k.AddFile(kv, resource.FileInfo{Hash: fmt.Sprint("file-", i), Size: 1 << 20}); err != nil {
			tb.Fatal(err)
		}
	}
	holdings, err := k.Holdings(kv)
	if err != nil {
		tb.Fatal(err)
	}
	if err := k.OpenEpoch(kv, 1, []byte("seed"), holdings); err != nil {
		tb.Fatal(err)
	}
	return k, kv
}

// TestNodeReads: NodeFiles is exactly a member's entry of Holdings (in
// file hash order) and NodeChallenges exactly its challenges read slot by
// slot (in slot order), for every member, including crn-1 beside crn-10…
// whose keys share crn-1's bytes; a node that is not a member has none,
// and an epoch's challenges are gone once it closes.
func TestNodeReads(t *testing.T) {
	k, kv := nodeReadsState(t, 12, 60)
	holdings, err := k.Holdings(kv)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, h := range holdings {
		files, err := k.NodeFiles(kv, h.Node)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != len(h.Files) {
			t.Fatalf("%s: NodeFiles %d files, Holdings %d", h.Node, len(files), len(h.Files))
		}
		for i := range files {
			if files[i].Hash != h.Files[i].Hash || files[i].Size != h.Files[i].Size {
				t.Fatalf("%s: file %d is %+v, Holdings has %+v", h.Node, i, files[i], h.Files[i])
			}
		}
		total += len(files)

		got, err := k.NodeChallenges(kv, 1, h.Node)
		if err != nil {
			t.Fatal(err)
		}
		var want []resource.NodeChallenge
		for slot := range k.Params().ChallengesPerEpoch {
			c, err := k.Challenge(kv, 1, h.Node, slot)
			if err != nil {
				t.Fatal(err)
			}
			if c != nil {
				want = append(want, resource.NodeChallenge{Slot: slot, ChallengeRecord: c})
			}
		}
		if len(got) != len(want) || (len(h.Files) > 0) != (len(got) > 0) {
			t.Fatalf("%s: %d challenges, want %d (it holds %d files)", h.Node, len(got), len(want), len(h.Files))
		}
		for i := range got {
			if got[i].Slot != want[i].Slot || !proto.Equal(got[i].ChallengeRecord, want[i].ChallengeRecord) {
				t.Fatalf("%s: challenge %d is %v, want %v", h.Node, i, got[i], want[i])
			}
		}
	}
	if total != 2*60 {
		t.Fatalf("%d holdings, want 120", total)
	}
	if f, err := k.NodeFiles(kv, "crn-99"); err != nil || len(f) != 0 {
		t.Fatalf("a non-member's files: %v %v", f, err)
	}
	if c, err := k.NodeChallenges(kv, 1, "crn-99"); err != nil || len(c) != 0 {
		t.Fatalf("a non-member's challenges: %v %v", c, err)
	}
	if c, err := k.NodeChallenges(kv, 2, "crn-1"); err != nil || len(c) != 0 {
		t.Fatalf("challenges of an epoch not drawn: %v %v", c, err)
	}
	if err := k.CloseEpoch(kv, 1); err != nil {
		t.Fatal(err)
	}
	for _, h := range holdings {
		if c, err := k.NodeChallenges(kv, 1, h.Node); err != nil || len(c) != 0 {
			t.Fatalf("%s after the epoch closed: %v %v", h.Node, c, err)
		}
	}
}

// BenchmarkNodeReads is one node's files and challenges as the resource
// node's routes read them, before (every member's Holdings filtered down
// to the node; the challenges one slot at a time) and after (the node's
// own prefix: NodeFiles, NodeChallenges), with 10 and 1,000 members
// holding ~10 files each: the per-node reads cost the same at both sizes,
// Holdings grows with the chain.
//
//	go test -run '^$' -bench BenchmarkNodeReads -benchtime 200x ./x/resource/
func BenchmarkNodeReads(b *testing.B) {
	for _, n := range []int{10, 1000} {
		k, kv := nodeReadsState(b, n, 5*n)
		node := "crn-7"
		b.Run(fmt.Sprintf("files/holdings/nodes=%d", n), func(b *testing.B) {
			for b.Loop() {
				hs, err := k.Holdings(kv)
				if err != nil {
					b.Fatal(err)
				}
				found := false
				for _, h := range hs {
					found = found || h.Node == node
				}
				if !found {
					b.Fatal("no holding")
				}
			}
		})
		b.Run(fmt.Sprintf("files/node/nodes=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := k.NodeFiles(kv, node); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("challenges/slots/nodes=%d", n), func(b *testing.B) {
			for b.Loop() {
				for slot := range k.Params().ChallengesPerEpoch {
					if _, err := k.Challenge(kv, 1, node, slot); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(fmt.Sprintf("challenges/node/nodes=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := k.NodeChallenges(kv, 1, node); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
