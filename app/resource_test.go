package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// withResource is the dev genesis with x/resource's part set to g, or
// without that part at all (nil), as a genesis written before the module.
func withResource(t *testing.T, g *resource.Genesis) json.RawMessage {
	t.Helper()
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DevGenesis(), &parts); err != nil {
		t.Fatal(err)
	}
	delete(parts, "resource")
	if g != nil {
		parts["resource"], _ = json.Marshal(g)
	}
	doc, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestResourceOffKeepsAppHash: a genesis without the module's part and one
// with its (disabled) default give the same app hash, block after block;
// enabling it changes the hash, exports its params and passes the
// invariants.
func TestResourceOffKeepsAppHash(t *testing.T) {
	def := resource.DefaultGenesis()
	without := apptest.New(t, withResource(t, nil))
	off := apptest.New(t, withResource(t, &def))
	on := def
	on.Params.Enabled = true
	on.Params.EpochBlocks, on.Params.ProofWindowBlocks = 10, 5
	enabled := apptest.New(t, withResource(t, &on))
	if !bytes.Equal(without.Hash, off.Hash) {
		t.Fatalf("a disabled x/resource changed the genesis app hash: %x, %x", without.Hash, off.Hash)
	}
	if bytes.Equal(without.Hash, enabled.Hash) {
		t.Fatal("enabling x/resource left no trace in state")
	}
	for range 12 { // past the enabled chain's first epoch (10 blocks here)
		without.MustBlock()
		off.MustBlock()
		enabled.MustBlock()
	}
	if !bytes.Equal(without.Store.Hash(), off.Store.Hash()) {
		t.Fatal("a disabled x/resource changed a block's app hash")
	}
	doc, _, err := enabled.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	var parts struct {
		Resource resource.Genesis `json:"resource"`
	}
	if err := json.Unmarshal(doc, &parts); err != nil {
		t.Fatal(err)
	}
	if parts.Resource.Params != on.Params {
		t.Fatalf("exported params %+v, want %+v", parts.Resource.Params, on.Params)
	}
	bad := on
	bad.Params.Replicas = 0
	if err := app.ValidateGenesis(withResource(t, &bad)); err == nil {
		t.Fatal("a genesis with replicas 0 validated")
	}
}

// resourceChain is a dev chain with an active CCN linking three CRNs, each
// with a key, and x/resource on: 2 replicas, epochs of 10 blocks answered
// within 5.
func resourceChain(t *testing.T) *apptest.Chain {
	t.Helper()
	return apptest.New(t, resourceDoc(t, nil))
}

// resourceDoc is resourceChain's genesis; pubkey, if set, gives CRN i its
// registered key (nil: no key, so no member of x/resource), else CRN i's
// key is apptest.Key("crn-key-i").
func resourceDoc(t *testing.T, pubkey func(i int) []byte) json.RawMessage {
	t.Helper()
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DevGenesis(), &parts); err != nil {
		t.Fatal(err)
	}
	mg := message.DefaultGenesis()
	mg.Params.StoreAttestBlocks = 3
	bg := balance.DefaultGenesis()
	if err := json.Unmarshal(parts["balance"], &bg); err != nil {
		t.Fatal(err)
	}
	ccnOwner, staker := apptest.Address(apptest.Key("ccn")), apptest.Address(apptest.Key("staker"))
	bg.Balances = append(bg.Balances, balance.Entry{Address: ccnOwner, Amount: "300000000000000000000000"},
		balance.Entry{Address: staker, Amount: "600000000000000000000000"})
	ng := node.DefaultGenesis()
	ccn := &pb.NodeRecord{Hash: "ccn", Kind: pb.NodeKind_NODE_KIND_CORE, Owner: ccnOwner, Multiaddress: "/ip4/10.0.0.1/tcp/4025"}
	for i := range 3 {
		h := fmt.Sprintf("crn-%d", i)
		ccn.ResourceNodes = append(ccn.ResourceNodes, h)
		crn := &pb.NodeRecord{Hash: h, Kind: pb.NodeKind_NODE_KIND_RESOURCE, Owner: staker, Type: "compute", Address: fmt.Sprintf("https://crn%d.example", i)}
		if pubkey != nil {
			crn.Pubkey = pubkey(i)
		} else {
			crn.Pubkey = crypto.CompressPubkey(&apptest.Key(fmt.Sprint("crn-key-", i)).PublicKey)
		}
		b, _ := protojson.Marshal(crn)
		ng.Nodes = append(ng.Nodes, b)
	}
	b, _ := protojson.Marshal(ccn)
	ng.Nodes = append(ng.Nodes, b)
	ng.Stakes = []node.GenesisStake{{Staker: staker, Nodes: []string{"ccn"}}}
	rg := resource.DefaultGenesis()
	rg.Params.Enabled = true
	rg.Params.EpochBlocks, rg.Params.ProofWindowBlocks = 10, 5
	for name, v := range map[string]any{"message": mg, "balance": bg, "node": ng, "resource": rg} {
		parts[name], _ = json.Marshal(v)
	}
	doc, _ := json.Marshal(parts)
	return doc
}

