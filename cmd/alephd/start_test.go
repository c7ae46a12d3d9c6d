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
	xnode "github.com/alephd/alephd/x/node"
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
	var parts struct {
		Balance balance.Genesis
		Node    xnode.Genesis
	}
	if err := json.Unmarshal(doc.AppState, &parts); err != nil {
		t.Fatal(err)
	}
	// The dev key's funds, once; the rest back the validator's stake (its
	// node's owner and staker).
	units, _ := parseALEPH(devFunds)
	funded := 0
	for _, e := range parts.Balance.Balances {
		if strings.EqualFold(e.Address, addr) {
			funded++
			if e.Amount != units {
				t.Fatalf("the dev key holds %s at genesis, want %s", e.Amount, units)
			}
		}
	}
	if funded != 1 || len(parts.Balance.Balances) != 3 || len(parts.Node.Nodes) != 1 || len(parts.Node.Stakes) != 1 {
		t.Fatalf("genesis balances %+v, nodes %d, stakes %d; want the dev key's and one stake-backed validator", parts.Balance.Balances, len(parts.Node.Nodes), len(parts.Node.Stakes))
	}
	if again, err := ensureDevHome(home); err != nil || again != addr {
		t.Fatalf("second start: %q, %v", again, err)
	}
}
