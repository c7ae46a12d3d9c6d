package node_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/node"
)

// consensusKey is a fixed 32-byte key for seed (the app checks no
// signature of it here).
func consensusKey(seed string) []byte {
	k := sha256.Sum256([]byte(seed))
	return k[:]
}

func keyDetail(seed string) map[string]any {
	return map[string]any{"consensus_pubkey": base64.StdEncoding.EncodeToString(consensusKey(seed))}
}

// smallStakes scales the thresholds to the test's balances: a node is
// active at 20,000 staked, the set holds two validators, and epochs are 3
// blocks long.
func smallStakes(g *node.Genesis) {
	g.Params.ActivationThreshold, g.Params.MaxValidators, g.Params.EpochBlocks = 20_000, 2, 3
}

var genesisValidator = app.Validator{Address: app.Ed25519Address(consensusKey("genesis")), PubKeyType: app.PubKeyEd25519, PubKey: consensusKey("genesis"), Power: 10}

// powers is the set that signs height h, by consensus key seed.
func powers(t *testing.T, c *chain, h int64, seeds ...string) map[string]int64 {
	t.Helper()
	ci, err := c.App.ChainInfo(h)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, v := range ci.Validators {
		name := "?"
		for _, s := range append(seeds, "genesis") {
			if bytes.Equal(v.PubKey, consensusKey(s)) {
				name = s
			}
		}
		out[name] = v.Power
	}
	return out
}

// TestValidatorsFollowStake: until a CCN qualifies the genesis set stands;
// at each epoch's end the set becomes the top active CCNs with a key, by
// stake (ties by hash), power in whole ALEPH, from two heights on.
func TestValidatorsFollowStake(t *testing.T) {
	c := newChainWith(t, smallStakes, app.ChainInfo{ChainID: "stake", Validators: []app.Validator{genesisValidator}, VoteExtensionsFrom: 1})
	a := c.must(alice, node.ActionCreateNode, "", keyDetail("a")) // 1
	b := c.must(bob, node.ActionCreateNode, "", keyDetail("b"))   // 2
	c.MustBlock()                                                 // 3: an epoch ends, nobody qualifies
	if len(c.ValidatorUpdates) != 0 {
		t.Fatalf("an epoch without a qualified CCN changed the set: %v", c.ValidatorUpdates)
	}
	c.must(carol, node.ActionStake, a, nil) // 4: a has 30,000
	c.must(dave, node.ActionStake, b, nil)  // 5: b has 12,000, below activation
	c.MustBlock()                           // 6: epoch end
	if got := powers(t, c, 8, "a", "b"); len(got) != 1 || got["a"] != 30_000 {
		t.Fatalf("the set from 8 on: %v; want a alone, power 30000", got)
	}
	if got := powers(t, c, 7, "a", "b"); got["genesis"] != 10 {
		t.Fatalf("the set of 7 changed early: %v", got)
	}
	c.report(1, map[*ecdsa.PrivateKey]string{dave: "30000"}) // 7: b reaches 30,000 too
	c.MustBlock()                                            // 8
	c.MustBlock()                                            // 9: epoch end
	if got := powers(t, c, 11, "a", "b"); len(got) != 2 || got["a"] != 30_000 || got["b"] != 30_000 {
		t.Fatalf("the set from 11 on: %v", got)
	}
	// A third node at the same stake: max_validators is 2, and the tie goes
	// to the lower hashes.
	f := c.must(frank, node.ActionCreateNode, "", keyDetail("f")) // 10
	c.must(greta, node.ActionStake, f, nil)                       // 11
	c.MustBlock()                                                 // 12: epoch end
	byHash := map[string]string{a: "a", b: "b", f: "f"}
	hashes := []string{a, b, f}
	slices.Sort(hashes)
	want := map[string]int64{byHash[hashes[0]]: 30_000, byHash[hashes[1]]: 30_000}
	if got := powers(t, c, 14, "a", "b", "f"); !maps.Equal(got, want) {
		t.Fatalf("three tied nodes, two seats: %v, want %v", got, want)
	}
	// Stake decides before hashes; a node that falls below activation
	// leaves at the next epoch's end.
	c.report(2, map[*ecdsa.PrivateKey]string{greta: "50000", dave: "10000"}) // 13: f 50,000, b 10,000
	c.MustBlock()                                                            // 14
	c.MustBlock()                                                            // 15: epoch end
	if got := powers(t, c, 17, "a", "b", "f"); !maps.Equal(got, map[string]int64{"f": 50_000, "a": 30_000}) {
		t.Fatalf("after f rose and b fell: %v", got)
	}
	var vals []app.ValidatorView
	c.query(app.PathValidators, "", &vals)
	if len(vals) != 2 || vals[0].Node == "" || vals[1].Node == "" || vals[0].Power+vals[1].Power != 80_000 {
		t.Fatalf("the validators query: %+v", vals)
	}
}