// TestResourceEpochs runs the chain's part end to end, without proofs
// (TestStorageProofTx sends them): a STORE attested in epoch 0 is
// assigned to 2 of the 3 CRNs when epoch 1 opens, each holder draws its 4
// challenges and the third none; at the deadline the unanswered
// challenges fail into the holders' windows (score 0); forgotten, the file
// is released when epoch 2 opens. Every invariant holds after every block.
func TestResourceEpochs(t *testing.T) {
	c := resourceChain(t)
	const file = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
	store := sign(t, apptest.Key("alice"), at(client.Store("TEST", file, "ipfs", 0), "1700000001"))
	c.MustBlock(store)
	c.Attest([]*pb.AttestedFile{ipfsClaim(store, 5<<20)})
	if s := c.Status(store.ItemHash); s != "processed" {
		t.Fatalf("the STORE is %s", s)
	}
	k := resource.NewKeeper(nil, nil)
	kv := c.Store.Working()
	if err := k.LoadParams(kv); err != nil {
		t.Fatal(err)
	}
	for c.Height < 11 { // epoch 1 opens at height 11
		c.MustBlock()
	}
	a, err := k.Assignment(kv, file)
	if err != nil || a == nil || len(a.Nodes) != 2 || a.Size != 5<<20 {
		t.Fatalf("assignment %v, %v", a, err)
	}
	for i := range 3 {
		n := fmt.Sprintf("crn-%d", i)
		ch, err := k.Challenge(kv, 1, n, 0)
		if err != nil {
			t.Fatal(err)
		}
		if holds := slices.Contains(a.Nodes, n); holds != (ch != nil) {
			t.Fatalf("%s holds the file: %v, has a challenge: %v", n, holds, ch)
		}
	}
	// an export with challenges open imports to a chain with the same
	// resource state
	doc, _, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	imported := apptest.New(t, doc)
	got, err := resource.NewKeeper(nil, nil).Export(imported.Store.Working())
	if err != nil {
		t.Fatal(err)
	}
	want, err := k.Export(kv)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := fmt.Sprint(got.Files, got.Members, got.Challenges), fmt.Sprint(want.Files, want.Members, want.Challenges); a != b || len(want.Challenges) != 8 {
		t.Fatalf("imported %s, exported %s", a, b)
	}
	for c.Height < 15 { // the deadline
		c.MustBlock()
	}
	for _, n := range a.Nodes {
		w, err := k.Window(kv, n)
		if err != nil || len(w.Epochs) != 1 || w.Epochs[0].Issued != 4 || w.Epochs[0].Passed != 0 || w.ScoreBps != 0 {
			t.Fatalf("%s: window %v, %v", n, w, err)
		}
	}
	c.MustBlock(sign(t, apptest.Key("alice"), at(client.Forget("TEST", []string{store.ItemHash}, nil, ""), "1700000002")))
	for c.Height < 21 { // epoch 2 opens
		c.MustBlock()
	}
	if a, err := k.Assignment(kv, file); err != nil || a != nil {
		t.Fatalf("a forgotten file is still assigned: %v, %v", a, err)
	}
}

// TestUnprovableFilesNotAssigned: an IPFS STORE whose CID no storage proof
// can walk (a blake2b multihash, or a dag-cbor root: proof.VerifyIPFS
// takes sha2-256 dag-pb and raw blocks only) is processed as any other,
// since validators whose kubo can stat it attest it, but it is not
// assigned: a holder could never prove it and would fail every challenge
// on it, so anyone paying for such a STORE could sink honest nodes'
// scores. A provable CIDv1 stored beside them is assigned.
func TestUnprovableFilesNotAssigned(t *testing.T) {
	c := resourceChain(t)
	provable := "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
	unprovable := []string{
		"bafykbzacediwdvyriwv65rppcwv46bczz3daujzsdyxqvqhpplhfevhvsrchm", // dag-pb, blake2b-256
		"bafk2bzacediwdvyriwv65rppcwv46bczz3daujzsdyxqvqhpplhfevhvsrchm", // raw, blake2b-256
		"bafyreibnoelefnzgwbcacyt4vh52ymxvzbjq7mmqhtcnwarfq4lzegsiqe",    // dag-cbor, sha2-256
	}
	var claims []*pb.AttestedFile
	var stores []*pb.AlephMessage
	for i, file := range append([]string{provable}, unprovable...) {
		m := sign(t, apptest.Key("alice"), at(client.Store("TEST", file, "ipfs", 0), fmt.Sprint(1700000001+i)))
		stores = append(stores, m)
		claims = append(claims, ipfsClaim(m, 5<<20))
	}
	c.MustBlock(stores...)
	c.Attest(claims)
	for _, f := range claims {
		if s := c.Status(f.ItemHash); s != "processed" {
			t.Fatalf("STORE %s is %s", f.ItemHash, s)
		}
	}
	k := resource.NewKeeper(nil, nil)
	kv := c.Store.Working()
	if err := k.LoadParams(kv); err != nil {
		t.Fatal(err)
	}
	for c.Height < 11 { // epoch 1 opens at height 11
		c.MustBlock()
	}
	if a, err := k.Assignment(kv, provable); err != nil || a == nil || len(a.Nodes) != 2 {
		t.Fatalf("%s: assignment %v, %v", provable, a, err)
	}
	for _, file := range unprovable {
		if a, err := k.Assignment(kv, file); err != nil || a != nil {
			t.Fatalf("%s, which no proof can walk, is assigned: %v, %v", file, a, err)
		}
	}
}
