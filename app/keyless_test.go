package app_test

import (
	"crypto/ecdsa"
	"encoding/hex"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// TestKeylessNodeJoins: on a chain with x/resource on, a CRN registered
// without a key (the pyaleph way: create-resource-node, then linked by
// the CCN's owner) is no member when epoch 1 opens: a STORE's file goes to
// two of the three CRNs with keys, the keyless one draws no challenge and,
// once the others' unanswered challenges fail, has no window and no count
// towards unlinking. Its owner amends a key in (the amend POST an operator
// sends): it is a member from epoch 2's start, not before, and is
// challenged from then on if it holds the file.
func TestKeylessNodeJoins(t *testing.T) {
	c := resourceChain(t)
	op := func(k *ecdsa.PrivateKey, action, ref string, details map[string]any, secs string) *pb.AlephMessage {
		t.Helper()
		m := sign(t, k, at(client.Post("FOUNDATION", "corechan-operation", map[string]any{"action": action, "tags": []string{action}, "details": details}, ref), secs))
		if r := c.Block(m)[0]; r.Code != 0 {
			t.Fatalf("%s: %s", action, r.Log)
		}
		return m
	}
	owner := apptest.Key("keyless-owner")
	crn := op(owner, node.ActionCreateResourceNode, "", map[string]any{"type": "compute", "address": "https://keyless.example"}, "1700000001").ItemHash
	op(apptest.Key("ccn"), node.ActionLink, crn, map[string]any{}, "1700000002")
	const file = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
	store := sign(t, apptest.Key("alice"), at(client.Store("TEST", file, "ipfs", 0), "1700000003"))
	c.MustBlock(store)
	c.Attest([]*pb.AttestedFile{ipfsClaim(store, 5<<20)})
	k := resource.NewKeeper(nil, nil)
	kv := c.Store.Working()
	if err := k.LoadParams(kv); err != nil {
		t.Fatal(err)
	}
	if n, err := node.NewKeeper(balance.Keeper{}).Node(kv, crn); err != nil || n == nil || n.Parent != "ccn" || len(n.Pubkey) != 0 {
		t.Fatalf("the keyless CRN: %v, %v", n, err)
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
		slices.Sort(out)
		return out
	}
	keyed := []string{"crn-0", "crn-1", "crn-2"}
	for c.Height < 11 { // epoch 1 opens at height 11
		c.MustBlock()
	}
	if got := members(); !slices.Equal(got, keyed) {
		t.Fatalf("members in epoch 1: %v", got)
	}
	a, err := k.Assignment(kv, file)
	if err != nil || a == nil || len(a.Nodes) != 2 || slices.Contains(a.Nodes, crn) {
		t.Fatalf("assignment %v, %v", a, err)
	}
	if ch, err := k.Challenge(kv, 1, crn, 0); err != nil || ch != nil {
		t.Fatalf("the keyless CRN is challenged: %v, %v", ch, err)
	}
	key := apptest.Key("keyless-crn-key")
	amend := sign(t, owner, at(client.Post("FOUNDATION", "amend", map[string]any{"details": map[string]any{
		"pubkey": hex.EncodeToString(crypto.CompressPubkey(&key.PublicKey)),
	}}, crn), "1700000004"))
	if r := c.Block(amend)[0]; r.Code != 0 {
		t.Fatalf("amend: %s", r.Log)
	}
	for c.Height < 20 { // epoch 1's last height
		c.MustBlock()
		if slices.Contains(members(), crn) {
			t.Fatalf("height %d: the CRN is a member before epoch 2", c.Height)
		}
	}
	for _, n := range a.Nodes {
		if w, err := k.Window(kv, n); err != nil || len(w.Epochs) != 1 || w.ScoreBps != 0 {
			t.Fatalf("%s: window %v, %v", n, w, err)
		}
	}
	if w, _ := k.Window(kv, crn); len(w.Epochs) != 0 {
		t.Fatalf("the CRN, no member in epoch 1, has a window: %v", w)
	}
	if z, _ := k.ZeroEpochs(kv, crn); z != 0 {
		t.Fatalf("the CRN, no member in epoch 1, was judged: %d epochs at 0", z)
	}
	c.MustBlock() // height 21: epoch 2 opens
	want := append(slices.Clone(keyed), crn)
	slices.Sort(want)
	if got := members(); !slices.Equal(got, want) {
		t.Fatalf("members in epoch 2: %v, want %v", got, want)
	}
	a, err = k.Assignment(kv, file)
	if err != nil || a == nil || len(a.Nodes) != 2 {
		t.Fatalf("assignment in epoch 2: %v, %v", a, err)
	}
	ch, err := k.Challenge(kv, 2, crn, 0)
	if err != nil || (ch != nil) != slices.Contains(a.Nodes, crn) {
		t.Fatalf("holders %v, the CRN's challenge %v, %v", a.Nodes, ch, err)
	}
}
