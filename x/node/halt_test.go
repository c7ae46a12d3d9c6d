package node_test

import (
	"crypto/ecdsa"
	"math"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/x/node"
)

// Two ways an epoch's end once halted the chain (FinalizeBlock returned an
// error, which halts a node), found by the differential test. Each plays
// the case and expects the chain to go on.

// TestEpochEndWithZeroActivation: activation_threshold 0 would make a CCN
// with no stake active with power 0, which CometBFT reads as a removal of
// a validator that is not in the set. The param is refused, and a CCN
// below 1 whole ALEPH of stake is no candidate.
func TestEpochEndWithZeroActivation(t *testing.T) {
	p := node.DefaultParams()
	p.ActivationThreshold = 0
	if err := p.Validate(); err == nil {
		t.Fatal("activation_threshold 0 is accepted")
	}
	edit := func(g *node.Genesis) { g.Params.ActivationThreshold, g.Params.EpochBlocks = 1, 2 }
	c := newChainWith(t, edit, app.ChainInfo{ChainID: "zero", Validators: []app.Validator{genesisValidator}, VoteExtensionsFrom: 1})
	c.must(alice, node.ActionCreateNode, "", keyDetail("a")) // 1
	c.MustBlock()                                            // 2: an epoch's end with nobody qualified
	c.MustBlock()
	if got := powers(t, c, 4); len(got) != 1 || got["genesis"] != 10 {
		t.Fatalf("an unstaked CCN changed the set: %v", got)
	}
}

// TestEpochEndWithHugeBalance: one oracle report of a balance beyond any
// supply (2e18 ALEPH: a decimals mistake on a bridged token would do) once
// made a power CometBFT refuses ("out of range"). Each seat's power is
// capped at its share of CometBFT's bound (smallStakes: 2 seats).
func TestEpochEndWithHugeBalance(t *testing.T) {
	c := newChainWith(t, smallStakes, app.ChainInfo{ChainID: "huge", Validators: []app.Validator{genesisValidator}, VoteExtensionsFrom: 1})
	a := c.must(alice, node.ActionCreateNode, "", keyDetail("a"))           // 1
	c.must(carol, node.ActionStake, a, nil)                                 // 2
	c.MustBlock()                                                           // 3: epoch end, a joins
	c.report(1, map[*ecdsa.PrivateKey]string{carol: "2000000000000000000"}) // 4
	c.MustBlock()                                                           // 5
	c.MustBlock()                                                           // 6: an epoch's end
	if got := powers(t, c, 8, "a"); got["a"] != math.MaxInt64/8/2 {
		t.Fatalf("the huge stake's power: %v; want its seat's share of CometBFT's bound", got)
	}
}
