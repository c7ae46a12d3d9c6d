package node

import (
	"encoding/json"
	"fmt"
	"os"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"

	"github.com/alephd/alephd/x/resource"
)

// GenesisResourceParams returns the resource params home's genesis sets
// (the module's defaults, off, if it sets none).
func GenesisResourceParams(home string) (resource.Params, error) {
	doc, err := types.GenesisDocFromFile(genesisFile(home))
	if err != nil {
		return resource.Params{}, fmt.Errorf("read genesis of %s: %w", home, err)
	}
	g, _, err := resourceGenesis(doc.AppState)
	return g.Params, err
}

// SetGenesisResource sets the resource params of home's genesis, checked
// as genesis is. Like any genesis edit, only before the node's first start.
func SetGenesisResource(home string, p resource.Params) error {
	if _, err := os.Stat(AppDBDir(home)); err == nil {
		return fmt.Errorf("the node in %s has already started from its genesis: its resource params can no longer change", home)
	}
	doc, err := types.GenesisDocFromFile(genesisFile(home))
	if err != nil {
		return fmt.Errorf("read genesis of %s: %w", home, err)
	}
	if doc.AppState, err = WithGenesisResource(doc.AppState, p); err != nil {
		return err
	}
	return doc.SaveAs(genesisFile(home))
}

// WithGenesisResource returns appState with resource params p.
func WithGenesisResource(appState json.RawMessage, p resource.Params) (json.RawMessage, error) {
	g, parts, err := resourceGenesis(appState)
	if err != nil {
		return nil, err
	}
	g.Params = p
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if parts["resource"], err = json.Marshal(g); err != nil {
		return nil, err
	}
	return json.Marshal(parts)
}

func resourceGenesis(appState json.RawMessage) (resource.Genesis, map[string]json.RawMessage, error) {
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(appState, &parts); err != nil {
		return resource.Genesis{}, nil, fmt.Errorf("genesis app_state: %w", err)
	}
	g := resource.DefaultGenesis()
	if raw := parts["resource"]; raw != nil {
		if err := json.Unmarshal(raw, &g); err != nil {
			return resource.Genesis{}, nil, fmt.Errorf("genesis resource: %w", err)
		}
	}
	return g, parts, nil
}

func genesisFile(home string) string {
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	return c.GenesisFile()
}
