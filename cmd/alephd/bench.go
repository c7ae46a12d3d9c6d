package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/loadgen"
)

func benchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure a running node"}
	var cfg loadgen.Config
	var asJSON bool
	load := &cobra.Command{
		Use:   "load",
		Short: "Send signed POSTs over RPC and report committed msgs/s and latency",
		Long: `Send signed Aleph POSTs to one or more nodes (--node, repeatable) for --duration,
at --rate messages per second or, with --rate 0, as fast as the nodes take them.
Messages are signed before the clock starts. Reports committed msgs/s and
submit->commit latency p50/p99.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(cfg.Nodes) == 0 {
				cfg.Nodes = []string{client.DefaultRPC}
			}
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "signing messages, then sending for %s to %v...\n", cfg.Duration, cfg.Nodes) // progress only
			rep, err := loadgen.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if asJSON {
				b, _ := json.MarshalIndent(rep, "", "  ")
				_, err = fmt.Fprintln(cmd.OutOrStdout(), string(b))
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), rep)
			return err
		},
	}
	load.Flags().StringSliceVar(&cfg.Nodes, "node", nil, "RPC address of a node (repeatable; default "+client.DefaultRPC+")")
	load.Flags().DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to send")
	load.Flags().IntVar(&cfg.Concurrency, "concurrency", 32, "parallel senders")
	load.Flags().IntVar(&cfg.Rate, "rate", 0, "messages per second (0 = as fast as possible)")
	load.Flags().IntVar(&cfg.Messages, "messages", 0, "messages to pre-sign (0 = from rate and duration)")
	load.Flags().IntVar(&cfg.Accounts, "accounts", 256, "distinct signing accounts")
	load.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	load.Flags().BoolVar(&cfg.KVStore, "kvstore", false, "send CometBFT kvstore key=value transactions (a baseline) instead of Aleph messages")
	cmd.AddCommand(load)
	return cmd
}
