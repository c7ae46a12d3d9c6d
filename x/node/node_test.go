package node_test

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
)

var (
	oracle = apptest.Key("node-oracle")
	alice  = apptest.Key("node-alice") // 250,000: may run a CCN
	bob    = apptest.Key("node-bob")   // 250,000: may run a CCN
	carol  = apptest.Key("node-carol") // 30,000: may stake
	dave   = apptest.Key("node-dave")  // 12,000: may stake
	erin   = apptest.Key("node-erin")  // 5,000: may do neither
	frank  = apptest.Key("node-frank") // 250,000: may run a CCN
	greta  = apptest.Key("node-greta") // 30,000: may stake
)

// chain is an app whose genesis gives the accounts above their balances,
// with an oracle to move them.
type chain struct {
	*apptest.Chain
	t     *testing.T
	clock int
}

func newChain(t *testing.T) *chain { return newChainWith(t, nil, app.ChainInfo{}) }

// newChainWith is newChain with the node params edited and the chain info
// given (a chain id makes InitChain keep a validator set).
func newChainWith(t *testing.T, edit func(*node.Genesis), ci app.ChainInfo) *chain {
	t.Helper()
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DefaultGenesis(), &parts); err != nil {
		t.Fatal(err)
	}
	bal := balance.DefaultGenesis()
	bal.Params.Oracles = []string{apptest.Address(oracle)}
	for _, e := range []struct {
		k     *ecdsa.PrivateKey
		whole int64
	}{{alice, 250_000}, {bob, 250_000}, {carol, 30_000}, {dave, 12_000}, {erin, 5_000}, {frank, 250_000}, {greta, 30_000}} {
		// On the ETH source, so that the oracle's reports replace them.
		bal.Balances = append(bal.Balances, balance.Entry{Address: apptest.Address(e.k), Amount: fmt.Sprint(e.whole) + "000000000000000000", Source: "ETH"})
	}
	parts["balance"], _ = json.Marshal(bal)
	if edit != nil {
		g := node.DefaultGenesis()
		edit(&g)
		parts["node"], _ = json.Marshal(g)
	}
	doc, _ := json.Marshal(parts)
	return &chain{Chain: apptest.NewWith(t, doc, app.Options{}, ci), t: t}
}

