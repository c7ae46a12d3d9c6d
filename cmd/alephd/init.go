package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/node"
)

func initCmd() *cobra.Command {
	var o node.InitOptions
	var freeTokens uint64
	var oracles []string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a node home: config, keys and genesis",
		Long: `Create a node home with its config, node and validator keys, and a genesis.
A new chain (--chain-id) has this node as its only validator. --genesis joins or
restarts from an existing genesis, such as one written by 'alephd export'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			if cmd.Flags().Changed("free-tokens") || len(oracles) > 0 {
				o.AppState = app.GenesisWith(freeTokens, oracles...)
			}
			doc, err := node.Init(home, o)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "initialized %s for chain %s (initial height %d)\n", home, doc.ChainID, doc.InitialHeight)
			return err
		},
	}
	cmd.Flags().StringVar(&o.ChainID, "chain-id", "", "chain id of a new chain")
	cmd.Flags().StringVar(&o.Moniker, "moniker", "alephd", "this node's name")
	cmd.Flags().StringVar(&o.Genesis, "genesis", "", "start from this genesis file instead of a new one")
	cmd.Flags().StringVar(&o.RPCListen, "rpc-laddr", "", "CometBFT RPC listen address (default tcp://127.0.0.1:26657)")
	cmd.Flags().StringVar(&o.P2PListen, "p2p-laddr", "", "P2P listen address (default tcp://127.0.0.1:26656)")
	cmd.Flags().DurationVar(&o.TimeoutCommit, "timeout-commit", 0, "pause after each block (default 1s)")
	cmd.Flags().StringVar(&o.PersistentPeers, "peers", "", "persistent peers to join (id@host:port,...)")
	cmd.Flags().StringVar(&o.PrivValidatorKey, "priv-validator-key", "", "use this priv_validator_key.json (a validator restarting from an export)")
	cmd.Flags().Uint64Var(&freeTokens, "free-tokens", 0, "personal storage every address gets without holding ALEPH, in ALEPH (0 on a real network)")
	cmd.Flags().StringSliceVar(&oracles, "oracle", nil, "address allowed to report balances (balances-update POSTs); repeatable")
	return cmd
}
