package node

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"
	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/x/balance"
)

// SetGenesisEth makes home's genesis read the token p names: its params,
// and held (ethsync.Snapshot at p.StartBlock) as the ETH balances, in
// place of any ETH balances it listed. Like any genesis edit, only before
// the node's first start.
func SetGenesisEth(home string, p balance.EthParams, held map[common.Address]*big.Int) error {
	if _, err := os.Stat(AppDBDir(home)); err == nil {
		return fmt.Errorf("the node in %s has already started from its genesis: its token params can no longer change", home)
	}
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	doc, err := types.GenesisDocFromFile(c.GenesisFile())
	if err != nil {
		return fmt.Errorf("read genesis of %s: %w", home, err)
	}
	if doc.AppState, err = WithGenesisEth(doc.AppState, p, held); err != nil {
		return err
	}
	return doc.SaveAs(c.GenesisFile())
}

// WithGenesisEth returns appState reading the token p names, with held as
// its ETH balances (by address, lower-cased), checked as genesis is.
func WithGenesisEth(appState json.RawMessage, p balance.EthParams, held map[common.Address]*big.Int) (json.RawMessage, error) {
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(appState, &parts); err != nil {
		return nil, fmt.Errorf("genesis app_state: %w", err)
	}
	g := balance.DefaultGenesis()
	if raw := parts["balance"]; raw != nil {
		if err := json.Unmarshal(raw, &g); err != nil {
			return nil, fmt.Errorf("genesis balances: %w", err)
		}
	}
	g.Params.Ethereum = &p
	g.Balances = slices.DeleteFunc(g.Balances, func(e balance.Entry) bool { return e.Source == balance.SourceEth })
	var eth []balance.Entry
	for a, v := range held {
		if v.Sign() > 0 {
			eth = append(eth, balance.Entry{Address: strings.ToLower(a.Hex()), Amount: v.String(), Source: balance.SourceEth})
		}
	}
	slices.SortFunc(eth, func(x, y balance.Entry) int { return strings.Compare(x.Address, y.Address) })
	g.Balances = append(g.Balances, eth...)
	if err := g.Validate(); err != nil {
		return nil, err
	}
	var err error
	if parts["balance"], err = json.Marshal(g); err != nil {
		return nil, err
	}
	return json.Marshal(parts)
}
