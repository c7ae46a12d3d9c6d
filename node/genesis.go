package node

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	xnode "github.com/alephd/alephd/x/node"
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

// WithStakedValidators returns appState in which every validator of vals
// is a stake-backed core channel node, as x/node requires of validators:
// for validator i, a CCN naming its consensus key, owned by an address
// holding the node threshold, and staked by another holding the activation
// threshold. Both addresses are derived from the chain id and i and have
// no known key: nobody can move those stakes. x/node then gives the same
// validators at InitChain, each with the power of its stake. For a dev
// chain and local networks; a real network's genesis names real owners.
func WithStakedValidators(appState json.RawMessage, chainID string, vals []types.GenesisValidator) (json.RawMessage, error) {
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(appState, &parts); err != nil {
		return nil, fmt.Errorf("genesis app_state: %w", err)
	}
	nodes, bal := xnode.DefaultGenesis(), balance.DefaultGenesis()
	for name, into := range map[string]any{"node": &nodes, "balance": &bal} {
		if raw := parts[name]; raw != nil {
			if err := json.Unmarshal(raw, into); err != nil {
				return nil, fmt.Errorf("genesis %s: %w", name, err)
			}
		}
	}
	derived := func(what string, i int) []byte {
		sum := sha256.Sum256([]byte(fmt.Sprintf("alephd genesis validator %s/%d/%s", chainID, i, what)))
		return sum[:]
	}
	for i, v := range vals {
		if v.PubKey == nil || v.PubKey.Type() != "ed25519" {
			return nil, fmt.Errorf("validator %d: a stake-backed validator needs an ed25519 key", i)
		}
		owner := "0x" + hex.EncodeToString(derived("owner", i)[:20])
		staker := "0x" + hex.EncodeToString(derived("staker", i)[:20])
		hash := hex.EncodeToString(derived("node", i))
		rec, err := protojson.Marshal(&pb.NodeRecord{
			Hash: hash, Kind: pb.NodeKind_NODE_KIND_CORE, Owner: owner, Name: v.Name, ConsensusPubkey: v.PubKey.Bytes(),
		})
		if err != nil {
			return nil, err
		}
		nodes.Nodes = append(nodes.Nodes, rec)
		nodes.Stakes = append(nodes.Stakes, xnode.GenesisStake{Staker: staker, Nodes: []string{hash}})
		bal.Balances = append(bal.Balances,
			balance.Entry{Address: owner, Amount: wholeALEPH(nodes.Params.NodeThreshold)},
			balance.Entry{Address: staker, Amount: wholeALEPH(nodes.Params.ActivationThreshold)})
	}
	var err error
	if parts["node"], err = json.Marshal(nodes); err != nil {
		return nil, err
	}
	if parts["balance"], err = json.Marshal(bal); err != nil {
		return nil, err
	}
	return json.MarshalIndent(parts, "", "  ")
}

func wholeALEPH(n uint64) string { return fmt.Sprintf("%d000000000000000000", n) }
