package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/node"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	xnode "github.com/alephd/alephd/x/node"
)

// nodeTxCmd is `alephd tx node`: core channel node operations.
func nodeTxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Core channel node operations: create, stake, unstake, link a resource node, drop, unjail",
		Long: `Core channel node (CCN) operations. Each is a POST of type corechan-operation on
the chain's node channel (both from app_state.node.params: FOUNDATION by default),
with content {"action", "details"} and ref the target node, as aleph-nodestatus
reads them.`,
	}
	var f struct {
		name, multiaddress, picture, banner, description, reward, manager, registrationURL, pubkey string
		locked                                                                                     bool
		authorized                                                                                 []string
	}
	create := &cobra.Command{
		Use:   "create",
		Short: "Register the signer's core channel node, validating with the home's consensus key",
		Long: `Register the signer's core channel node (create-node). The signer must hold the
node threshold (200,000 ALEPH by default) and run no other CCN. The node names
the consensus key in the home's config/priv_validator_key.json (or
--consensus-pubkey): once active (staked past the activation threshold), it
can become a validator with that key. The item_hash printed is the node's hash.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key := f.pubkey
			if key == "" {
				var err error
				if key, err = homeConsensusKey(homeFlag(cmd)); err != nil {
					return err
				}
			}
			details := map[string]any{"name": f.name, "multiaddress": f.multiaddress, "consensus_pubkey": key}
			for name, v := range map[string]string{"picture": f.picture, "banner": f.banner, "description": f.description,
				"reward": f.reward, "manager": f.manager, "registration-url": f.registrationURL} {
				if cmd.Flags().Changed(name) {
					details[strings.ReplaceAll(name, "-", "_")] = v
				}
			}
			if cmd.Flags().Changed("locked") {
				details["locked"] = f.locked
			}
			if cmd.Flags().Changed("authorized") {
				details["authorized"] = f.authorized
			}
			return submitNodeOp(cmd, xnode.ActionCreateNode, "", details)
		},
	}
	fl := create.Flags()
	fl.StringVar(&f.name, "name", "", "the node's name")
	fl.StringVar(&f.multiaddress, "multiaddress", "", "the node's p2p multiaddress, e.g. /ip4/1.2.3.4/tcp/4025/p2p/Qm...")
	fl.StringVar(&f.picture, "picture", "", "picture (an IPFS hash)")
	fl.StringVar(&f.banner, "banner", "", "banner (an IPFS hash)")
	fl.StringVar(&f.description, "description", "", "description")
	fl.StringVar(&f.reward, "reward", "", "address rewards go to (default: the signer)")
	fl.StringVar(&f.manager, "manager", "", "address that manages the node (default: the signer)")
	fl.BoolVar(&f.locked, "locked", false, "accept stakes only from --authorized addresses")
	fl.StringSliceVar(&f.authorized, "authorized", nil, "addresses that may stake on a locked node (A,B,...)")
	fl.StringVar(&f.registrationURL, "registration-url", "", "where stakers register")
	fl.StringVar(&f.pubkey, "consensus-pubkey", "", "base64 ed25519 consensus key to validate with (default: the home's config/priv_validator_key.json)")
	for _, name := range []string{"name", "multiaddress"} {
		if err := create.MarkFlagRequired(name); err != nil {
			panic(err) // a flag defined just above
		}
	}

	onNode := func(use, action, short string) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error { return submitNodeOp(cmd, action, args[0], nil) },
		}
	}
	cmd.AddCommand(create,
		onNode("stake HASH", xnode.ActionStake, "Stake the signer's balance on a CCN, ending its other stakes (needs the staking threshold, 10,000 ALEPH by default)"),
		onNode("stake-split HASH", xnode.ActionStakeSplit, "Stake on one more CCN: the balance is split evenly over every CCN the signer stakes"),
		onNode("unstake HASH", xnode.ActionUnstake, "End the signer's stake on a CCN"),
		onNode("drop HASH", xnode.ActionDropNode, "Drop a node the signer owns (a CCN: its stakes end and its resource nodes are unlinked)"),
		onNode("link CRN_HASH", xnode.ActionLink, "Link a resource node to the signer's CCN"),
		onNode("unlink CRN_HASH", xnode.ActionUnlink, "Unlink a resource node (by its owner or its CCN's)"),
		onNode("unjail HASH", xnode.ActionUnjail, "End the jail of the signer's CCN, once jail_blocks have passed since it was jailed"))
	return cmd
}

// crnTxCmd is `alephd tx crn`: resource node operations.
func crnTxCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "crn", Short: "Resource node operations (link one to a CCN with `tx node link`)"}
	var address, name, typ, pubkey string
	var capacity uint64
	// resourceDetails adds --pubkey (checked here, so a bad key fails
	// before anything is signed) and --capacity when given.
	resourceDetails := func(cmd *cobra.Command, details map[string]any) error {
		if cmd.Flags().Changed("pubkey") {
			if _, err := xnode.ParseResourceKey(pubkey); err != nil {
				return fmt.Errorf("--pubkey: %w", err)
			}
			details["pubkey"] = pubkey
		}
		if cmd.Flags().Changed("capacity") {
			details["capacity"] = capacity
		}
		return nil
	}
	create := &cobra.Command{
		Use:   "create",
		Short: "Register a resource node (create-resource-node); the item_hash printed is its hash",
		Long: `Register a resource node. --pubkey is the secp256k1 public key (hex, 33 bytes
compressed or 65 uncompressed) the node signs its storage proofs and liveness
answers with: keep it on the node, apart from the owner's key. --capacity is
the storage it offers, in bytes: files are assigned in proportion to it (whole
GiB, at least 1; a node declaring none weighs as 1 GiB).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			details := map[string]any{"address": address, "type": typ}
			if name != "" {
				details["name"] = name
			}
			if err := resourceDetails(cmd, details); err != nil {
				return err
			}
			return submitNodeOp(cmd, xnode.ActionCreateResourceNode, "", details)
		},
	}
	amend := &cobra.Command{
		Use:   "amend HASH",
		Short: "Edit a resource node you own or manage (an amend POST): only the flags given change",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			details := map[string]any{}
			if cmd.Flags().Changed("address") {
				details["address"] = address
			}
			if cmd.Flags().Changed("name") {
				details["name"] = name
			}
			if err := resourceDetails(cmd, details); err != nil {
				return err
			}
			if len(details) == 0 {
				return fmt.Errorf("nothing to change: give --pubkey, --capacity, --address or --name")
			}
			p, err := nodeParams(cmd)
			if err != nil {
				return err
			}
			return signAndSubmit(cmd, client.Post(p.Channel, message.AmendType, map[string]any{"details": details}, args[0]))
		},
	}
	for _, c := range []*cobra.Command{create, amend} {
		c.Flags().StringVar(&address, "address", "", "the node's URL, e.g. https://crn.example.org")
		c.Flags().StringVar(&name, "name", "", "the node's name")
		c.Flags().StringVar(&pubkey, "pubkey", "", "the node's secp256k1 signing key, hex (33 or 65 bytes)")
		c.Flags().Uint64Var(&capacity, "capacity", 0, "the storage the node offers, in bytes")
	}
	create.Flags().StringVar(&typ, "type", "compute", "the node's type")
	if err := create.MarkFlagRequired("address"); err != nil {
		panic(err) // a flag defined just above
	}
	cmd.AddCommand(create, amend)
	return cmd
}

