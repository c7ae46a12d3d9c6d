package node_test

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/app/apptest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
)

// TestResourceKeyAndCapacity: create-resource-node and amend set a CRN's
// signing key (compressed or not, 0x or not: stored compressed) and its
// capacity; a key off the curve, of another length or not hex, and a
// capacity that is not a whole number are refused; a CCN takes neither.
func TestResourceKeyAndCapacity(t *testing.T) {
	c := newChain(t)
	k1, k2 := apptest.Key("crn-key-1"), apptest.Key("crn-key-2")
	comp1, comp2 := crypto.CompressPubkey(&k1.PublicKey), crypto.CompressPubkey(&k2.PublicKey)
	crn := c.must(erin, node.ActionCreateResourceNode, "", map[string]any{
		"type": "compute", "address": "https://k.example", "pubkey": "0x" + hex.EncodeToString(comp1), "capacity": 1 << 40,
	})
	if n := c.node(crn); !bytes.Equal(n.Pubkey, comp1) || n.Capacity != 1<<40 {
		t.Fatalf("created with pubkey %x capacity %d", n.Pubkey, n.Capacity)
	}
	// Uncompressed, without 0x: stored compressed. Capacity left out: kept.
	if r := c.amend(erin, crn, map[string]any{"pubkey": hex.EncodeToString(crypto.FromECDSAPub(&k2.PublicKey))}); r.Code != 0 {
		t.Fatal(r.Log)
	}
	if n := c.node(crn); !bytes.Equal(n.Pubkey, comp2) || n.Capacity != 1<<40 {
		t.Fatalf("amended to pubkey %x capacity %d", n.Pubkey, n.Capacity)
	}
	offCurve := slices.Clone(comp1)
	offCurve[0] = 0x05
	notOnCurve := "0x04" + hex.EncodeToString(bytes.Repeat([]byte{1}, 64))
	for _, bad := range []struct {
		details map[string]any
		words   string
	}{
		{map[string]any{"pubkey": "0x" + hex.EncodeToString(offCurve)}, "not a secp256k1 public key"},
		{map[string]any{"pubkey": notOnCurve}, "not a secp256k1 public key"},
		{map[string]any{"pubkey": "0x" + hex.EncodeToString(comp1[:32])}, "got 32 bytes"},
		{map[string]any{"pubkey": "zz"}, "in hex"},
		{map[string]any{"pubkey": 7}, "details.pubkey"},
		{map[string]any{"capacity": -1}, "details.capacity"},
		{map[string]any{"capacity": 1.5}, "details.capacity"},
		{map[string]any{"capacity": "1000"}, "details.capacity"},
	} {
		d := map[string]any{"type": "compute"}
		for k, v := range bad.details {
			d[k] = v
		}
		c.refused(dave, node.ActionCreateResourceNode, "", d, node.ErrOperation, bad.words)
		r := c.amend(erin, crn, bad.details)
		if r.Codespace != node.Codespace || r.Code != node.ErrOperation.Code {
			t.Fatalf("amend with %v: %s/%d %s", bad.details, r.Codespace, r.Code, r.Log)
		}
	}
	if n := c.node(crn); !bytes.Equal(n.Pubkey, comp2) || n.Capacity != 1<<40 {
		t.Fatalf("refused amends changed the node: pubkey %x capacity %d", n.Pubkey, n.Capacity)
	}
	// The view names them; a CRN without them shows neither.
	snap, _ := c.Store.At(0)
	v, err := node.NewKeeper(balance.Keeper{}).View(snap, crn)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if want := fmt.Sprintf(`"pubkey":"0x%x","capacity":%d`, comp2, uint64(1<<40)); !bytes.Contains(b, []byte(want)) {
		t.Fatalf("view %s lacks %s", b, want)
	}
	plain := c.must(dave, node.ActionCreateResourceNode, "", map[string]any{"type": "compute"})
	snap, _ = c.Store.At(0)
	v, _ = node.NewKeeper(balance.Keeper{}).View(snap, plain)
	if b, _ := json.Marshal(v); bytes.Contains(b, []byte("pubkey")) || bytes.Contains(b, []byte("capacity")) || bytes.Contains(b, []byte("score")) {
		t.Fatalf("a plain CRN's view shows new fields: %s", b)
	}
	// A CCN keeps neither.
	ccn := c.must(alice, node.ActionCreateNode, "", map[string]any{"pubkey": "0x" + hex.EncodeToString(comp1), "capacity": 5})
	if n := c.node(ccn); len(n.Pubkey) != 0 || n.Capacity != 0 {
		t.Fatalf("a CCN took pubkey %x capacity %d", n.Pubkey, n.Capacity)
	}
}