// TestGenesisValidatorsFromStake: a genesis with an active, keyed CCN
// gives the validator set; InitChain returns it for CometBFT.
func TestGenesisValidatorsFromStake(t *testing.T) {
	n := &pb.NodeRecord{Hash: "genesis-node", Kind: pb.NodeKind_NODE_KIND_CORE, Owner: apptest.Address(alice), ConsensusPubkey: consensusKey("a")}
	raw, err := protojson.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(g *node.Genesis) {
		smallStakes(g)
		g.Nodes = []json.RawMessage{raw}
		g.Stakes = []node.GenesisStake{{Staker: apptest.Address(carol), Nodes: []string{"genesis-node"}}}
	}
	c := newChainWith(t, edit, app.ChainInfo{ChainID: "stake", Validators: []app.Validator{genesisValidator}, VoteExtensionsFrom: 1})
	c.MustBlock()
	if got := powers(t, c, 1, "a"); len(got) != 1 || got["a"] != 30_000 {
		t.Fatalf("the genesis set: %v; want the staked node alone", got)
	}
}

// TestFaultsJail: a validator that misses more than half of its last 4
// blocks is jailed and leaves the set at once; its owner may unjail it
// only once the jail ends, and it comes back at the next epoch's end.
// Double signing jails at once.
func TestFaultsJail(t *testing.T) {
	edit := func(g *node.Genesis) {
		smallStakes(g)
		g.Params.EpochBlocks, g.Params.DowntimeWindow, g.Params.DowntimeMaxMissedBps, g.Params.JailBlocks = 20, 4, 5000, 5
	}
	c := newChainWith(t, edit, app.ChainInfo{ChainID: "faults", Validators: []app.Validator{genesisValidator}, VoteExtensionsFrom: 1})
	a := c.must(alice, node.ActionCreateNode, "", keyDetail("a")) // 1
	b := c.must(bob, node.ActionCreateNode, "", keyDetail("b"))   // 2
	c.must(carol, node.ActionStake, a, nil)                       // 3
	c.must(greta, node.ActionStake, b, nil)                       // 4
	for c.Height < 20 {                                           // 20: epoch end
		c.MustBlock()
	}
	if got := powers(t, c, 22, "a", "b"); len(got) != 2 {
		t.Fatalf("the set from 22: %v", got)
	}
	addrA, addrB := node.ConsensusAddress(consensusKey("a")), node.ConsensusAddress(consensusKey("b"))
	// a signs 2 of 4: not more than half missed. Then it misses a third.
	c.LastCommit = []app.Vote{{Address: addrA, Signed: true}, {Address: addrB, Signed: true}}
	c.MustBlock()
	c.MustBlock()
	c.LastCommit[0].Signed = false
	c.MustBlock()
	c.MustBlock() // 24: 2 of 4 missed
	var view node.CoreNodeView
	if c.query(app.PathNodeView, a, &view); view.Jailed {
		t.Fatal("jailed at 2 missed of 4")
	}
	c.MustBlock() // 25: 3 of the last 4 missed
	if c.query(app.PathNodeView, a, &view); !view.Jailed || view.JailedUntil != 30 {
		t.Fatalf("not jailed at 3 missed of 4: %+v", view)
	}
	if len(c.ValidatorUpdates) != 1 || c.ValidatorUpdates[0].Power != 0 || !bytes.Equal(c.ValidatorUpdates[0].Address, addrA) {
		t.Fatalf("the jailed validator's update: %+v", c.ValidatorUpdates)
	}
	// Out of the set, a is in no commit; the rest of the test plays b alone
	// signing.
	c.LastCommit = []app.Vote{{Address: addrB, Signed: true}}
	c.refused(alice, node.ActionUnjail, a, nil, node.ErrJail, "until height 30") // 26
	c.refused(bob, node.ActionUnjail, a, nil, node.ErrNotOwner, "does not own")  // 27
	c.refused(bob, node.ActionUnjail, b, nil, node.ErrJail, "not jailed")        // 28
	c.MustBlock()                                                                // 29
	c.must(alice, node.ActionUnjail, a, nil)                                     // 30
	for c.Height < 40 {                                                          // 40: epoch end
		c.MustBlock()
	}
	if got := powers(t, c, 42, "a", "b"); got["a"] != 30_000 {
		t.Fatalf("unjailed a is not back at the epoch's end: %v", got)
	}
	// Double signing: b is jailed in the block that carries the evidence.
	c.Misbehavior = []app.Misbehavior{{Address: addrB, Height: c.Height}}
	c.MustBlock()
	if c.query(app.PathNodeView, b, &view); !view.Jailed {
		t.Fatal("a double signer is not jailed")
	}
}
