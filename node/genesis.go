package node

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"

	"github.com/alephd/alephd/x/balance"
)

// AddGenesisBalance credits address in home's genesis, before the first
// start; amount is in base units.
func AddGenesisBalance(home, address, amount string) error {
	if _, err := os.Stat(AppDBDir(home)); err == nil {
		return fmt.Errorf("the node in %s has already started from its genesis, so a genesis balance would change nothing "+
			"(and make its genesis differ from its network's); on a running chain, balances come from oracle reports (alephd tx balances-update)", home)
	}
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	doc, err := types.GenesisDocFromFile(c.GenesisFile())
	if err != nil {
		return fmt.Errorf("read genesis of %s: %w", home, err)
	}
	if doc.AppState, err = WithGenesisBalance(doc.AppState, address, amount); err != nil {
		return err
	}
	return doc.SaveAs(c.GenesisFile())
}

// WithGenesisBalance returns appState with address credited amount (base
// units); an address credited already is an error.
func WithGenesisBalance(appState json.RawMessage, address, amount string) (json.RawMessage, error) {
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(appState, &parts); err != nil {
		return nil, fmt.Errorf("genesis app_state: %w", err)
	}
	var g balance.Genesis
	if raw := parts["balance"]; raw != nil {
		if err := json.Unmarshal(raw, &g); err != nil {
			return nil, fmt.Errorf("genesis balances: %w", err)
		}
	}
	for _, e := range g.Balances {
		if strings.EqualFold(e.Address, address) {
			return nil, fmt.Errorf("%s already has a genesis balance of %s", address, e.Amount)
		}
	}
	g.Balances = append(g.Balances, balance.Entry{Address: address, Amount: amount})
	if err := g.Validate(); err != nil {
		return nil, err
	}
	var err error
	if parts["balance"], err = json.Marshal(g); err != nil {
		return nil, err
	}
	return json.MarshalIndent(parts, "", "  ")
}
