package balance_test

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

func ethParams() *balance.EthParams {
	return &balance.EthParams{ChainID: 1337, Token: "0x5FbDB2315678afecb367f032d93F642f64180aa3", StartBlock: 100,
		Finality: balance.FinalityConfirmations, Confirmations: 2, MaxBlockRange: 10, MaxChanges: 3}
}

// TestEthParamsValidate: each param a reader could not follow is refused
// with words that name it.
func TestEthParamsValidate(t *testing.T) {
	if err := ethParams().Validate(); err != nil {
		t.Fatal(err)
	}
	for want, f := range map[string]func(p *balance.EthParams){
		"chain_id":                   func(p *balance.EthParams) { p.ChainID = 0 },
		"ethereum.token":             func(p *balance.EthParams) { p.Token = "0x00" },
		"not an ERC-20":              func(p *balance.EthParams) { p.Token = "0x0000000000000000000000000000000000000000" },
		"ethereum.finality":          func(p *balance.EthParams) { p.Finality = "safe" },
		"at least 1":                 func(p *balance.EthParams) { p.Confirmations = 0 },
		"reads the finalized":        func(p *balance.EthParams) { p.Finality = balance.FinalityTag },
		"max_block_range":            func(p *balance.EthParams) { p.MaxBlockRange = 0 },
		"max_changes must be 1-6393": func(p *balance.EthParams) { p.MaxChanges = balance.MaxEthChanges + 1 },
	} {
		p := ethParams()
		f(p)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
	p := ethParams()
	p.MaxChanges = balance.MaxEthChanges
	if err := p.Validate(); err != nil {
		t.Fatalf("the largest max_changes: %v", err)
	}
}

// TestEthRangeEnd: ranges end on multiples of max_block_range after the
// start block, wherever they start.
func TestEthRangeEnd(t *testing.T) {
	p := ethParams() // start 100, range 10
	for from, want := range map[uint64]uint64{101: 110, 105: 110, 110: 110, 111: 120, 119: 120} {
		if got := p.RangeEnd(from); got != want {
			t.Errorf("RangeEnd(%d) = %d, want %d", from, got, want)
		}
	}
}

func change(addr string, delta int64) *pb.EthChange {
	return balance.EthChangeOf(common.HexToAddress(addr), big.NewInt(delta))
}

// TestEthChanges: only the canonical form passes; the digest covers the
// range and every change.
func TestEthChanges(t *testing.T) {
	a, b := change("0xa1", 5), change("0xb2", -5)
	ok := []*pb.EthChange{a, b}
	if err := balance.CheckEthChanges(ok, 3); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]*pb.EthChange{
		"unsorted":      {b, a},
		"twice":         {a, a},
		"upper case":    {{Address: "0x" + strings.ToUpper(a.Address[2:]), Amount: []byte{1}}},
		"mixed case":    {{Address: common.HexToAddress(a.Address).Hex(), Amount: []byte{1}}},
		"upper 0X":      {{Address: "0X" + a.Address[2:], Amount: []byte{1}}},
		"no 0x":         {{Address: a.Address[2:] + "00", Amount: []byte{1}}},
		"leading zero":  {{Address: a.Address, Amount: []byte{0, 1}}},
		"zero":          {{Address: a.Address}},
		"too many":      {a, b, change("0xc3", 1), change("0xd4", 1)},
		"too large":     {{Address: a.Address, Amount: bytes.Repeat([]byte{1}, 33)}},
		"not a hex one": {{Address: "0xzz" + a.Address[4:], Amount: []byte{1}}},
	} {
		if balance.CheckEthChanges(bad, 3) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	d := balance.EthDigest(1, 2, ok)
	for name, other := range map[string][]byte{
		"another range": balance.EthDigest(1, 3, ok),
		"another sign":  balance.EthDigest(1, 2, []*pb.EthChange{a, change("0xb2", 5)}),
		"one less":      balance.EthDigest(1, 2, ok[:1]),
	} {
		if bytes.Equal(d, other) {
			t.Errorf("%s: same digest", name)
		}
	}
}

// TestApplyEth: genesis ETH balances are the start block's; a range that
// continues the last one moves them (never below zero) and names the
// changed addresses; one that does not continue changes nothing; and
// oracles may no longer report ETH.
func TestApplyEth(t *testing.T) {
	store, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	kv := store.Working()
	var k balance.Keeper
	p := balance.DefaultParams()
	p.Ethereum = ethParams()
	alice, bob := "0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000b2"
	if err := k.Init(kv, balance.Genesis{Params: p, Balances: []balance.Entry{{Address: alice, Amount: "10", Source: balance.SourceEth}}}); err != nil {
		t.Fatal(err)
	}
	if next, on, err := k.EthNext(kv); err != nil || !on || next != 101 {
		t.Fatalf("next = %d, %v, %v", next, on, err)
	}
	changed, err := k.ApplyEth(kv, &pb.EthUpdate{From: 101, To: 110, Changes: []*pb.EthChange{change(alice, -15), change(bob, 7)}})
	if err != nil || len(changed) != 2 {
		t.Fatalf("changed %v, %v", changed, err)
	}
	for addr, want := range map[string]int64{alice: 0, bob: 7} {
		if got, _ := k.Get(kv, addr); got.Int64() != want {
			t.Errorf("balance of %s = %s, want %d", addr, got, want)
		}
	}
	if changed, err := k.ApplyEth(kv, &pb.EthUpdate{From: 105, To: 115, Changes: []*pb.EthChange{change(bob, 1)}}); err != nil || changed != nil {
		t.Fatalf("an overlapping range applied: %v, %v", changed, err)
	}
	if h, _ := k.Reported(kv, balance.SourceEth); h != 110 {
		t.Fatalf("last attested = %d", h)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	_, err = k.Apply(kv, &balance.Update{Source: "ETH", MainHeight: 200})
	if !errors.Is(err, balance.ErrAttestedChain) {
		t.Fatalf("an oracle report for ETH: %v", err)
	}
	if _, err := k.Apply(kv, &balance.Update{Source: "SOL", MainHeight: 200}); err != nil {
		t.Fatalf("an oracle report for another chain: %v", err)
	}
	g, err := k.Export(kv)
	if err != nil || g.Params.Ethereum == nil || len(g.Reported) != 2 || g.Reported[0] != (balance.Reported{Source: "ETH", MainHeight: 110}) {
		t.Fatalf("export: %+v, %v", g, err)
	}
	bad := g
	bad.Reported = []balance.Reported{{Source: "ETH", MainHeight: 50}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "before ethereum.start_block") {
		t.Fatalf("a reported height before the start block: %v", err)
	}
}

// TestGenesisEthAddressNeeds0x: attested changes name holders "0x…" in
// lower case; a genesis ETH entry without the prefix would be stored
// under another account and its start balance lost, so it is refused. A
// mixed-case 0x entry is the same holder as its attested changes.
func TestGenesisEthAddressNeeds0x(t *testing.T) {
	holder := "00000000000000000000000000000000000000a1"
	p := balance.DefaultParams()
	p.Ethereum = ethParams()
	for _, bad := range []string{holder, "0x" + holder[2:], holder + "00"} {
		g := balance.Genesis{Params: p, Balances: []balance.Entry{{Address: bad, Amount: "10", Source: balance.SourceEth}}}
		if err := g.Validate(); err == nil || !strings.Contains(err.Error(), "0x-prefixed") {
			t.Errorf("genesis ETH entry %q: %v", bad, err)
		}
	}
	store, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	kv := store.Working()
	var k balance.Keeper
	g := balance.Genesis{Params: p, Balances: []balance.Entry{{Address: "0x" + strings.ToUpper(holder), Amount: "10", Source: balance.SourceEth}}}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := k.Init(kv, g); err != nil {
		t.Fatal(err)
	}
	if _, err := k.ApplyEth(kv, &pb.EthUpdate{From: 101, To: 110, Changes: []*pb.EthChange{change("0x"+holder, -4)}}); err != nil {
		t.Fatal(err)
	}
	if got, err := k.Get(kv, "0x"+holder); err != nil || got.Int64() != 6 {
		t.Fatalf("genesis gave 0x%s 10, it sent 4: has %v (%v), want 6", holder, got, err)
	}
}
