package resource_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/internal/jsonobj"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// TestKeylessNotMember: a CRN linked without a key (registered the
// pyaleph way) is no member: it is assigned nothing, challenged on nothing
// and not judged, so an epoch that puts the silent members at score 0
// leaves it uncounted and linked. Once its owner amends a key in, it joins
// at the next refresh (not before) and takes only files where it enters
// the first replicas. A changed key keeps it a member (nothing moves) and
// its proofs then check against the new key only; an amend with an empty
// pubkey keeps the key. A record that loses its key (x/node's amend cannot
// do it; written here into state) leaves the members at the next refresh,
// each of its files moving to one other node as when a node is unlinked.
func TestKeylessNotMember(t *testing.T) {
	const nokey = "crn-nokey"
	k, nodes, kv := registry(t, 3)
	createCRN(t, nodes, kv, nokey, false)
	g := resource.DefaultGenesis()
	g.Params = k.Params()
	g.Params.ZeroScoreEpochs = 2
	if err := k.Init(kv, g); err != nil {
		t.Fatal(err)
	}
	linked, err := nodes.ResourceCandidates(kv)
	if err != nil || !slices.ContainsFunc(linked, func(n *pb.NodeRecord) bool { return n.Hash == nokey }) {
		t.Fatalf("%s is not linked to an active CCN: %v", nokey, err)
	}
	members := func() []string {
		t.Helper()
		ms, err := k.Members(kv)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Node)
		}
		return out
	}
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	if got := members(); !slices.Equal(got, []string{"crn-00", "crn-01", "crn-02"}) {
		t.Fatalf("members %v: the keyless node is one, or a keyed one is not", got)
	}
	const files = 120
	for i := range files {
		if err := k.AddFile(kv, resource.FileInfo{Hash: fmt.Sprint("file-", i), Size: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	hs, err := k.Holdings(kv)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(hs, func(h resource.Holding) bool { return h.Node == nokey }) {
		t.Fatalf("%s holds files", nokey)
	}
	if err := k.OpenEpoch(kv, 1, resource.EpochSeed("test", 1, []byte{1}), hs); err != nil {
		t.Fatal(err)
	}
	if ch, err := k.Challenge(kv, 1, nokey, 0); err != nil || ch != nil {
		t.Fatalf("%s is challenged: %v %v", nokey, ch, err)
	}
	if err := k.CloseEpoch(kv, 1); err != nil { // nobody answers
		t.Fatal(err)
	}
	if err := k.FinishEpoch(kv, 1); err != nil {
		t.Fatal(err)
	}
	if z, _ := k.ZeroEpochs(kv, "crn-00"); z != 1 {
		t.Fatalf("crn-00, challenged and silent: %d epochs at 0, want 1", z)
	}
	if w, _ := k.Window(kv, nokey); len(w.Epochs) != 0 || w.ScoreBps != 0 {
		t.Fatalf("%s has a window: %v", nokey, w)
	}
	if z, _ := k.ZeroEpochs(kv, nokey); z != 0 {
		t.Fatalf("%s was judged: %d epochs at 0", nokey, z)
	}

	// A key amended in: a member from the next refresh on.
	before := holders(t, k, kv, files)
	key := crnKey(t, nokey)
	setPubkey(t, nodes, kv, nokey, key)
	if slices.Contains(members(), nokey) {
		t.Fatal("a key amended in made the node a member before the refresh")
	}
	moved, err := k.Refresh(kv)
	if err != nil {
		t.Fatal(err)
	}
	if got := members(); !slices.Equal(got, []string{"crn-00", "crn-01", "crn-02", nokey}) {
		t.Fatalf("members after the key: %v", got)
	}
	joined := holders(t, k, kv, files)
	took := 0
	for i := range files {
		if slices.Contains(joined[i], nokey) {
			took++
			if len(joined[i]) != 2 || !slices.Contains(before[i], otherThan(joined[i], nokey)) {
				t.Fatalf("file-%d: %v -> %v", i, before[i], joined[i])
			}
		} else if !slices.Equal(joined[i], before[i]) {
			t.Fatalf("file-%d moved without the newcomer: %v -> %v", i, before[i], joined[i])
		}
	}
	if took == 0 || moved != took {
		t.Fatalf("the keyed node took %d files, %d moved", took, moved)
	}
	if err := errors.Join(k.Invariants(kv), nodes.Invariants(kv)); err != nil {
		t.Fatal(err)
	}

	// A changed key: still a member, nothing moves, only the new key signs.
	newKey := crnKey(t, nokey+"-2")
	setPubkey(t, nodes, kv, nokey, newKey)
	if moved, err := k.Refresh(kv); err != nil || moved != 0 || !slices.Contains(members(), nokey) {
		t.Fatalf("a changed key: %d moved, members %v, %v", moved, members(), err)
	}
	signed := func(key *ecdsa.PrivateKey) *pb.StorageProof {
		t.Helper()
		p := &pb.StorageProof{Node: nokey, File: "file-0", Epoch: 2}
		if err := resource.SignProof("test", p, key); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := k.CheckSignature(kv, "test", signed(newKey)); err != nil {
		t.Fatalf("signed with the new key: %v", err)
	}
	if err := k.CheckSignature(kv, "test", signed(key)); !errors.Is(err, resource.ErrSignature) {
		t.Fatalf("signed with the old key: %v", err)
	}
	operation(t, nodes, kv, &node.Operation{Action: "amend", Owner: crnOwner, Ref: nokey,
		Details: jsonobj.Object{"pubkey": json.RawMessage(`""`)}})
	if err := k.CheckSignature(kv, "test", signed(newKey)); err != nil {
		t.Fatalf("an empty pubkey in an amend dropped the key: %v", err)
	}

	// The key gone from the record: it leaves at the next refresh.
	rec, err := nodes.Node(kv, nokey)
	if err != nil || rec == nil {
		t.Fatalf("%v %v", rec, err)
	}
	rec.Pubkey = nil
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Set(node.NodeKey(nokey), b); err != nil {
		t.Fatal(err)
	}
	moved, err = k.Refresh(kv)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(members(), nokey) {
		t.Fatal("a node without a key is still a member")
	}
	left := holders(t, k, kv, files)
	for i := range files {
		if slices.Contains(joined[i], nokey) {
			if slices.Contains(left[i], nokey) || len(left[i]) != 2 || !slices.Contains(left[i], otherThan(joined[i], nokey)) {
				t.Fatalf("file-%d: %v -> %v", i, joined[i], left[i])
			}
		} else if !slices.Equal(left[i], joined[i]) {
			t.Fatalf("file-%d did not involve %s yet moved: %v -> %v", i, nokey, joined[i], left[i])
		}
	}
	if moved != took {
		t.Fatalf("%d files moved, the node held %d", moved, took)
	}
	if err := errors.Join(k.Invariants(kv), nodes.Invariants(kv)); err != nil {
		t.Fatal(err)
	}
}
