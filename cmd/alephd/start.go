package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
)

const (
	devChainID = "alephd-dev"
	devKeyName = "dev"
	// devFunds is what the dev key holds in genesis: 1,000,000 ALEPH.
	devFunds = "1000000"
)

func startCmd() *cobra.Command {
	var dev bool
	var apiAddr, ipfsAPI, ethRPC string
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node",
		Long: `Run the node until interrupted. With --dev, a single-validator development chain
needs no set-up: on first start its home (default ~/.alephd-dev) is created with
chain id alephd-dev and a funded key named "dev".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if os.Getenv("GOGC") == "" {
				// A node's heap is mostly short-lived request and block
				// garbage; collecting at 5x live heap instead of 2x cut GC CPU
				// enough to raise committed msgs/s by ~10% on 2 cores.
				debug.SetGCPercent(400)
			}
			home := homeFlag(cmd)
			if dev && !cmd.Flags().Changed("home") && os.Getenv("ALEPHD_HOME") == "" {
				home = devHome()
			}
			out := cmd.OutOrStdout()
			var devAddr string
			if dev {
				addr, err := ensureDevHome(home)
				if err != nil {
					return err
				}
				devAddr = addr
			}
			if !cmd.Flags().Changed("api-addr") {
				ac, err := node.LoadAppConfig(home)
				if err != nil {
					return err
				}
				apiAddr = ac.APIAddr
			}
			n, err := node.Start(home, node.Options{APIAddr: apiAddr, IPFSAPI: ipfsAPI, EthRPC: ethRPC})
			if err != nil {
				return err
			}
			api := "none (--api-addr is empty)"
			if n.APIAddress != "" {
				api = "http://" + n.APIAddress
			}
			// The node runs whether or not its banner reaches a terminal.
			_, _ = fmt.Fprintf(out, "alephd %s started\n  chain id: %s\n  home:     %s\n  rpc:      %s\n  api:      %s\n", version, chainID(n), home, n.RPCAddress(), api)
			if devAddr != "" {
				_, _ = fmt.Fprintf(out, "  dev key:  %s (name %q, %s ALEPH; sign with --key %s)\n", devAddr, devKeyName, devFunds, devKeyName)
			}
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			_, _ = fmt.Fprintln(out, "stopping (interrupt again to exit at once)")
			go func() { // a second interrupt: the operator does not want to wait
				<-sig
				os.Exit(130)
			}()
			return n.Stop()
		},
	}
	cmd.Flags().StringVar(&apiAddr, "api-addr", node.DefaultAPIAddr, "HTTP API listen address (host:port; empty for none; default: config/app.toml, else 127.0.0.1:4024)")
	cmd.Flags().StringVar(&ipfsAPI, "ipfs-api", "", "a kubo daemon's RPC multiaddr (e.g. /ip4/127.0.0.1/tcp/5001) for IPFS content; default: config/app.toml's ipfs_api, else the embedded store")
	cmd.Flags().StringVar(&ethRPC, "eth-rpc", "", "this validator's Ethereum RPC endpoint (http, ws or ipc) for the ALEPH token genesis names; default: config/app.toml's eth_rpc, else none (the node attests no Ethereum balances)")
	cmd.Flags().BoolVar(&dev, "dev", false, "run a single-validator dev chain, creating its home on first start")
	return cmd
}

func devHome() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".alephd-dev"
	}
	return filepath.Join(home, ".alephd-dev")
}

// ensureDevHome creates the dev chain on first start and returns the dev
// key's address.
func ensureDevHome(home string) (string, error) {
	ring := keys.Open(node.KeyringDir(home))
	if node.IsInitialized(home) {
		k, err := ring.Get(devKeyName)
		if err != nil {
			return "", nil // a dev home whose key was removed still runs
		}
		return k.Address, nil
	}
	// The dev key comes first: the dev chain trusts it as a balance
	// oracle, so balances-update posts can be tried without set-up. A key
	// left by a first start that crashed before Init is reused.
	k, err := ring.Get(devKeyName)
	if err != nil {
		if k, err = ring.Add(devKeyName, ""); err != nil {
			return "", err
		}
	}
	units, err := parseALEPH(devFunds)
	if err != nil {
		return "", err
	}
	// The funds go into the genesis Init writes, not added after it: a
	// crash in between would leave a dev chain without them.
	appState, err := node.WithGenesisBalance(app.DevGenesis(k.Address), k.Address, units)
	if err != nil {
		return "", err
	}
	if _, err := node.Init(home, node.InitOptions{ChainID: devChainID, Moniker: "alephd-dev", AppState: appState, StakedValidator: true}); err != nil {
		return "", err
	}
	return k.Address, nil
}

func chainID(n *node.Node) string {
	doc, err := loadGenesis(n.Config.GenesisFile())
	if err != nil {
		return "?"
	}
	return doc.ChainID
}
