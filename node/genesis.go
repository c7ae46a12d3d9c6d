package node

import (
	"encoding/json"
	"fmt"
	"strings"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"

	"github.com/alephd/alephd/x/balance"
)

// AddGenesisBalance credits address in home's genesis, before the first
// start (cosmos-sdk's add-genesis-account). amount is in 10^-18 ALEPH.
func AddGenesisBalance(home, address, amount string) error {
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	doc, err := types.GenesisDocFromFile(c.GenesisFile())
	if err != nil {
		return fmt.Errorf("read genesis of %s: %w", home, err)
	}
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(doc.AppState, &parts); err != nil {
		return fmt.Errorf("genesis app_state: %w", err)
	}
	var g balance.Genesis
	if raw := parts["balance"]; raw != nil {
		if err := json.Unmarshal(raw, &g); err != nil {
			return fmt.Errorf("genesis balances: %w", err)
		}
	}
	for _, e := range g.Balances {
		if strings.EqualFold(e.Address, address) {
			return fmt.Errorf("%s already has a genesis balance of %s", address, e.Amount)
		}
	}
	g.Balances = append(g.Balances, balance.Entry{Address: address, Amount: amount})
	if err := g.Validate(); err != nil {
		return err
	}
	if parts["balance"], err = json.Marshal(g); err != nil {
		return err
	}
	if doc.AppState, err = json.MarshalIndent(parts, "", "  "); err != nil {
		return err
	}
	return doc.SaveAs(c.GenesisFile())
}
