package balance_test

import (
	"testing"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// TestApplyEthPages: a block attested in pages moves balances page by
// page; between pages the block is not attested yet and the cursor names
// the next page (exported and imported with the chain); a page out of
// turn changes nothing; the last page attests the block.
func TestApplyEthPages(t *testing.T) {
	store, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	kv := store.Working()
	var k balance.Keeper
	p := balance.DefaultParams()
	p.Ethereum = ethParams()
	alice, bob, carol := "0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000b2", "0x00000000000000000000000000000000000000c3"
	if err := k.Init(kv, balance.Genesis{Params: p, Balances: []balance.Entry{{Address: alice, Amount: "10", Source: balance.SourceEth}}}); err != nil {
		t.Fatal(err)
	}
	if cur, err := balance.EthCursor(kv); err != nil || cur != nil {
		t.Fatalf("a cursor before any page: %v, %v", cur, err)
	}
	page0 := &pb.EthUpdate{From: 101, To: 101, Page: 0, Pages: 2, Changes: []*pb.EthChange{change(alice, -6), change(bob, 4)}}
	page1 := &pb.EthUpdate{From: 101, To: 101, Page: 1, Pages: 2, Changes: []*pb.EthChange{change(carol, 2)}}
	if changed, err := k.ApplyEth(kv, page1); err != nil || changed != nil {
		t.Fatalf("page 1 before page 0 applied: %v, %v", changed, err)
	}
	if changed, err := k.ApplyEth(kv, page0); err != nil || len(changed) != 2 {
		t.Fatalf("page 0: %v, %v", changed, err)
	}
	if h, _ := k.Reported(kv, balance.SourceEth); h != 100 {
		t.Fatalf("after page 0 of 2 the last attested block is %d, want 100", h)
	}
	if cur, err := balance.EthCursor(kv); err != nil || cur == nil || *cur != (balance.EthPage{Block: 101, Next: 1, Pages: 2}) {
		t.Fatalf("cursor after page 0: %+v, %v", cur, err)
	}
	for name, u := range map[string]*pb.EthUpdate{
		"page 0 again":     page0,
		"another count":    {From: 101, To: 101, Page: 1, Pages: 3, Changes: page1.Changes},
		"the next range":   {From: 102, To: 110, Changes: page1.Changes},
		"another block":    {From: 102, To: 102, Page: 1, Pages: 2, Changes: page1.Changes},
		"a range of 101-…": {From: 101, To: 110, Changes: page1.Changes},
	} {
		if changed, err := k.ApplyEth(kv, u); err != nil || changed != nil {
			t.Fatalf("%s applied between pages: %v, %v", name, changed, err)
		}
	}

	// Exported between pages, the chain carries the cursor.
	g, err := k.Export(kv)
	if err != nil || g.EthPage == nil || *g.EthPage != (balance.EthPage{Block: 101, Next: 1, Pages: 2}) {
		t.Fatalf("export between pages: %+v, %v", g.EthPage, err)
	}
	other, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	kv2 := other.Working()
	if err := k.Init(kv2, g); err != nil {
		t.Fatal(err)
	}
	for _, kv := range []state.KV{kv, kv2} {
		if changed, err := k.ApplyEth(kv, page1); err != nil || len(changed) != 1 {
			t.Fatalf("page 1: %v, %v", changed, err)
		}
		if h, _ := k.Reported(kv, balance.SourceEth); h != 101 {
			t.Fatalf("after the last page the last attested block is %d, want 101", h)
		}
		if cur, err := balance.EthCursor(kv); err != nil || cur != nil {
			t.Fatalf("a cursor after the last page: %+v, %v", cur, err)
		}
		for addr, want := range map[string]int64{alice: 4, bob: 4, carol: 2} {
			if got, _ := k.Get(kv, addr); got.Int64() != want {
				t.Errorf("balance of %s = %s, want %d", addr, got, want)
			}
		}
	}
	if g, err := k.Export(kv); err != nil || g.EthPage != nil {
		t.Fatalf("export after the last page: %+v, %v", g.EthPage, err)
	}
}

// TestGenesisEthPage: an exported cursor must continue the last attested
// block, and needs a token.
func TestGenesisEthPage(t *testing.T) {
	p := balance.DefaultParams()
	p.Ethereum = ethParams() // start 100
	for name, c := range map[string]struct {
		page     balance.EthPage
		reported uint64
		ok       bool
	}{
		"continues the start block": {balance.EthPage{Block: 101, Next: 1, Pages: 2}, 0, true},
		"continues a reported one":  {balance.EthPage{Block: 121, Next: 2, Pages: 3}, 120, true},
		"a gap":                     {balance.EthPage{Block: 102, Next: 1, Pages: 2}, 0, false},
		"page 0":                    {balance.EthPage{Block: 101, Next: 0, Pages: 2}, 0, false},
		"past the count":            {balance.EthPage{Block: 101, Next: 2, Pages: 2}, 0, false},
	} {
		g := balance.Genesis{Params: p, EthPage: &c.page}
		if c.reported != 0 {
			g.Reported = []balance.Reported{{Source: balance.SourceEth, MainHeight: c.reported}}
		}
		if err := g.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: %v", name, err)
		}
	}
	page := balance.EthPage{Block: 101, Next: 1, Pages: 2}
	if err := (balance.Genesis{Params: balance.DefaultParams(), EthPage: &page}).Validate(); err == nil {
		t.Error("a cursor without a token accepted")
	}
}

// TestCheckEthPage: a page's shape.
func TestCheckEthPage(t *testing.T) {
	three := []*pb.EthChange{change("0xa1", 1), change("0xb2", 1), change("0xc3", 1)}
	for name, c := range map[string]struct {
		u  *pb.EthUpdate
		ok bool
	}{
		"a range":            {&pb.EthUpdate{From: 1, To: 5, Changes: three}, true},
		"a full page":        {&pb.EthUpdate{From: 1, To: 1, Page: 0, Pages: 2, Changes: three}, true},
		"a short last page":  {&pb.EthUpdate{From: 1, To: 1, Page: 1, Pages: 2, Changes: three[:1]}, true},
		"a short page":       {&pb.EthUpdate{From: 1, To: 1, Page: 0, Pages: 2, Changes: three[:2]}, false},
		"an empty last page": {&pb.EthUpdate{From: 1, To: 1, Page: 1, Pages: 2}, false},
		"one page":           {&pb.EthUpdate{From: 1, To: 1, Page: 0, Pages: 1, Changes: three}, false},
		"past the count":     {&pb.EthUpdate{From: 1, To: 1, Page: 2, Pages: 2, Changes: three}, false},
		"a page of blocks":   {&pb.EthUpdate{From: 1, To: 2, Page: 0, Pages: 2, Changes: three}, false},
		"a page of no pages": {&pb.EthUpdate{From: 1, To: 1, Page: 1, Changes: three}, false},
	} {
		if err := balance.CheckEthPage(c.u, 3); (err == nil) != c.ok {
			t.Errorf("%s: %v", name, err)
		}
	}
	if string(balance.EthPageDigest(1, 0, 2, three)) == string(balance.EthPageDigest(1, 1, 2, three)) ||
		string(balance.EthPageDigest(1, 0, 2, three)) == string(balance.EthPageDigest(1, 0, 3, three)) ||
		string(balance.EthPageDigest(1, 0, 2, three)) == string(balance.EthDigest(1, 1, three)) {
		t.Error("a page's digest does not cover its page, count and kind")
	}
}
