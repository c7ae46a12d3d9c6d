package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/node"
)

func testnetCmd() *cobra.Command {
	var o node.TestnetOptions
	var output string
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Write the homes of a local multi-validator network",
		Long: `Write one home per validator under --output (node0, node1, ...): a shared genesis,
persistent peers and distinct loopback ports (node i: P2P base+10i, RPC base+10i+1,
API api-base+i). Start each with 'alephd start --home DIR/nodeI', or all with
'make localnet-start'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			nodes, err := node.Testnet(output, o)
			if err != nil {
				return err
			}
			for _, n := range nodes {
				if _, err := fmt.Fprintf(cmd.OutOrStdout(), "%s\tp2p %s\trpc %s\tapi %s\n", n.Home, n.P2P, n.RPC, n.API); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&o.Validators, "validators", 4, "number of validators")
	cmd.Flags().StringVar(&output, "output", "build/localnet", "directory for the homes")
	cmd.Flags().StringVar(&o.ChainID, "chain-id", "alephd-localnet", "chain id")
	cmd.Flags().IntVar(&o.BasePort, "base-port", 26600, "first P2P port (node i: P2P base+10i, RPC base+10i+1)")
	cmd.Flags().IntVar(&o.APIBasePort, "api-base-port", 4100, "first HTTP API port (node i: api-base+i)")
	cmd.Flags().BoolVar(&o.Docker, "docker", false, "lay out for containers node0..N-1 and write DIR/docker-compose.yml")
	cmd.Flags().DurationVar(&o.TimeoutCommit, "timeout-commit", 500*time.Millisecond, "pause after each block")
	cmd.Flags().IntVar(&o.MempoolSize, "mempool-size", node.TestnetMempoolSize, "messages each node's mempool holds")
	return cmd
}
