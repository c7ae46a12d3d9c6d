package balance_test

import (
	"testing"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// TestGenesisRoundTrip: valid balances are written and exported back,
// ordered by lower-cased address; bad entries are refused.
func TestGenesisRoundTrip(t *testing.T) {
	store, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	kv := store.Working()
	var k balance.Keeper
	g := balance.Genesis{Params: balance.DefaultParams(), Balances: []balance.Entry{
		{Address: "0xB0b0000000000000000000000000000000000002", Amount: "5"},
		{Address: "0xA11ce00000000000000000000000000000000001", Amount: "1000000000000000000000000"},
	}}
	if err := k.Init(kv, g); err != nil {
		t.Fatal(err)
	}
	got, err := k.Get(kv, "0xa11ce00000000000000000000000000000000001")
	if err != nil || got.String() != "1000000000000000000000000" {
		t.Fatalf("balance = %v, %v", got, err)
	}
	out, err := k.Export(kv)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Balances) != 2 || out.Balances[0].Address != "0xa11ce00000000000000000000000000000000001" || out.Balances[1].Amount != "5" {
		t.Fatalf("export = %+v", out)
	}
	for name, bad := range map[string]balance.Genesis{
		"not an address": {Params: balance.DefaultParams(), Balances: []balance.Entry{{Address: "alice", Amount: "1"}}},
		"negative":       {Params: balance.DefaultParams(), Balances: []balance.Entry{{Address: "0xA11ce00000000000000000000000000000000001", Amount: "-1"}}},
		"not a number":   {Params: balance.DefaultParams(), Balances: []balance.Entry{{Address: "0xA11ce00000000000000000000000000000000001", Amount: "1.5"}}},
		"twice": {Params: balance.DefaultParams(), Balances: []balance.Entry{
			{Address: "0xA11ce00000000000000000000000000000000001", Amount: "1"},
			{Address: "0xa11ce00000000000000000000000000000000001", Amount: "2"},
		}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