// submitNodeOp signs and submits a node operation on the chain's node
// channel, with the chain's operation post type.
func submitNodeOp(cmd *cobra.Command, action, ref string, details map[string]any) error {
	p, err := nodeParams(cmd)
	if err != nil {
		return err
	}
	if ch := flagString(cmd, "channel"); cmd.Flags().Changed("channel") && ch != p.Channel {
		return fmt.Errorf("node operations go on the chain's node channel %s, not %s: drop --channel", p.Channel, ch)
	}
	content := map[string]any{"action": action}
	if details != nil {
		content["details"] = details
	}
	return signAndSubmit(cmd, client.Post(p.Channel, p.OperationPostType, content, ref))
}

// nodeParams reads the node params of the chain at --node.
func nodeParams(cmd *cobra.Command) (xnode.Params, error) {
	var params struct {
		Node *xnode.Params `json:"node"`
	}
	c, err := client.New(flagString(cmd, "node"))
	if err != nil {
		return xnode.Params{}, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
	defer cancel()
	res, err := c.Query(ctx, app.PathParams, nil, 0, false)
	if err != nil {
		return xnode.Params{}, err
	}
	if err := json.Unmarshal(res.Value, &params); err != nil || params.Node == nil {
		return xnode.Params{}, fmt.Errorf("the node's params have no node module: %v", err)
	}
	return *params.Node, nil
}

// homeConsensusKey is the base64 public key of the home's validator key,
// as priv_validator_key.json holds it.
func homeConsensusKey(home string) (string, error) {
	path := filepath.Join(home, "config", "priv_validator_key.json")
	if node.IsInitialized(home) {
		c, err := node.LoadConfig(home)
		if err != nil {
			return "", err
		}
		path = c.PrivValidatorKeyFile()
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("the consensus key: %w (pass --consensus-pubkey, or --home of the validator)", err)
	}
	var pv struct {
		PubKey struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"pub_key"`
	}
	if err := json.Unmarshal(raw, &pv); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if pk, err := base64.StdEncoding.DecodeString(pv.PubKey.Value); err != nil || len(pk) != 32 || pv.PubKey.Type != "tendermint/PubKeyEd25519" {
		return "", fmt.Errorf("%s holds a %s key, not an ed25519 key of 32 bytes", path, pv.PubKey.Type)
	}
	return pv.PubKey.Value, nil
}

// nodeQueryCmds are `alephd query nodes|node|validators|stakes`; each
// prints what the HTTP API answers.
func nodeQueryCmds() []*cobra.Command {
	view := func(use, short, path string, args cobra.PositionalArgs) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: args,
			RunE: func(cmd *cobra.Command, args []string) error {
				if prove, _ := cmd.Flags().GetBool("prove"); prove {
					return fmt.Errorf("--prove works for `query node HASH`, `query message` and `query aggregate ADDRESS KEY`")
				}
				var data []byte
				if len(args) == 1 {
					data = []byte(args[0])
				}
				res, err := runQuery(cmd, path, data)
				if err != nil {
					return err
				}
				return printJSON(cmd, res, json.RawMessage(res.Value))
			},
		}
	}
	one := &cobra.Command{
		Use:   "node HASH",
		Short: "Show a node: a CCN with its stakers, or a CRN (with --prove, its proven record)",
		Long: `Show a node as GET /api/v0/nodes/{hash} does: a core channel node with its status,
total stake and stakers, or a resource node. With --prove, the node's record is
read with an IAVL proof checked against the app hash, and printed as stored:
what the proof covers (total_staked in ALEPH; no stakers and no status, which
come from other keys).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if prove, _ := cmd.Flags().GetBool("prove"); !prove {
				res, err := runQuery(cmd, app.PathNodeView, []byte(args[0]))
				if err != nil {
					return err
				}
				if v := bytes.TrimSpace(res.Value); len(v) == 0 || string(v) == "null" {
					return fmt.Errorf("node %s not found", args[0])
				}
				return printJSON(cmd, res, json.RawMessage(res.Value))
			}
			res, err := runQuery(cmd, app.PathNode, []byte(args[0]))
			if err != nil || res.Value == nil {
				return notFound(err, "node "+args[0])
			}
			rec := new(pb.NodeRecord)
			if err := proto.Unmarshal(res.Value, rec); err != nil {
				return fmt.Errorf("decode node %s: %w", args[0], err)
			}
			v, err := recordJSON(rec)
			if err != nil {
				return err
			}
			return printJSON(cmd, res, v)
		},
	}
	score := &cobra.Command{
		Use:   "crn-score HASH",
		Short: "Show a resource node's storage-proof score window (as GET /api/v0/compute/{hash}/metrics, by epoch)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := runQuery(cmd, app.PathResourceScore, []byte(args[0]))
			if err != nil {
				return err
			}
			if v := bytes.TrimSpace(res.Value); len(v) == 0 || string(v) == "null" {
				return fmt.Errorf("no score for %s: the chain keeps no scores (x/resource is off) or no epoch has judged the node yet", args[0])
			}
			return printJSON(cmd, res, json.RawMessage(res.Value))
		},
	}
	return []*cobra.Command{
		score,
		view("nodes", "Show every core channel and resource node (nodestatus's corechannel aggregate shape)", app.PathNodes, cobra.NoArgs),
		one,
		view("validators", "Show the newest validator set, with the CCN naming each key", app.PathValidators, cobra.NoArgs),
		view("stakes ADDRESS", "Show what an address stakes, and on which CCNs", app.PathStakes, cobra.ExactArgs(1)),
	}
}

// recordJSON renders a node record with its proto field names: amounts in
// ALEPH, keys in base64, 64-bit numbers as numbers and the kind as
// nodestatus says it ("core", "resource").
func recordJSON(rec *pb.NodeRecord) (map[string]any, error) {
	raw, err := protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}.Marshal(rec)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	fields := rec.ProtoReflect().Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		name := string(fd.Name())
		switch fd.Kind() {
		case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
			protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
			if s, ok := out[name].(string); ok {
				out[name] = json.Number(s)
			}
		}
	}
	out["total_staked"] = json.Number(balance.Format(new(big.Int).SetBytes(rec.TotalStaked)))
	out["kind"] = strings.ToLower(strings.TrimPrefix(rec.Kind.String(), "NODE_KIND_"))
	return out, nil
}
