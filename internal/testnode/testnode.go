// Package testnode starts real alephd nodes for tests: homes in a temporary
// directory, every listener on a free loopback port.
package testnode

import (
	"fmt"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/node"
)

// FreeAddr returns a loopback host:port nobody listens on right now, below
// the kernel's ephemeral range (see FreePorts).
func FreeAddr(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("127.0.0.1:%d", FreePorts(t, 1))
}

// FreePorts returns the first of n consecutive loopback ports nobody listens
// on right now; the first is a multiple of 10. They are taken below the
// kernel's ephemeral range: a node started as a separate process binds its
// ports seconds later, while nodes already running dial each other, and an
// outgoing connection's source port, drawn from that range, could take one
// first (a CI run lost a 4-validator test so).
func FreePorts(t testing.TB, n int) int {
	t.Helper()
	const lowest = 10000
	top := ephemeralStart() - n
	if top <= lowest {
		t.Fatalf("no room for %d ports below the ephemeral port range", n)
	}
	for try := 0; try < 100; try++ {
		base := lowest + rand.Intn(top-lowest)/10*10
		if free(base, n) {
			return base
		}
	}
	t.Fatalf("no %d free loopback ports", n)
	return 0
}

func free(base, n int) bool {
	for p := base; p < base+n; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// ephemeralStart is the first port of the kernel's ephemeral range, from
// which outgoing connections take their source ports (Linux's default start
// where it cannot be read).
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil || lo <= 0 {
		return 32768
	}
	return lo
}

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
