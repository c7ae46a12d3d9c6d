package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// errRejected makes the command exit 1 after printing the rejection.
var errRejected = fmt.Errorf("message rejected")

func txCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Sign and submit Aleph messages",
		Long: `Sign and submit Aleph messages. The result is printed as JSON:
{"code","codespace","log","height","item_hash","tx_hash","stage"}; code 0 means
accepted, and the command exits 1 on a rejection.`,
	}
	cmd.PersistentFlags().String("node", client.DefaultRPC, "CometBFT RPC address of the node")
	cmd.PersistentFlags().String("key", "", "name of the signing key in the home's keyring")
	cmd.PersistentFlags().String("channel", "TEST", "Aleph channel")
	cmd.PersistentFlags().Bool("async", false, "return once the mempool admits the message, without waiting for a block")
	cmd.PersistentFlags().Duration("timeout", 30*time.Second, "how long to wait for the node")

	var ref string
	post := &cobra.Command{
		Use:   "post TYPE CONTENT_JSON",
		Short: "Publish a POST (TYPE amend with --ref amends a post)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var content any
			if err := json.Unmarshal([]byte(args[1]), &content); err != nil {
				return fmt.Errorf("CONTENT_JSON is not JSON: %w", err)
			}
			return signAndSubmit(cmd, client.Post(flagString(cmd, "channel"), args[0], content, ref))
		},
	}
	post.Flags().StringVar(&ref, "ref", "", "item_hash this post refers to (the post an amend replaces)")

	aggregate := &cobra.Command{
		Use:   "aggregate KEY CONTENT_JSON",
		Short: "Merge a JSON object into the aggregate KEY of the signer",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var obj map[string]any
			if err := json.Unmarshal([]byte(args[1]), &obj); err != nil || obj == nil {
				return fmt.Errorf("CONTENT_JSON must be a JSON object")
			}
			return signAndSubmit(cmd, client.Aggregate(flagString(cmd, "channel"), args[0], obj))
		},
	}

	var aggregates []string
	var reason string
	forget := &cobra.Command{
		Use:   "forget [HASH...]",
		Short: "Forget messages by item_hash, and aggregates by key (--aggregates)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return signAndSubmit(cmd, client.Forget(flagString(cmd, "channel"), args, aggregates, reason))
		},
	}
	forget.Flags().StringSliceVar(&aggregates, "aggregates", nil, "aggregate keys of the signer to forget")
	forget.Flags().StringVar(&reason, "reason", "", "why, recorded in the FORGET")

	submit := &cobra.Command{
		Use:   "submit FILE|-",
		Short: "Submit an already-signed Aleph message JSON (pyaleph's POST /api/v0/messages \"message\")",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var data []byte
			var err error
			if args[0] == "-" {
				data, err = io.ReadAll(cmd.InOrStdin())
			} else {
				data, err = os.ReadFile(args[0])
			}
			if err != nil {
				return err
			}
			m, err := message.FromJSON(unwrapMessage(data))
			if err != nil {
				return err
			}
			return submitMessage(cmd, m)
		},
	}

	endorse := &cobra.Command{
		Use:   "endorse CHANNEL AMOUNT",
		Short: "Endorse CHANNEL with AMOUNT ALEPH of the signer's balance (replaces the previous amount; 0 withdraws)",
		Long: `Endorse a channel: AMOUNT ALEPH of the signer's balance pays for anyone's POST and
AGGREGATE messages (1 per ALEPH) and STORE files (1 MB per ALEPH) on CHANNEL.
The amount replaces what the signer endorsed there before; 0 withdraws. The
endorsement is a POST of type "aleph-endorsement" posted on CHANNEL.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return signAndSubmit(cmd, client.Endorse(args[0], args[1]))
		},
	}

	report := &cobra.Command{
		Use:   "balances-update CHAIN MAIN_HEIGHT ADDRESS=AMOUNT...",
		Short: "As an oracle, report balances (ALEPH) on CHAIN at its height MAIN_HEIGHT",
		Args:  cobra.MinimumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			height, err := strconv.ParseUint(args[1], 10, 64)
			if err != nil {
				return fmt.Errorf("MAIN_HEIGHT %q is not a block number", args[1])
			}
			balances := map[string]string{}
			for _, kv := range args[2:] {
				addr, amount, ok := strings.Cut(kv, "=")
				if !ok {
					return fmt.Errorf("%q is not ADDRESS=AMOUNT", kv)
				}
				balances[addr] = amount
			}
			return signAndSubmit(cmd, client.BalancesUpdate(flagString(cmd, "channel"), args[0], height, balances))
		},
	}
	cmd.AddCommand(post, aggregate, forget, submit, endorse, report, txStoreCmd())
	cmd.AddCommand(nodeTxCmd(), crnTxCmd())
	return cmd
}

// unwrapMessage accepts either the message object or pyaleph's request body
// {"message": {...}, "sync": ...}.
func unwrapMessage(data []byte) []byte {
	var body struct {
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(data, &body) == nil && len(body.Message) > 0 && strings.HasPrefix(strings.TrimSpace(string(body.Message)), "{") {
		return body.Message
	}
	return data
}

func flagString(cmd *cobra.Command, name string) string {
	v, _ := cmd.Flags().GetString(name)
	return v
}

func signAndSubmit(cmd *cobra.Command, d client.Draft) error {
	name := flagString(cmd, "key")
	if name == "" {
		return fmt.Errorf("choose the signing key with --key NAME (see `alephd keys list`)")
	}
	k, err := keyring(cmd).Get(name)
	if err != nil {
		return err
	}
	m, err := client.Sign(k.Private, d)
	if err != nil {
		return err
	}
	return submitMessage(cmd, m)
}

func submitMessage(cmd *cobra.Command, m *pb.AlephMessage) error {
	return submitTx(cmd, app.EncodeTx(m), m.ItemHash)
}

func submitTx(cmd *cobra.Command, tx []byte, itemHash string) error {
	c, err := client.New(flagString(cmd, "node"))
	if err != nil {
		return err
	}
	timeout, _ := cmd.Flags().GetDuration("timeout")
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	var res client.Result
	if async, _ := cmd.Flags().GetBool("async"); async {
		res, err = c.SubmitRaw(ctx, tx, itemHash)
	} else {
		res, err = c.SubmitTx(ctx, tx, itemHash)
	}
	if err != nil {
		return err
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	if _, err := fmt.Fprintln(cmd.OutOrStdout(), string(out)); err != nil {
		return err
	}
	if !res.OK() {
		cmd.SilenceErrors = true
		return errRejected
	}
	return nil
}
