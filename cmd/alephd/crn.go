package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/crn"
	"github.com/alephd/alephd/node"
	pb "github.com/alephd/alephd/proto/alephdv1"
	xnode "github.com/alephd/alephd/x/node"
)

// crnCmd is `alephd crn`: a resource node's own process, apart from a CCN.
func crnCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "crn",
		Short: "Run a resource node: init its home, register it, start it",
		Long: `A resource node (CRN) keeps the files the chain assigns it and proves it holds
them. It has its own home (--home; default $ALEPHD_HOME/crn): config.json, its
secp256k1 key (key, 0600) and data/. Register it with ` + "`alephd crn register`" + `, have
the CCN's owner link it (` + "`alephd tx node link CRN_HASH --key OWNER`" + `), then
` + "`alephd crn start`" + `.`,
	}
	cmd.AddCommand(crnInitCmd(), crnRegisterCmd(), crnStartCmd())
	return cmd
}

// crnHome is --home, or $ALEPHD_HOME/crn when it is not given, so a
// resource node never shares a CCN's home by default.
func crnHome(cmd *cobra.Command) crn.Home {
	if cmd.Flags().Changed("home") {
		return crn.Home{Dir: homeFlag(cmd)}
	}
	return crn.Home{Dir: filepath.Join(node.DefaultHome(), "crn")}
}

func crnInitCmd() *cobra.Command {
	var cfg crn.Config
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a resource node's home and key; prints its public key and account",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.URL == "" {
				cfg.URL = "http://" + cfg.Listen
			}
			for i, u := range cfg.CCNs {
				if cfg.CCNs[i] = strings.TrimRight(u, "/"); !validHTTPURL(cfg.CCNs[i]) {
					return fmt.Errorf("--ccn %q: want a CCN's API URL, http://HOST:PORT", u)
				}
			}
			h := crnHome(cmd)
			key, err := h.Init(cfg)
			if err != nil {
				return err
			}
			return printOut(cmd, map[string]any{"home": h.Dir, "pubkey": crn.Pubkey(key), "address": crn.Address(key), "url": cfg.URL, "ccns": cfg.CCNs})
		},
	}
	cmd.Flags().StringSliceVar(&cfg.CCNs, "ccn", []string{"http://127.0.0.1:4024"}, "the API URL of a CCN the node follows; several (repeated, or comma-separated) are tried in order, the next when one fails")
	cmd.Flags().StringVar(&cfg.Listen, "listen", "127.0.0.1:4030", "the node's HTTP listen address (host:port)")
	cmd.Flags().StringVar(&cfg.URL, "url", "", "the URL registered on chain, where validators and clients reach the node (default http://LISTEN)")
	return cmd
}

func printOut(cmd *cobra.Command, v any) error {
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(cmd.OutOrStdout(), string(out))
	return err
}

func crnRegisterCmd() *cobra.Command {
	var capacity uint64
	var name string
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Register the node (create-resource-node, signed by the node's own key) and record its hash",
		Long: `Send the create-resource-node POST naming the node's URL, public key and
capacity, signed by the node's key (its account owns the node), as
` + "`alephd tx crn create`" + ` does, and record the node's hash in the home. The
CCN's owner then links it: ` + "`alephd tx node link CRN_HASH --key OWNER`" + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := crnHome(cmd)
			cfg, key, err := h.Load()
			if err != nil {
				return err
			}
			if cfg.NodeHash != "" {
				return fmt.Errorf("the node is registered already: %s", cfg.NodeHash)
			}
			if _, err := xnode.ParseResourceKey(crn.Pubkey(key)); err != nil {
				return err
			}
			details := map[string]any{"address": cfg.URL, "type": "compute", "pubkey": crn.Pubkey(key), "capacity": capacity}
			if name != "" {
				details["name"] = name
			}
			p, err := nodeParams(cmd)
			if err != nil {
				return err
			}
			m, err := client.Sign(key, client.Post(p.Channel, p.OperationPostType, map[string]any{"action": xnode.ActionCreateResourceNode, "details": details}, ""))
			if err != nil {
				return err
			}
			c, err := client.New(flagString(cmd, "node"))
			if err != nil {
				return err
			}
			timeout, _ := cmd.Flags().GetDuration("timeout")
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			res, err := c.Submit(ctx, m)
			if err != nil {
				return err
			}
			if !res.OK() {
				cmd.SilenceErrors = true
				_ = printOut(cmd, res)
				return errRejected
			}
			st, err := c.RPC().Status(ctx)
			if err != nil {
				return err
			}
			cfg.NodeHash, cfg.ChainID = res.ItemHash, st.NodeInfo.Network
			if err := h.Save(cfg); err != nil {
				return err
			}
			if err := printOut(cmd, res); err != nil {
				return err
			}
			return checkRegisteredURL(ctx, c, res.ItemHash, cfg.URL)
		},
	}
	cmd.Flags().Uint64Var(&capacity, "capacity", 1<<30, "the storage the node offers, in bytes (files are assigned in proportion, by whole GiB)")
	cmd.Flags().StringVar(&name, "name", "", "the node's name")
	cmd.Flags().String("node", client.DefaultRPC, "CometBFT RPC address of a node of the chain")
	cmd.Flags().Duration("timeout", 30*time.Second, "how long to wait for the registration's block")
	return cmd
}

func crnStartCmd() *cobra.Command {
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node: fetch and keep its files, answer its challenges, serve /status, files and liveness probes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := crnHome(cmd)
			cfg, key, err := h.Load()
			if err != nil {
				return err
			}
			store, err := crn.OpenStore(h.DataDir(), &http.Client{Timeout: 10 * time.Minute})
			if err != nil {
				return err
			}
			defer store.Close() //nolint:errcheck // files are durable before they are listed
			logf := func(format string, args ...any) { fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", args...) }
			n, err := crn.New(cfg, key, store, logf)
			if err != nil {
				return err
			}
			l, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: n.Handler(), ReadHeaderTimeout: 10 * time.Second}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			served := make(chan error, 1)
			go func() { served <- srv.Serve(l) }()
			logf("crn: node %s listening on %s, following %s", cfg.NodeHash, l.Addr(), strings.Join(cfg.CCNs, ", "))
			n.Run(ctx, interval)
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return err
			}
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&interval, "interval", 500*time.Millisecond, "how often the node reads its files and challenges from its CCN")
	return cmd
}

// checkRegisteredURL fails when the chain stored no URL for the node just
// registered: x/node keeps one resource node per host, as nodestatus does,
// and stores a second one's address empty. Such a node can never be probed
// (its liveness slots never count) nor reached for its files, so the
// operator must hear it now rather than read a zero score later.
func checkRegisteredURL(ctx context.Context, c *client.Client, hash, url string) error {
	res, err := c.Query(ctx, app.PathNode, []byte(hash), 0, false)
	if err != nil {
		return err
	}
	rec := new(pb.NodeRecord)
	if res.Value == nil || proto.Unmarshal(res.Value, rec) != nil {
		return fmt.Errorf("node %s: registered, but its record cannot be read back", hash)
	}
	if rec.Address == "" {
		return fmt.Errorf("node %s is registered without a URL: another resource node already holds the host of %s (the chain keeps one per host, as nodestatus does). Validators cannot probe it and its score will stay 0: run the node on another host and amend its address (details.address), or drop it", hash, url)
	}
	return nil
}

// validHTTPURL reports whether u is an absolute http or https URL with a
// host, as a CCN's API base must be.
func validHTTPURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}
