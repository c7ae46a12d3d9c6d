package main

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"

	"github.com/alephd/alephd/ethsync"
	"github.com/alephd/alephd/node"
	"github.com/alephd/alephd/x/balance"
)

// genesisEthCmd writes the token params into genesis, with every holder's
// balance at the start block as the ETH source: the state the first
// attested range continues. The balances are summed from the token's
// Transfer logs, so an ordinary (non-archive) endpoint will do.
func genesisEthCmd() *cobra.Command {
	var p balance.EthParams
	var url string
	var fromBlock, step uint64
	c := &cobra.Command{
		Use:   "set-eth --eth-rpc URL --token 0x… --start-block N",
		Short: "Read the ALEPH token on Ethereum: its params, and every holder's balance at the start block",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := p.Validate(); err != nil {
				return err
			}
			eth, err := ethclient.DialContext(cmd.Context(), url)
			if err != nil {
				return fmt.Errorf("--eth-rpc %s: %w", url, err)
			}
			defer eth.Close()
			// A wrong endpoint would write another chain's holders into genesis.
			id, err := eth.ChainID(cmd.Context())
			if err != nil {
				return fmt.Errorf("--eth-rpc %s: chain id: %w", url, err)
			}
			if id.Uint64() != p.ChainID || !id.IsUint64() {
				return fmt.Errorf("--eth-rpc %s serves chain %s, not --chain-id %d", url, id, p.ChainID)
			}
			// Balances at a block that is not final could be reorged away
			// before the chain starts reading after it.
			final, err := ethsync.FinalBlock(cmd.Context(), eth, p)
			if err != nil {
				return fmt.Errorf("--eth-rpc %s: %w", url, err)
			}
			if p.StartBlock > final {
				return fmt.Errorf("--start-block %d is not final under --finality %s (the endpoint's last final block is %d): wait, or choose an earlier block", p.StartBlock, finalityRule(p), final)
			}
			tok := common.HexToAddress(p.Token)
			held, err := ethsync.Snapshot(cmd.Context(), eth, tok, fromBlock, p.StartBlock, step)
			if err != nil {
				return err
			}
			if err := ethsync.CheckSupply(cmd.Context(), eth, tok, p.StartBlock, held); err != nil {
				return fmt.Errorf("--from-block %d: %w", fromBlock, err)
			}
			if err := node.SetGenesisEth(homeFlag(cmd), p, held); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "genesis: token %s on chain %d, balances at block %d: %d holders\n", p.Token, p.ChainID, p.StartBlock, len(held))
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&url, "eth-rpc", "", "Ethereum RPC endpoint (http, ws or ipc; logs only: no archive node needed)")
	f.Uint64Var(&p.ChainID, "chain-id", 1, "EVM chain id the endpoint must serve")
	f.StringVar(&p.Token, "token", "", "the ERC-20 contract address")
	f.Uint64Var(&p.StartBlock, "start-block", 0, "the block genesis balances are read at; attested ranges start after it")
	f.Uint64Var(&fromBlock, "from-block", 0, "where the token's history starts: its deployment block or earlier")
	f.StringVar(&p.Finality, "finality", balance.FinalityTag, `"finalized" (the endpoint's finalized block) or "confirmations"`)
	f.Uint64Var(&p.Confirmations, "confirmations", 0, "blocks below the head that count as final, with --finality confirmations")
	f.Uint64Var(&p.MaxBlockRange, "max-block-range", 32, "Ethereum blocks per attested range")
	f.Uint32Var(&p.MaxChanges, "max-changes", 5000, "addresses one attested range may change")
	f.Uint64Var(&step, "step", 2000, "blocks per eth_getLogs query while reading the history")
	for _, name := range []string{"eth-rpc", "token"} {
		_ = c.MarkFlagRequired(name)
	}
	return c
}

// finalityRule names p's finality rule as its flags would.
func finalityRule(p balance.EthParams) string {
	if p.Finality == balance.FinalityConfirmations {
		return fmt.Sprintf("%s --confirmations %d", p.Finality, p.Confirmations)
	}
	return p.Finality
}
