package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/x/message"
)

func queryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Read chain state through ABCI queries",
		Long: `Read chain state through ABCI queries on CometBFT RPC. With --prove, message and
aggregate answers come with an IAVL Merkle proof, checked against the app hash
in the next block's header before anything is printed.`,
	}
	cmd.PersistentFlags().String("node", client.DefaultRPC, "CometBFT RPC address of the node")
	cmd.PersistentFlags().Int64("height", 0, "query the state at this height (0 = latest)")
	cmd.PersistentFlags().Bool("prove", false, "ask for a Merkle proof and verify it")

	msg := &cobra.Command{
		Use:   "message HASH",
		Short: "Show a message record",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := runQuery(cmd, app.PathMessage, []byte(args[0]))
			if err != nil || res.Value == nil {
				return notFound(err, "message "+args[0])
			}
			rec, err := app.DecodeMessageRecord(res.Value)
			if err != nil {
				return err
			}
			return printJSON(cmd, res, message.View(rec))
		},
	}
	agg := &cobra.Command{
		Use:   "aggregate ADDRESS [KEY]",
		Short: "Show an address's aggregates, or one of them",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if prove, _ := cmd.Flags().GetBool("prove"); prove {
					return fmt.Errorf("--prove needs a KEY: each aggregate is proven on its own")
				}
				res, err := runQuery(cmd, app.PathAggregates, []byte(args[0]))
				if err != nil || res.Value == nil {
					return notFound(err, "aggregates of "+args[0])
				}
				return printJSON(cmd, res, json.RawMessage(res.Value))
			}
			data, _ := json.Marshal(app.AggregateArgs{Address: args[0], Key: args[1]})
			res, err := runQuery(cmd, app.PathAggregate, data)
			if err != nil || res.Value == nil {
				return notFound(err, "aggregate "+args[1]+" of "+args[0])
			}
			rec, err := app.DecodeAggregateRecord(res.Value)
			if err != nil {
				return err
			}
			return printJSON(cmd, res, map[string]any{
				"address": args[0], "key": args[1], "content": json.RawMessage(rec.Content),
				"first_item_hash": rec.FirstItemHash, "last_item_hash": rec.LastItemHash, "elements": rec.Elements,
			})
		},
	}
	post := &cobra.Command{
		Use:   "post HASH",
		Short: "Show a post with its latest amend applied",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := runQuery(cmd, app.PathPost, []byte(args[0]))
			if err != nil || res.Value == nil {
				return notFound(err, "post "+args[0])
			}
			return printJSON(cmd, res, json.RawMessage(res.Value))
		},
	}
	bal := &cobra.Command{
		Use:   "balance ADDRESS",
		Short: "Show an address's ALEPH balance",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := runQuery(cmd, app.PathBalance, []byte(args[0]))
			if err != nil {
				return err
			}
			return printJSON(cmd, res, json.RawMessage(res.Value))
		},
	}
	jsonQuery := func(use, short, path string) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: cobra.RangeArgs(0, 1),
			RunE: func(cmd *cobra.Command, args []string) error {
				var data []byte
				if len(args) == 1 {
					data = []byte(args[0])
				} else if path != app.PathParams {
					return fmt.Errorf("%s needs an argument", use)
				}
				res, err := runQuery(cmd, path, data)
				if err != nil {
					return err
				}
				return printJSON(cmd, res, json.RawMessage(res.Value))
			},
		}
	}
	eth := &cobra.Command{
		Use:   "eth",
		Short: "Show the Ethereum token the chain reads, the last block attested and this node's reader height",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := runQuery(cmd, app.PathEth, nil)
			if err != nil {
				return err
			}
			return printJSON(cmd, res, json.RawMessage(res.Value))
		},
	}
	cmd.AddCommand(eth)
	cmd.AddCommand(msg, agg, post, bal,
		jsonQuery("account ADDRESS", "Show an address's balance, endorsements and personal storage (capacity, used, removing)", app.PathAccount),
		jsonQuery("channel CHANNEL", "Show a channel's endorsements and the capacity they buy", app.PathChannel),
		jsonQuery("params", "Show the chain's params (message limits, balances, payments)", app.PathParams))
	cmd.AddCommand(nodeQueryCmds()...)
	return cmd
}

func runQuery(cmd *cobra.Command, path string, data []byte) (*client.QueryResponse, error) {
	c, err := client.New(flagString(cmd, "node"))
	if err != nil {
		return nil, err
	}
	height, _ := cmd.Flags().GetInt64("height")
	prove, _ := cmd.Flags().GetBool("prove")
	switch path {
	case app.PathPost, app.PathAggregates, app.PathBalance, app.PathAccount, app.PathChannel, app.PathParams, app.PathEth:
		if prove {
			return nil, fmt.Errorf("--prove works for `query message` and `query aggregate ADDRESS KEY`")
		}
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
	defer cancel()
	return c.Query(ctx, path, data, height, prove)
}

func notFound(err error, what string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s not found", what)
}

// printJSON prints v; with --prove it is wrapped with the proof outcome.
func printJSON(cmd *cobra.Command, res *client.QueryResponse, v any) error {
	out := v
	if res.Verified {
		out = map[string]any{"height": res.Height, "proof": "verified", "result": v}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(cmd.OutOrStdout(), string(b))
	return err
}
