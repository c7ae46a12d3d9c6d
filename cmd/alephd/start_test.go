package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"

	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
	"github.com/alephd/alephd/x/balance"
)

// TestDevHomeAfterACrashedFirstStart: a first `start --dev` that died after
// creating the dev key, before its home was written, is finished by the next
// one, which reuses the key and writes the dev funds into the genesis itself.
func TestDevHomeAfterACrashedFirstStart(t *testing.T) {
	home := filepath.Join(t.TempDir(), "dev")
	k, err := keys.Open(node.KeyringDir(home)).Add(devKeyName, "")
	if err != nil {
		t.Fatal(err)
	}
	addr, err := ensureDevHome(home)
	if err != nil || addr != k.Address {
		t.Fatalf("ensureDevHome = %q, %v; want the existing key %s", addr, err, k.Address)
	}
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	doc, err := types.GenesisDocFromFile(c.GenesisFile())
	if err != nil {
		t.Fatal(err)
	}
	var parts struct{ Balance balance.Genesis }
	if err := json.Unmarshal(doc.AppState, &parts); err != nil {
		t.Fatal(err)
	}
	units, _ := parseALEPH(devFunds)
	if len(parts.Balance.Balances) != 1 || !strings.EqualFold(parts.Balance.Balances[0].Address, addr) || parts.Balance.Balances[0].Amount != units {
		t.Fatalf("genesis balances %+v, want %s for %s", parts.Balance.Balances, units, addr)
	}
	if again, err := ensureDevHome(home); err != nil || again != addr {
		t.Fatalf("second start: %q, %v", again, err)
	}
}
