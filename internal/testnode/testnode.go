// Package testnode starts real alephd nodes for tests: homes in a temporary
// directory, every listener on a free loopback port.
package testnode

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/node"
)

// Init creates a home under t's temporary directory for a new chain, with
// free RPC and P2P ports and fast blocks, and returns it.
func Init(t testing.TB, chainID string, o node.InitOptions) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "node")
	o.ChainID = chainID
	if o.RPCListen == "" {
		o.RPCListen = "tcp://" + FreeAddr(t)
	}
	o.P2PListen = "tcp://" + FreeAddr(t)
	if o.TimeoutCommit == 0 {
		o.TimeoutCommit = 100 * time.Millisecond
	}
	if o.AppState == nil && o.Genesis == "" {
		o.AppState = app.DevGenesis() // any key may post, as on `alephd start --dev`
	}
	if _, err := node.Init(home, o); err != nil {
		t.Fatal(err)
	}
	// A lone test node has no peers to exchange. Without PEX, CometBFT keeps
	// no address book, whose file it saves in the background after Stop
	// returns, racing the removal of the test's temporary directory.
	c, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	c.P2P.PexReactor = false
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), c)
	return home
}

// Start starts the node in home, quietly, with its HTTP API on a free port
// if api is set. The caller stops it.
func Start(t testing.TB, home string, api bool) *node.Node {
	t.Helper()
	o := node.Options{Quiet: true}
	if api {
		o.APIAddr = FreeAddr(t)
	}
	n, err := node.Start(home, o)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// RestartWithoutIndex stops n, deletes its query index (as `alephd index
// rebuild` does) and starts the node again with its API, so the index is
// rebuilt from the block store. The caller stops the new node.
func RestartWithoutIndex(t testing.TB, n *node.Node, home string) *node.Node {
	t.Helper()
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(node.IndexDir(home)); err != nil {
		t.Fatal(err)
	}
	return Start(t, home, true)
}
