package app_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"math/rand"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// at pins a draft's envelope and content time, so signed bytes are fixed.
func at(d client.Draft, seconds string) client.Draft {
	d.Time = time.Unix(1_700_000_000, 0)
	d.Content["time"] = json.Number(seconds)
	return d
}

func sign(t testing.TB, k *ecdsa.PrivateKey, d client.Draft) *pb.AlephMessage {
	t.Helper()
	m, err := client.Sign(k, d)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// scenario is a fixed history touching every message type and rule: posts
// and amends, aggregates out of order, a delegation, a STORE, FORGETs and a
// few rejections; then payments: an oracle's balance report, a channel
// endorsement paying for another's posts, a report that shrinks it, and
// garbage collection of what it no longer pays for once the grace period
// ends. Meanwhile a module changes the validator set (scenarioUpdates).
func scenario(t testing.TB) [][]*pb.AlephMessage {
	alice, bob := apptest.Key("alice"), apptest.Key("bob")
	post := sign(t, alice, at(client.Post("TEST", "blog", map[string]any{"title": "hello"}, ""), "1700000001"))
	amend1 := sign(t, alice, at(client.Post("TEST", "amend", map[string]any{"title": "hello v2"}, post.ItemHash), "1700000003"))
	amend2 := sign(t, alice, at(client.Post("TEST", "amend", map[string]any{"title": "hello v1.5"}, post.ItemHash), "1700000002"))
	aggLate := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"name": "Alice B.", "age": 31}), "1700000010"))
	aggEarly := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"name": "Alice", "city": "Paris"}), "1700000005"))
	security := sign(t, alice, at(client.Aggregate("TEST", "security", map[string]any{
		"authorizations": []any{map[string]any{"address": apptest.Address(bob), "types": []string{"POST"}, "post_types": []string{"comment"}}},
	}), "1700000006"))
	delegated := client.Post("TEST", "comment", "by bob for alice", "")
	delegated.Content["address"] = apptest.Address(alice)
	byBob := sign(t, bob, at(delegated, "1700000007"))
	store := sign(t, bob, at(client.Store("TEST", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", "ipfs", 6), "1700000008"))
	// Content that is not inline: a POST as the SDKs send large content,
	// attested with its bytes in the next block's record (runBlock).
	large := sign(t, bob, at(client.Post("TEST", "large", map[string]any{"body": strings.Repeat("b", 500)}, ""), "1700000009"))
	scenarioContent[large.ItemHash] = large.ItemContent
	large.ItemType, large.ItemContent = message.ItemStorage, nil
	forgetAmend := sign(t, alice, at(client.Forget("TEST", []string{amend1.ItemHash}, nil, "typo"), "1700000020"))
	forgetOthers := sign(t, bob, at(client.Forget("TEST", []string{post.ItemHash}, nil, ""), "1700000021")) // rejected
	forgetAgg := sign(t, alice, at(client.Forget("TEST", nil, []string{"profile"}, ""), "1700000022"))

	oracle, carol, dave := apptest.Key("oracle"), apptest.Key("carol"), apptest.Key("dave")
	report := func(amount, secs string) *pb.AlephMessage {
		return sign(t, oracle, at(client.BalancesUpdate("BALANCES", "ETH", 1, map[string]string{apptest.Address(carol): amount}), secs))
	}
	endorse := sign(t, carol, at(client.Endorse("ECON", "3"), "1700000031"))
	davePost := func(n int) *pb.AlephMessage {
		return sign(t, dave, at(client.Post("ECON", "note", map[string]any{"n": n}, ""), fmt.Sprint(1700000040+n)))
	}
	nodeOwner, staker := apptest.Key("node-owner"), apptest.Key("staker")
	nodeOp := func(k *ecdsa.PrivateKey, action, ref, secs string) *pb.AlephMessage {
		return sign(t, k, at(client.Post("FOUNDATION", "corechan-operation", map[string]any{"action": action, "tags": []string{action}}, ref), secs))
	}
	createNode := nodeOp(nodeOwner, "create-node", "", "1700000060")
	stake := nodeOp(staker, "stake", createNode.ItemHash, "1700000061")
	return [][]*pb.AlephMessage{
		{post, aggLate, security},
		{amend1, amend2, aggEarly, byBob, store, large},
		{forgetAmend, forgetOthers, post}, // post again: a duplicate
		{forgetAgg},
		{report("5", "1700000030")},
		{endorse},
		{davePost(1), davePost(2), davePost(3)},
		{report("1", "1700000050")}, // the endorsement shrinks to 1: two posts are removing
		{},
		{}, // the grace period (2 blocks) ends: removed
		{createNode},
		{stake},
	}
}

// scenarioGrace is the golden chain's grace period, in blocks.
const scenarioGrace = 2

// scenarioValidators are the golden chain's validators: three keys of 32
// fixed bytes (the app checks no signature of theirs).
func scenarioValidators() []app.Validator {
	var out []app.Validator
	for _, seed := range []string{"v1", "v2", "v3"} {
		pk := sha256.Sum256([]byte(seed))
		out = append(out, app.Validator{Address: app.Ed25519Address(pk[:]), PubKeyType: app.PubKeyEd25519, PubKey: pk[:], Power: 10})
	}
	return out
}

// scenarioUpdates changes the golden chain's validator set: at height 6 v3
// joins with power 5 and v1 leaves; at height 8 v2 goes to power 20.
func scenarioUpdates(b app.Block) []app.Validator {
	v := scenarioValidators()
	switch b.Height {
	case 6:
		v[2].Power = 5
		v[0].Power = 0
		return []app.Validator{v[2], v[0]}
	case 8:
		v[1].Power = 20
		return []app.Validator{v[1]}
	}
	return nil
}

// newScenarioChain is the golden chain at genesis: the dev genesis with
// the oracle, a short grace period, balances for a node owner and a
// staker, v1 and v2 as validators, and a module that makes
// scenarioUpdates.
func newScenarioChain(t testing.TB) *apptest.Chain {
	var g map[string]json.RawMessage
	if err := json.Unmarshal(app.DevGenesis(apptest.Address(apptest.Key("oracle"))), &g); err != nil {
		t.Fatal(err)
	}
	var pay payment.Genesis
	if err := json.Unmarshal(g["payment"], &pay); err != nil {
		t.Fatal(err)
	}
	pay.Params.GraceBlocks = scenarioGrace
	g["payment"], _ = json.Marshal(pay)
	var bal balance.Genesis
	if err := json.Unmarshal(g["balance"], &bal); err != nil {
		t.Fatal(err)
	}
	bal.Balances = append(bal.Balances,
		balance.Entry{Address: apptest.Address(apptest.Key("node-owner")), Amount: "250000000000000000000000"},
		balance.Entry{Address: apptest.Address(apptest.Key("staker")), Amount: "20000000000000000000000"})
	g["balance"], _ = json.Marshal(bal)
	doc, _ := json.Marshal(g)
	changer := app.Module{Name: "validator-changer", EndBlock: func(_ state.KV, b app.Block, out *app.BlockEffects) error {
		out.ValidatorUpdates = append(out.ValidatorUpdates, scenarioUpdates(b)...)
		return nil
	}}
	return apptest.NewWith(t, doc, app.Options{Modules: []app.Module{changer}},
		app.ChainInfo{ChainID: "golden", Validators: scenarioValidators()[:2], VoteExtensionsFrom: 1})
}

func run(t testing.TB, blocks [][]*pb.AlephMessage) *apptest.Chain {
	c := newScenarioChain(t)
	for i := range blocks {
		runBlock(c, blocks, i)
	}
	return c
}

// scenarioContent holds the content of the scenario's non-inline
// messages, by item_hash.
var scenarioContent = map[string][]byte{}

// runBlock runs block i of a scenario. A STORE's file is attested, at its
// declared size, first thing in the next block, as the proposer would put
// it there once validators fetched the file; a non-inline message's
// content likewise, with its bytes.
func runBlock(c *apptest.Chain, blocks [][]*pb.AlephMessage, i int) []app.TxResult {
	var files []*pb.AttestedFile
	if i > 0 {
		for _, m := range blocks[i-1] {
			if b, ok := scenarioContent[m.ItemHash]; ok && !message.Inline(m) {
				sum := sha256.Sum256(b)
				files = append(files, &pb.AttestedFile{ItemHash: m.ItemHash, Size: uint64(len(b)), Sha256: sum[:], Content: b})
				continue
			}
			if m.Type == message.TypeStore {
				var content struct{ Size uint64 }
				if err := json.Unmarshal(m.ItemContent, &content); err != nil {
					c.T.Fatal(err)
				}
				files = append(files, apptest.File(m, content.Size))
			}
		}
	}
	if len(files) == 0 {
		return c.Block(blocks[i]...)
	}
	return c.Attest(files, blocks[i]...)[1:]
}

// goldenAppHash pins the app hash of scenario. It changes only when the
// state machine changes on purpose: say why in the commit that updates it.
const goldenAppHash = "d35269cd808bf6a6c370dcc6ec989884421a0b1e67231e57537b63df14c14f3d"

// TestGoldenAppHash guards against accidental consensus changes.
func TestGoldenAppHash(t *testing.T) {
	c := run(t, scenario(t))
	got := hex.EncodeToString(c.Hash)
	if got != goldenAppHash {
		t.Fatalf("app hash changed:\n got  %s\n want %s\nIf the state machine changed on purpose, update goldenAppHash and say why in the commit.", got, goldenAppHash)
	}
}

// TestScenarioOutcomes checks what the golden scenario does, so the pinned
// hash stands for known-good behaviour.
func TestScenarioOutcomes(t *testing.T) {
	blocks := scenario(t)
	c := newScenarioChain(t)
	codes := func(rs []app.TxResult) string {
		s := ""
		for _, r := range rs {
			s += fmt.Sprintf("%s/%d ", r.Codespace, r.Code)
		}
		return s
	}
	want := []string{"/0 /0 /0 ", "/0 /0 /0 /0 /0 /0 ", fmt.Sprintf("/0 message/%d message/%d ", message.ErrForgetNotAllowed.Code, message.ErrDuplicate.Code), "/0 ",
		"/0 ", "/0 ", "/0 /0 /0 ", "/0 ", "", "", "/0 ", "/0 "}
	var results [][]app.TxResult
	var gcEnd []message.StatusChange
	for i := range blocks {
		rs := runBlock(c, blocks, i)
		if got := codes(rs); got != want[i] {
			t.Fatalf("block %d codes = %q, want %q (%v)", i+1, got, want[i], c.Results)
		}
		results = append(results, rs)
		if c.Height == 10 {
			gcEnd = c.EndBlock
		}
		if c.Height == 6 { // the first change: v3 joins, v1 leaves, from 8
			v := scenarioValidators()
			before := map[string]int64{fmt.Sprintf("%X", v[0].Address): 10, fmt.Sprintf("%X", v[1].Address): 10}
			after := map[string]int64{fmt.Sprintf("%X", v[1].Address): 10, fmt.Sprintf("%X", v[2].Address): 5}
			if got := validatorPowers(t, c, 7); !maps.Equal(got, before) {
				t.Errorf("validators of height 7: %v, want %v", got, before)
			}
			if got := validatorPowers(t, c, 8); !maps.Equal(got, after) || len(c.ValidatorUpdates) != 2 {
				t.Errorf("validators of height 8: %v, want %v; updates returned: %v", got, after, c.ValidatorUpdates)
			}
		}
	}
	// The FORGETs report what they forgot: one amend; both profile elements.
	if f := results[2][0].Forgotten; len(f) != 1 || f[0] != blocks[1][0].ItemHash {
		t.Fatalf("forgetting the amend reported %v", f)
	}
	if f := results[3][0].Forgotten; len(f) != 2 || (f[0] != blocks[0][1].ItemHash && f[1] != blocks[0][1].ItemHash) {
		t.Fatalf("forgetting the profile aggregate reported %v", f)
	}
	// The non-inline POST was processed with the bytes its record carried.
	if large := blocks[1][5]; c.Status(large.ItemHash) != "processed" {
		t.Fatalf("the attested non-inline POST is %s", c.Status(large.ItemHash))
	}
	post := blocks[0][0].ItemHash
	res, err := c.App.Query(app.PathPost, []byte(post), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var view app.PostView
	if err := json.Unmarshal(res.Value, &view); err != nil {
		t.Fatal(err)
	}
	// amend1 (latest by time) was forgotten, so amend2 is the latest.
	if view.LatestAmend != blocks[1][1].ItemHash || !bytes.Contains(view.Content, []byte("hello v1.5")) {
		t.Fatalf("post view after forgetting the latest amend: %+v %s", view, view.Content)
	}
	res, _ = c.App.Query(app.PathAggregates, []byte(apptest.Address(apptest.Key("alice"))), 0, false)
	if bytes.Contains(res.Value, []byte("profile")) || !bytes.Contains(res.Value, []byte("security")) {
		t.Fatalf("aggregates after forgetting profile: %s", res.Value)
	}
	// The STORE waited for attestation, then was charged its file's size.
	store := blocks[1][4]
	if got := c.Status(store.ItemHash); got != "processed" {
		t.Fatalf("the attested STORE is %s", got)
	}
	// The endorsement shrank with carol's balance: of dave's posts it paid
	// for, the newest two went to removing, and were removed when the grace
	// period ended, at the end of the last block.
	dave := blocks[6]
	for i, want := range []string{"processed", "removed", "removed"} {
		if got := c.Status(dave[i].ItemHash); got != want {
			t.Errorf("dave's post %d is %s, want %s", i+1, got, want)
		}
	}
	if len(gcEnd) != 2 || gcEnd[0].Status != "removed" {
		t.Errorf("block 10's removals: %+v", gcEnd)
	}
	// The node owner's CCN holds the staker's whole balance.
	res, err = c.App.Query(app.PathNode, []byte(blocks[10][0].ItemHash), 0, false)
	if err != nil || res.Value == nil {
		t.Fatalf("the created node: %v", err)
	}
	var n pb.NodeRecord
	if err := proto.Unmarshal(res.Value, &n); err != nil || balance.Format(new(big.Int).SetBytes(n.TotalStaked)) != "20000" {
		t.Errorf("the created node: %v, total staked %s", err, new(big.Int).SetBytes(n.TotalStaked))
	}
	// The validator set changed at heights 6 and 8, each from two heights
	// on; a set no check can ask for any more was pruned.
	if got := validatorPowers(t, c, 7); len(got) != 0 {
		t.Errorf("the set of height 7, replaced at 8, is still kept: %v", got)
	}
	v := scenarioValidators()
	wantSet := map[string]int64{fmt.Sprintf("%X", v[1].Address): 20, fmt.Sprintf("%X", v[2].Address): 5}
	for _, h := range []int64{10, 11} {
		if got := validatorPowers(t, c, h); !maps.Equal(got, wantSet) {
			t.Errorf("validators of height %d: %v, want %v", h, got, wantSet)
		}
	}
}

// validatorPowers is the set that signs height h, by address, in c's
// committed state.
func validatorPowers(t *testing.T, c *apptest.Chain, h int64) map[string]int64 {
	t.Helper()
	ci, err := c.App.ChainInfo(h)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, v := range ci.Validators {
		out[fmt.Sprintf("%X", v.Address)] = v.Power
	}
	return out
}

// TestDeterminism runs the same history in two fresh apps and compares the
// app hash after every block.
func TestDeterminism(t *testing.T) {
	blocks := scenario(t)
	a, b := newScenarioChain(t), newScenarioChain(t)
	for i := range blocks {
		runBlock(a, blocks, i)
		runBlock(b, blocks, i)
		if !bytes.Equal(a.Hash, b.Hash) {
			t.Fatalf("block %d: app hashes differ: %X vs %X", i+1, a.Hash, b.Hash)
		}
	}
}

// TestAggregateArrivalOrder merges the same elements in shuffled orders and
// across blocks; the aggregate must come out the same every time.
func TestAggregateArrivalOrder(t *testing.T) {
	k := apptest.Key("carol")
	var elems []*pb.AlephMessage
	for i := 0; i < 12; i++ {
		obj := map[string]any{fmt.Sprintf("k%d", i%4): i, "shared": i}
		// two elements share a time: item_hash breaks the tie
		elems = append(elems, sign(t, k, at(client.Aggregate("TEST", "prefs", obj), fmt.Sprintf("17000000%02d", i/2*2))))
	}
	var want []byte
	for seed := int64(0); seed < 20; seed++ {
		order := append([]*pb.AlephMessage(nil), elems...)
		rand.New(rand.NewSource(seed)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		c := apptest.New(t, nil)
		for len(order) > 0 { // uneven blocks of 1 to 3
			n := 1 + int(seed+int64(len(order)))%3
			if n > len(order) {
				n = len(order)
			}
			c.MustBlock(order[:n]...)
			order = order[n:]
		}
		data, _ := json.Marshal(app.AggregateArgs{Address: apptest.Address(k), Key: "prefs"})
		res, err := c.App.Query(app.PathAggregate, data, 0, false)
		if err != nil || res.Value == nil {
			t.Fatalf("seed %d: aggregate missing: %v", seed, err)
		}
		if want == nil {
			want = res.Value
		} else if !bytes.Equal(res.Value, want) {
			t.Fatalf("seed %d: aggregate record differs from seed 0's", seed)
		}
	}
}

// TestExportImport exports the scenario's state and starts a new chain
// from it: every message, aggregate and post reads back the same.
func TestExportImport(t *testing.T) {
	blocks := scenario(t)
	c := run(t, blocks)
	exported, height, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	if height != int64(len(blocks)) {
		t.Fatalf("exported height %d", height)
	}
	d := apptest.New(t, exported)
	d.Block() // commit the imported state
	again, _, err := d.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(exported, again) {
		t.Fatalf("export of the imported chain differs:\n%s\nvs\n%s", exported, again)
	}
	alice := apptest.Address(apptest.Key("alice"))
	for _, q := range []struct {
		path string
		data string
	}{{app.PathPost, blocks[0][0].ItemHash}, {app.PathAggregates, alice}, {app.PathMessage, blocks[1][4].ItemHash}} {
		r1, _ := c.App.Query(q.path, []byte(q.data), 0, false)
		r2, _ := d.App.Query(q.path, []byte(q.data), 0, false)
		if r1.Value == nil || !bytes.Equal(r1.Value, r2.Value) {
			t.Errorf("%s %s: original %s, imported %s", q.path, q.data, r1.Value, r2.Value)
		}
	}
}

// TestCheckTxMempoolView lets a post and its amend wait in the mempool
// together, and refuses a duplicate already in the mempool.
func TestCheckTxMempoolView(t *testing.T) {
	c := apptest.New(t, nil)
	c.Block()
	k := apptest.Key("dave")
	post := sign(t, k, at(client.Post("TEST", "note", "v1", ""), "1700000001"))
	amend := sign(t, k, at(client.Post("TEST", "amend", "v2", post.ItemHash), "1700000002"))
	verify := func(m *pb.AlephMessage) app.SignatureCheck { return func() error { return message.VerifySignature(m) } }
	for _, m := range []*pb.AlephMessage{post, amend} {
		if r := c.App.CheckTx(c.App.Parse(app.EncodeTx(m)), verify(m)); r.Code != 0 {
			t.Fatalf("CheckTx %s: %s", m.ItemHash, r.Log)
		}
	}
	if r := c.App.CheckTx(c.App.Parse(app.EncodeTx(post)), verify(post)); r.Code != message.ErrDuplicate.Code {
		t.Fatalf("duplicate in mempool: code %d %s", r.Code, r.Log)
	}
	c.MustBlock(post, amend)
	// After the commit the mempool view restarts from committed state.
	if r := c.App.CheckTx(c.App.Parse(app.EncodeTx(amend)), verify(amend)); r.Code != message.ErrDuplicate.Code {
		t.Fatalf("committed amend re-checked: code %d %s", r.Code, r.Log)
	}
}

// TestRejectionLeavesStateUntouched: bad input of every kind is refused with
// a registered code and the app hash of the block is that of an empty block.
func TestRejectionLeavesStateUntouched(t *testing.T) {
	k := apptest.Key("eve")
	good := sign(t, k, at(client.Post("TEST", "note", "x", ""), "1700000001"))
	badSig := sign(t, k, at(client.Post("TEST", "note", "y", ""), "1700000001"))
	badSig.Signature = good.Signature
	badHash := sign(t, k, at(client.Post("TEST", "note", "z", ""), "1700000001"))
	badHash.ItemContent = append([]byte(nil), good.ItemContent...)
	unknown := sign(t, k, at(client.Post("TEST", "note", "w", ""), "1700000001"))
	unknown.Type = "NOPE"
	txs := [][]byte{[]byte("not a protobuf"), {}, app.EncodeTx(badSig), app.EncodeTx(badHash), app.EncodeTx(unknown)}

	empty := apptest.New(t, nil)
	empty.BlockTxs()
	c := apptest.New(t, nil)
	for i, r := range c.BlockTxs(txs...) {
		if r.Code == 0 || r.Codespace != message.Codespace || r.Log == "" {
			t.Errorf("tx %d: want a registered rejection with a log, got %+v", i, r)
		}
	}
	if !bytes.Equal(c.Hash, empty.Hash) {
		t.Fatalf("rejected txs changed the state: %X vs empty block %X", c.Hash, empty.Hash)
	}
}

// TestInvariantsCatchCorruption makes sure the invariants the harness checks
// after every block can fail: a tampered aggregate record is caught.
func TestInvariantsCatchCorruption(t *testing.T) {
	c := run(t, scenario(t))
	if err := c.App.Invariants(); err != nil {
		t.Fatalf("clean state: %v", err)
	}
	alice := apptest.Address(apptest.Key("alice"))
	key := message.AggregateStoreKey(alice, message.SecurityKey)
	if err := c.Store.Working().Set(key, []byte{0x0a, 0x02, '{', '}'}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Store.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := c.App.Invariants(); err == nil {
		t.Fatal("a tampered aggregate passed the invariants")
	}
}