// TestResourceCandidatesAndUnlink: ResourceCandidates are exactly the CRNs
// Registry shows linked to an active CCN, in hash order, as links, stakes
// and drops change; Unlink detaches a linked CRN as its owner's unlink
// would, and leaves unlinked, unknown and core nodes alone.
func TestResourceCandidatesAndUnlink(t *testing.T) {
	c := newChain(t)
	a := c.must(alice, node.ActionCreateNode, "", nil)
	b := c.must(bob, node.ActionCreateNode, "", nil)
	var crns []string
	for i := range 6 {
		crns = append(crns, c.must(erin, node.ActionCreateResourceNode, "", map[string]any{"type": "compute", "address": fmt.Sprintf("https://cand%d.example", i)}))
	}
	for _, h := range crns[:3] {
		c.must(alice, node.ActionLink, h, nil)
	}
	for _, h := range crns[3:5] {
		c.must(bob, node.ActionLink, h, nil)
	}
	k := node.NewKeeper(balance.Keeper{})
	check := func(what string, want int) []string {
		t.Helper()
		snap, err := c.Store.At(0)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.LoadParams(snap); err != nil {
			t.Fatal(err)
		}
		got, err := k.ResourceCandidates(snap)
		if err != nil {
			t.Fatal(err)
		}
		reg, err := k.Registry(snap)
		if err != nil {
			t.Fatal(err)
		}
		active := map[string]bool{}
		for _, n := range reg.Nodes {
			active[n.Hash] = n.Status == node.StatusActive
		}
		var model, hashes []string
		for _, r := range reg.ResourceNodes {
			if r.Parent != nil && active[*r.Parent] {
				model = append(model, r.Hash)
			}
		}
		for _, n := range got {
			hashes = append(hashes, n.Hash)
		}
		if !slices.Equal(hashes, model) || len(hashes) != want || !slices.IsSorted(hashes) {
			t.Fatalf("%s: candidates %v, registry says %v, want %d", what, hashes, model, want)
		}
		return hashes
	}
	check("no CCN active", 0)
	c.must(carol, node.ActionStake, a, nil)
	c.report(1, map[*ecdsa.PrivateKey]string{carol: "500000"})
	check("a active", 3)
	c.must(greta, node.ActionStake, b, nil)
	c.report(2, map[*ecdsa.PrivateKey]string{greta: "500000"})
	check("a and b active", 5)

	// Unlink, as x/resource calls it in a block: the CRN and its CCN agree.
	kv := c.Store.Working()
	for _, h := range []string{crns[1], crns[5], a, "no-such-node"} {
		if err := k.Unlink(kv, h); err != nil {
			t.Fatalf("unlink %s: %v", h, err)
		}
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	n, err := k.Node(kv, crns[1])
	if err != nil {
		t.Fatal(err)
	}
	parent, _ := k.Node(kv, a)
	if n.Parent != "" || slices.Contains(parent.ResourceNodes, crns[1]) || len(parent.ResourceNodes) != 2 {
		t.Fatalf("after Unlink: parent %q, a links %v", n.Parent, parent.ResourceNodes)
	}
	got, err := k.ResourceCandidates(kv)
	if err != nil || len(got) != 4 || slices.ContainsFunc(got, func(r *pb.NodeRecord) bool { return r.Hash == crns[1] }) {
		t.Fatalf("candidates after Unlink: %d, %v", len(got), err)
	}
}
