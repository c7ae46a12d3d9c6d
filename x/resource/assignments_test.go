package resource_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/alephd/alephd/internal/jsonobj"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

const (
	ccnOwner = "0x1111111111111111111111111111111111111111"
	staker   = "0x2222222222222222222222222222222222222222"
	crnOwner = "0x3333333333333333333333333333333333333333"
)

// registry is a real x/node registry over real balances: one CCN staked
// past activation with crns linked resource nodes, and one unlinked
// resource node ("crn-idle"), each with its key (crnKey), with x/resource
// enabled (2 replicas) over it.
func registry(t testing.TB, crns int) (*resource.Keeper, *node.Keeper, state.KV) {
	t.Helper()
	s, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	kv := s.Working()
	bg := balance.DefaultGenesis()
	bg.Balances = []balance.Entry{{Address: ccnOwner, Amount: "300000000000000000000000"}, {Address: staker, Amount: "600000000000000000000000"}}
	if err := (balance.Keeper{}).Init(kv, bg); err != nil {
		t.Fatal(err)
	}
	ccn := &pb.NodeRecord{Hash: "ccn", Kind: pb.NodeKind_NODE_KIND_CORE, Owner: ccnOwner, Multiaddress: "/ip4/10.0.0.1/tcp/4025"}
	ng := node.DefaultGenesis()
	ng.Params.MaxLinkedResourceNodes = max(ng.Params.MaxLinkedResourceNodes, uint32(crns)) //nolint:gosec // a test's few nodes
	add := func(n *pb.NodeRecord) {
		b, err := protojson.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		ng.Nodes = append(ng.Nodes, b)
	}
	for i := range crns {
		h := fmt.Sprintf("crn-%02d", i)
		ccn.ResourceNodes = append(ccn.ResourceNodes, h)
		add(&pb.NodeRecord{Hash: h, Kind: pb.NodeKind_NODE_KIND_RESOURCE, Owner: crnOwner, Type: "compute", Address: fmt.Sprintf("https://crn%d.example", i), Pubkey: crnPub(t, h)})
	}
	add(&pb.NodeRecord{Hash: "crn-idle", Kind: pb.NodeKind_NODE_KIND_RESOURCE, Owner: crnOwner, Type: "compute", Address: "https://idle.example", Pubkey: crnPub(t, "crn-idle")})
	add(ccn)
	ng.Stakes = []node.GenesisStake{{Staker: staker, Nodes: []string{"ccn"}}}
	nodes := node.NewKeeper(balance.Keeper{})
	if err := nodes.Init(kv, ng); err != nil {
		t.Fatal(err)
	}
	k := resource.NewKeeper(nodes, message.Keeper{})
	g := resource.DefaultGenesis()
	g.Params.Enabled = true
	g.Params.EpochBlocks, g.Params.ProofWindowBlocks = 10, 5
	if err := k.Init(kv, g); err != nil {
		t.Fatal(err)
	}
	return k, nodes, kv
}

// crnPub is crnKey's public key, compressed, as x/node stores it.
func crnPub(t testing.TB, name string) []byte {
	return crypto.CompressPubkey(&crnKey(t, name).PublicKey)
}

// createCRN registers a resource node as its owner would, with its key
// (crnKey) or, keyless, the pyaleph way, and links it to the CCN.
func createCRN(t testing.TB, nodes *node.Keeper, kv state.KV, h string, keyed bool) {
	t.Helper()
	d := jsonobj.Object{"type": json.RawMessage(`"compute"`), "address": json.RawMessage(`"https://` + h + `.example"`)}
	if keyed {
		d["pubkey"] = json.RawMessage(fmt.Sprintf("%q", hex.EncodeToString(crnPub(t, h))))
	}
	operation(t, nodes, kv, &node.Operation{Action: node.ActionCreateResourceNode, Hash: h, Owner: crnOwner, Details: d})
	operation(t, nodes, kv, &node.Operation{Action: node.ActionLink, Owner: ccnOwner, Ref: h})
}

func operation(t testing.TB, nodes *node.Keeper, kv state.KV, op *node.Operation) {
	t.Helper()
	if op.Details == nil {
		op.Details = jsonobj.Object{}
	}
	if err := nodes.Apply(kv, op); err != nil {
		t.Fatalf("%s %s: %v", op.Action, op.Ref, err)
	}
}

func holders(t testing.TB, k *resource.Keeper, kv state.KV, files int) [][]string {
	t.Helper()
	out := make([][]string, files)
	for i := range out {
		a, err := k.Assignment(kv, fmt.Sprint("file-", i))
		if err != nil || a == nil {
			t.Fatalf("file-%d: %v %v", i, a, err)
		}
		out[i] = a.Nodes
	}
	return out
}