// op signs a node operation as the Aleph account page sends it.
func (c *chain) op(k *ecdsa.PrivateKey, action, ref string, details map[string]any) *pb.AlephMessage {
	c.t.Helper()
	content := map[string]any{"action": action, "tags": []string{action, "mainnet"}}
	if details != nil {
		content["details"] = details
	}
	d := client.Post("FOUNDATION", "corechan-operation", content, ref)
	c.clock++
	d.Time = apptest.GenesisTime.Add(time.Duration(c.clock) * time.Millisecond)
	m, err := client.Sign(k, d)
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

// do runs one operation in a block and returns its result.
func (c *chain) do(k *ecdsa.PrivateKey, action, ref string, details map[string]any) app.TxResult {
	c.t.Helper()
	return c.Block(c.op(k, action, ref, details))[0]
}

// must runs one operation and fails the test unless it is accepted; it
// returns the operation's hash (a created node's).
func (c *chain) must(k *ecdsa.PrivateKey, action, ref string, details map[string]any) string {
	c.t.Helper()
	r := c.do(k, action, ref, details)
	if r.Code != 0 {
		c.t.Fatalf("%s by %s: %s", action, apptest.Address(k), r.Log)
	}
	return r.ItemHash
}

// refused runs one operation and fails the test unless it is refused with
// want, saying words.
func (c *chain) refused(k *ecdsa.PrivateKey, action, ref string, details map[string]any, want *errs.Error, words string) {
	c.t.Helper()
	r := c.do(k, action, ref, details)
	if r.Codespace != want.Codespace || r.Code != want.Code || !strings.Contains(r.Log, words) {
		c.t.Fatalf("%s by %s: %s/%d %q; want %s/%d saying %q", action, apptest.Address(k), r.Codespace, r.Code, r.Log, want.Codespace, want.Code, words)
	}
}

// node reads a node from the committed state with its proof-carrying query.
func (c *chain) node(hash string) *pb.NodeRecord {
	c.t.Helper()
	res, err := c.App.Query(app.PathNode, []byte(hash), 0, true)
	if err != nil {
		c.t.Fatal(err)
	}
	if res.Value == nil {
		return nil
	}
	n := new(pb.NodeRecord)
	if err := unmarshal(res.Value, n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

func (c *chain) total(hash string) string {
	c.t.Helper()
	n := c.node(hash)
	if n == nil {
		c.t.Fatalf("node %s is gone", hash)
	}
	return balance.Format(new(big.Int).SetBytes(n.TotalStaked))
}

// report makes the oracle set balances, in whole ALEPH.
func (c *chain) report(height uint64, balances map[*ecdsa.PrivateKey]string) {
	c.t.Helper()
	b := map[string]string{}
	for k, v := range balances {
		b[apptest.Address(k)] = v
	}
	d := client.BalancesUpdate("BALANCES", "ETH", height, b)
	c.clock++
	d.Time = apptest.GenesisTime.Add(time.Duration(c.clock) * time.Millisecond)
	m, err := client.Sign(oracle, d)
	if err != nil {
		c.t.Fatal(err)
	}
	c.MustBlock(m)
}

func TestCreateNode(t *testing.T) {
	c := newChain(t)
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	ccn := c.must(alice, node.ActionCreateNode, "", map[string]any{
		"name": "alice's node", "multiaddress": "/ip4/10.0.0.1/tcp/4025/p2p/QmA", "consensus_pubkey": key,
	})
	n := c.node(ccn)
	if n == nil || n.Kind != pb.NodeKind_NODE_KIND_CORE || n.Name != "alice's node" || n.Multiaddress == "" || len(n.ConsensusPubkey) != 32 ||
		!strings.EqualFold(n.Owner, apptest.Address(alice)) || !strings.EqualFold(n.Reward, apptest.Address(alice)) {
		t.Fatalf("created node: %+v", n)
	}
	c.refused(alice, node.ActionCreateNode, "", nil, node.ErrHasNode, "one per address")
	c.refused(erin, node.ActionCreateNode, "", nil, node.ErrBalance, "it needs 200000")
	c.refused(bob, node.ActionCreateNode, "", map[string]any{"consensus_pubkey": "short"}, node.ErrOperation, "32 bytes")
	c.refused(bob, "create-everything", "", nil, node.ErrOperation, "unknown action")
	// Another node on the same host keeps its record, without the address.
	dup := c.must(bob, node.ActionCreateNode, "", map[string]any{"multiaddress": "/ip4/10.0.0.1/tcp/4026/p2p/QmB"})
	if got := c.node(dup).Multiaddress; got != "" {
		t.Fatalf("a duplicate host was stored: %q", got)
	}
	// An operation on another channel is an ordinary post, and costs the
	// sender's quota like one: erin has 5,000 ALEPH of personal storage.
	d := client.Post("ELSEWHERE", "corechan-operation", map[string]any{"action": node.ActionCreateNode}, "")
	d.Time = apptest.GenesisTime
	m, _ := client.Sign(erin, d)
	if r := c.Block(m)[0]; r.Code != 0 {
		t.Fatalf("a corechan-operation post elsewhere: %s", r.Log)
	}
}

func TestStakes(t *testing.T) {
	c := newChain(t)
	a := c.must(alice, node.ActionCreateNode, "", nil)
	b := c.must(bob, node.ActionCreateNode, "", map[string]any{"locked": true, "authorized": []string{apptest.Address(dave)}})

	c.must(carol, node.ActionStake, a, nil)
	if got := c.total(a); got != "30000" {
		t.Fatalf("carol's whole balance stakes a: %s", got)
	}
	c.refused(carol, node.ActionStakeSplit, b, nil, node.ErrStake, "locked")
	c.must(dave, node.ActionStakeSplit, b, nil) // authorized
	c.must(dave, node.ActionStakeSplit, a, nil)
	if ga, gb := c.total(a), c.total(b); ga != "36000" || gb != "6000" {
		t.Fatalf("dave's 12,000 split over two nodes: a %s, b %s", ga, gb)
	}
	c.refused(dave, node.ActionStakeSplit, a, nil, node.ErrStake, "already stakes")
	c.refused(alice, node.ActionStake, b, nil, node.ErrStake, "owner cannot stake")
	c.refused(erin, node.ActionStake, a, nil, node.ErrBalance, "it needs 10000")
	c.refused(carol, node.ActionUnstake, b, nil, node.ErrUnknownStake, "does not stake")
	c.refused(carol, node.ActionStake, "nothing", nil, node.ErrUnknownNode, "not a registered core channel node")
	// stake replaces: dave now stakes only b, with all of it.
	c.must(dave, node.ActionStake, b, nil)
	if ga, gb := c.total(a), c.total(b); ga != "30000" || gb != "12000" {
		t.Fatalf("after dave's stake replaced his split: a %s, b %s", ga, gb)
	}
	c.must(dave, node.ActionUnstake, b, nil)
	if gb := c.total(b); gb != "0" {
		t.Fatalf("after dave unstaked: b %s", gb)
	}
	// The views: a node with its stakers, an address's stakes, the whole
	// registry in the corechannel aggregate's shape.
	var view node.CoreNodeView
	c.query(app.PathNodeView, a, &view)
	if view.Status != node.StatusWaiting || view.TotalStaked != "30000" || view.Stakers[strings.ToLower(apptest.Address(carol))] != "30000" {
		t.Fatalf("node view: %+v", view)
	}
	var stakes node.StakesView
	c.query(app.PathStakes, apptest.Address(carol), &stakes)
	if stakes.Share != "30000" || len(stakes.Stakes) != 1 || stakes.Stakes[a] != "30000" {
		t.Fatalf("carol's stakes: %+v", stakes)
	}
	var reg node.CoreChannel
	c.query(app.PathNodes, "", &reg)
	if len(reg.Nodes) != 2 || len(reg.ResourceNodes) != 0 {
		t.Fatalf("registry: %+v", reg)
	}
}

// query answers path for data from the committed state into v.
func (c *chain) query(path, data string, v any) {
	c.t.Helper()
	res, err := c.App.Query(path, []byte(data), 0, false)
	if err == nil {
		err = json.Unmarshal(res.Value, v)
	}
	if err != nil {
		c.t.Fatalf("query %s %s: %v", path, data, err)
	}
}

func TestBalanceMovesStakesAndNodes(t *testing.T) {
	c := newChain(t)
	a := c.must(alice, node.ActionCreateNode, "", nil)
	b := c.must(bob, node.ActionCreateNode, "", nil)
	crn := c.must(erin, node.ActionCreateResourceNode, "", map[string]any{"type": "compute", "address": "https://crn.example"})
	c.must(alice, node.ActionLink, crn, nil)
	c.must(carol, node.ActionStakeSplit, a, nil)
	c.must(carol, node.ActionStakeSplit, b, nil)
	c.must(dave, node.ActionStake, a, nil)
	if ga, gb := c.total(a), c.total(b); ga != "27000" || gb != "15000" {
		t.Fatalf("totals: a %s, b %s", ga, gb)
	}
	// carol's balance rises: both her shares follow.
	c.report(1, map[*ecdsa.PrivateKey]string{carol: "40000"})
	if ga, gb := c.total(a), c.total(b); ga != "32000" || gb != "20000" {
		t.Fatalf("after carol's balance rose: a %s, b %s", ga, gb)
	}
	// dave falls below the staking threshold: his stake ends.
	c.report(2, map[*ecdsa.PrivateKey]string{dave: "9999"})
	if got := c.total(a); got != "20000" {
		t.Fatalf("after dave fell below the threshold: %s", got)
	}
	if s := c.stakes(dave); s != nil {
		t.Fatalf("dave still stakes: %v", s.Nodes)
	}
	// alice falls below the node threshold: her node goes, carol's stake on
	// it ends (her whole balance moves to b), erin's CRN is unlinked.
	c.report(3, map[*ecdsa.PrivateKey]string{alice: "199999"})
	if c.node(a) != nil {
		t.Fatal("alice's node survived her balance")
	}
	if got := c.total(b); got != "40000" {
		t.Fatalf("carol's stake after a's removal: b %s", got)
	}
	if p := c.node(crn).Parent; p != "" {
		t.Fatalf("the CRN is still linked to %s", p)
	}
	// alice may stake now that she runs no node, once funded again.
	c.report(4, map[*ecdsa.PrivateKey]string{alice: "10000"})
	c.must(alice, node.ActionStake, b, nil)
}

func TestLinks(t *testing.T) {
	c := newChain(t)
	a := c.must(alice, node.ActionCreateNode, "", nil)
	b := c.must(bob, node.ActionCreateNode, "", nil)
	var crns []string
	for i := range 9 {
		crns = append(crns, c.must(erin, node.ActionCreateResourceNode, "", map[string]any{"type": "compute", "address": fmt.Sprintf("https://crn%d.example", i)}))
	}
	c.refused(erin, node.ActionCreateResourceNode, "", map[string]any{"address": "https://x.example"}, node.ErrOperation, "details.type")
	dupURL := c.must(dave, node.ActionCreateResourceNode, "", map[string]any{"type": "compute", "address": "https://CRN0.example:443/"})
	if got := c.node(dupURL).Address; got != "" {
		t.Fatalf("a CRN on a taken host kept its address %q", got)
	}
	c.refused(carol, node.ActionLink, crns[0], nil, node.ErrLink, "runs no core channel node")
	for _, h := range crns[:8] {
		c.must(alice, node.ActionLink, h, nil)
	}
	c.refused(alice, node.ActionLink, crns[8], nil, node.ErrLink, "already has 8")
	c.refused(bob, node.ActionLink, crns[0], nil, node.ErrLink, "already linked")
	c.refused(bob, node.ActionLink, a, nil, node.ErrUnknownNode, "not a registered resource node")
	c.refused(bob, node.ActionUnlink, crns[0], nil, node.ErrNotOwner, "owns neither")
	c.must(erin, node.ActionUnlink, crns[0], nil)  // the CRN's owner
	c.must(alice, node.ActionUnlink, crns[1], nil) // the parent's owner
	c.must(bob, node.ActionLink, crns[0], nil)
	if got := c.node(a).ResourceNodes; len(got) != 6 || got[0] != crns[2] {
		t.Fatalf("a's links after two unlinks: %v", got)
	}
	// Dropping a CRN detaches it; dropping a CCN unlinks its CRNs.
	c.refused(bob, node.ActionDropNode, crns[2], nil, node.ErrNotOwner, "does not own")
	c.must(erin, node.ActionDropNode, crns[2], nil)
	if c.node(crns[2]) != nil || len(c.node(a).ResourceNodes) != 5 {
		t.Fatal("a dropped CRN is still registered or linked")
	}
	c.must(carol, node.ActionStake, a, nil)
	c.must(alice, node.ActionDropNode, a, nil)
	if c.node(a) != nil || c.node(crns[3]).Parent != "" || c.stakes(carol) != nil {
		t.Fatal("a dropped CCN left its record, a link or a stake")
	}
	// The host a dropped CRN held is free again.
	again := c.must(dave, node.ActionCreateResourceNode, "", map[string]any{"type": "compute", "address": "https://crn2.example"})
	if c.node(again).Address == "" {
		t.Fatal("a dropped CRN's host stayed taken")
	}
	_ = b
}

func TestActivation(t *testing.T) {
	c := newChain(t)
	a := c.must(alice, node.ActionCreateNode, "", nil)
	c.must(carol, node.ActionStake, a, nil)
	keeper := node.NewKeeper(balance.Keeper{})
	snap, _ := c.Store.At(0)
	if err := keeper.LoadParams(snap); err != nil {
		t.Fatal(err)
	}
	if keeper.Active(c.node(a)) {
		t.Fatal("active at 30,000 of 500,000")
	}
	c.report(1, map[*ecdsa.PrivateKey]string{carol: "500000"})
	if !keeper.Active(c.node(a)) {
		t.Fatalf("not active at %s", c.total(a))
	}
}

func (c *chain) stakes(k *ecdsa.PrivateKey) *pb.StakerRecord {
	c.t.Helper()
	snap, err := c.Store.At(0)
	if err != nil {
		c.t.Fatal(err)
	}
	s, err := node.NewKeeper(balance.Keeper{}).Stakes(snap, apptest.Address(k))
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

func unmarshal(b []byte, m proto.Message) error { return proto.Unmarshal(b, m) }

// amend signs an edit of node ref as the account page sends it.
func (c *chain) amend(k *ecdsa.PrivateKey, ref string, details map[string]any) app.TxResult {
	c.t.Helper()
	d := client.Post("FOUNDATION", "amend", map[string]any{"details": details}, ref)
	c.clock++
	d.Time = apptest.GenesisTime.Add(time.Duration(c.clock) * time.Millisecond)
	m, err := client.Sign(k, d)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.Block(m)[0]
}

// TestAmendNodes: the owner edits a node's fields with an amend; a field
// left out keeps its value; a taken host is stored empty, a taken
// consensus key refused; nobody else may edit it.
func TestAmendNodes(t *testing.T) {
	c := newChain(t)
	a := c.must(alice, node.ActionCreateNode, "", map[string]any{"name": "a", "multiaddress": "/ip4/10.0.0.1/tcp/4025", "description": "first"})
	b := c.must(bob, node.ActionCreateNode, "", map[string]any{"multiaddress": "/ip4/10.0.0.2/tcp/4025", "consensus_pubkey": base64.StdEncoding.EncodeToString(make([]byte, 32))})
	crn := c.must(erin, node.ActionCreateResourceNode, "", map[string]any{"type": "compute", "address": "https://one.example"})

	if r := c.amend(alice, a, map[string]any{"name": "renamed", "locked": true, "authorized": []string{apptest.Address(carol)}}); r.Code != 0 {
		t.Fatalf("the owner's edit: %s", r.Log)
	}
	n := c.node(a)
	if n.Name != "renamed" || !n.Locked || len(n.Authorized) != 1 || n.Description != "first" || n.Multiaddress == "" {
		t.Fatalf("after the edit: %+v", n)
	}
	c.must(carol, node.ActionStake, a, nil) // authorized on the locked node
	// Moving to b's host stores no multiaddress; the old host is free again.
	if r := c.amend(alice, a, map[string]any{"multiaddress": "/ip4/10.0.0.2/tcp/9"}); r.Code != 0 || c.node(a).Multiaddress != "" {
		t.Fatalf("an edit to a taken host: %s, %q", r.Log, c.node(a).Multiaddress)
	}
	if r := c.amend(bob, b, map[string]any{"multiaddress": "/ip4/10.0.0.1/tcp/1"}); r.Code != 0 || c.node(b).Multiaddress == "" {
		t.Fatalf("an edit to the host a left: %s, %q", r.Log, c.node(b).Multiaddress)
	}
	if r := c.amend(alice, a, map[string]any{"consensus_pubkey": base64.StdEncoding.EncodeToString(make([]byte, 32))}); r.Codespace != node.Codespace || r.Code != node.ErrOperation.Code {
		t.Fatalf("an edit to b's consensus key: %s/%d %s", r.Codespace, r.Code, r.Log)
	}
	if r := c.amend(bob, a, map[string]any{"name": "mine"}); r.Code == 0 || c.node(a).Name != "renamed" {
		t.Fatalf("someone else's edit: %+v", r)
	}
	if r := c.amend(erin, crn, map[string]any{"address": "https://two.example", "name": "crn"}); r.Code != 0 || c.node(crn).Address != "https://two.example" {
		t.Fatalf("a CRN's edit: %s", r.Log)
	}
}
