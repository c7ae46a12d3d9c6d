package node

import (
	"encoding/json"
	"fmt"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/types"

	"github.com/alephd/alephd/ethsync"
	"github.com/alephd/alephd/x/balance"
)

// genesisEthParams reads the token the chain's genesis names, if any:
// params change only at genesis, and the genesis file is there before
// InitChain writes them to state.
func genesisEthParams(genesisFile string) (*balance.EthParams, error) {
	doc, err := types.GenesisDocFromFile(genesisFile)
	if err != nil {
		return nil, err
	}
	var state struct {
		Balance *struct {
			Params balance.Params `json:"params"`
		} `json:"balance"`
	}
	if len(doc.AppState) > 0 {
		if err := json.Unmarshal(doc.AppState, &state); err != nil {
			return nil, fmt.Errorf("genesis app_state: %w", err)
		}
	}
	if state.Balance == nil {
		return nil, nil
	}
	return state.Balance.Params.Ethereum, nil
}

// openEthReader is the reader of the token genesis names over the endpoint
// url; nil when either is missing, which the log says: such a node still
// validates, it attests no Ethereum range.
func openEthReader(genesisFile, url string, logger cmtlog.Logger) (*ethsync.Reader, error) {
	p, err := genesisEthParams(genesisFile)
	switch {
	case err != nil:
		return nil, err
	case p == nil && url != "":
		logger.Info("eth_rpc is set, but genesis names no Ethereum token (balance.params.ethereum): not reading Ethereum", "eth_rpc", url)
		return nil, nil
	case p == nil:
		return nil, nil
	case url == "":
		logger.Info("genesis names an Ethereum token, but this node has no eth_rpc: it validates, and attests no Ethereum balances", "token", p.Token)
		return nil, nil
	}
	log := logger.With("module", "ethsync")
	// An endpoint that is down is the reader's to report (once) and retry;
	// only a URL no client could use stops the node.
	return ethsync.Dial(url, ethsync.Config{Params: *p, Info: log.Info, Error: log.Error})
}