// TestAssignmentsFollowRegistry: files are assigned over the CRNs linked
// to an active CCN (never the unlinked one); unlinking a CRN moves exactly
// its files, each to one other node; a CRN created and linked takes files
// only where it enters their first replicas; the invariants hold
// throughout, and export imports to the same state.
func TestAssignmentsFollowRegistry(t *testing.T) {
	k, nodes, kv := registry(t, 5)
	if moved, err := k.Refresh(kv); err != nil || moved != 0 {
		t.Fatalf("first refresh: %d moved, %v", moved, err)
	}
	members, err := k.Members(kv)
	if err != nil || len(members) != 5 || slices.ContainsFunc(members, func(c resource.Candidate) bool { return c.Node == "crn-idle" }) {
		t.Fatalf("members %v, %v", members, err)
	}
	const files = 300
	for i := range files {
		if err := k.AddFile(kv, resource.FileInfo{Hash: fmt.Sprint("file-", i), Size: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	before := holders(t, k, kv, files)

	operation(t, nodes, kv, &node.Operation{Action: node.ActionUnlink, Owner: ccnOwner, Ref: "crn-02"})
	moved, err := k.Refresh(kv)
	if err != nil {
		t.Fatal(err)
	}
	after := holders(t, k, kv, files)
	held := 0
	for i := range files {
		had := slices.Contains(before[i], "crn-02")
		if had {
			held++
			if slices.Contains(after[i], "crn-02") || len(after[i]) != 2 || !slices.Contains(after[i], otherThan(before[i], "crn-02")) {
				t.Fatalf("file-%d: %v -> %v", i, before[i], after[i])
			}
		} else if !slices.Equal(before[i], after[i]) {
			t.Fatalf("file-%d did not involve crn-02 yet moved: %v -> %v", i, before[i], after[i])
		}
	}
	if moved != held || held == 0 {
		t.Fatalf("%d files moved, crn-02 held %d", moved, held)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}

	createCRN(t, nodes, kv, "crn-new", true)
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	joined := holders(t, k, kv, files)
	took := 0
	for i := range files {
		if slices.Contains(joined[i], "crn-new") {
			took++
			if len(joined[i]) != 2 || !slices.Contains(after[i], otherThan(joined[i], "crn-new")) {
				t.Fatalf("file-%d: %v -> %v", i, after[i], joined[i])
			}
		} else if !slices.Equal(joined[i], after[i]) {
			t.Fatalf("file-%d moved without the newcomer: %v -> %v", i, after[i], joined[i])
		}
	}
	if took < files*2/5*7/10 || took > files*2/5*13/10 { // 5 nodes, 2 replicas: ~2/5 of the files
		t.Fatalf("the newcomer took %d of %d files", took, files)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}

	if err := k.RemoveFile(kv, "file-7"); err != nil {
		t.Fatal(err)
	}
	if a, _ := k.Assignment(kv, "file-7"); a != nil {
		t.Fatal("a removed file is still assigned")
	}
	hs, err := k.Holdings(kv)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, h := range hs {
		total += len(h.Files)
		if slices.ContainsFunc(h.Files, func(f resource.FileInfo) bool { return f.Hash == "file-7" }) {
			t.Fatalf("%s still holds a removed file", h.Node)
		}
	}
	if total != 2*(files-1) {
		t.Fatalf("%d holdings, want %d", total, 2*(files-1))
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}

	// two leave and two join at once
	operation(t, nodes, kv, &node.Operation{Action: node.ActionUnlink, Owner: ccnOwner, Ref: "crn-00"})
	operation(t, nodes, kv, &node.Operation{Action: node.ActionUnlink, Owner: ccnOwner, Ref: "crn-new"})
	for _, h := range []string{"crn-a", "crn-b"} {
		createCRN(t, nodes, kv, h, true)
	}
	if moved, err := k.Refresh(kv); err != nil || moved == 0 {
		t.Fatalf("two in, two out: %d moved, %v", moved, err)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}

	// export with files and members, import elsewhere, export again
	g, err := k.Export(kv)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	k2 := resource.NewKeeper(nil, nil)
	if err := k2.Init(s2.Working(), g); err != nil {
		t.Fatal(err)
	}
	g2, err := k2.Export(s2.Working())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(g)
	b, _ := json.Marshal(g2)
	if string(a) != string(b) {
		t.Fatal("export, import and export again differ")
	}
}

// otherThan is the member of a pair that is not x.
func otherThan(pair []string, x string) string {
	for _, n := range pair {
		if n != x {
			return n
		}
	}
	return ""
}

// TestEpochHooks: an epoch opens at its first height only, and drops
// assigned files that no live STORE names (none here: app's
// TestResourceEpochs stores real ones); with nothing held, no challenge is
// drawn and no window changes, and the deadline closes nothing.
func TestEpochHooks(t *testing.T) {
	k, _, kv := registry(t, 3)
	p := k.Params()
	for i := range 20 {
		if err := k.AddFile(kv, resource.FileInfo{Hash: fmt.Sprint("file-", i), Size: 3 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	for h := int64(2); h <= p.EpochBlocks; h++ { // inside epoch 0: nothing happens
		if err := k.BeginBlock(kv, h, "test", nil); err != nil {
			t.Fatal(err)
		}
	}
	if a, _ := k.Assignment(kv, "file-0"); a == nil {
		t.Fatal("a block inside an epoch released files")
	}
	first := p.EpochBlocks + 1
	if err := k.BeginBlock(kv, first, "test", []byte("h")); err != nil {
		t.Fatal(err)
	}
	if a, _ := k.Assignment(kv, "file-0"); a != nil {
		t.Fatal("the epoch kept a file no live STORE names")
	}
	if err := k.EndBlock(kv, p.Deadline(1)); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"crn-00", "crn-01", "crn-02"} {
		if c, _ := k.Challenge(kv, 1, n, 0); c != nil {
			t.Fatalf("%s was challenged over nothing", n)
		}
		if w, _ := k.Window(kv, n); len(w.Epochs) != 0 {
			t.Fatalf("%s: window %v", n, w)
		}
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
}
