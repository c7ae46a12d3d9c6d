package networks_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/node"
)

// TestMain removes the alephd binary that testnode.Alephd builds for the
// tests here; under -short they skip and nothing is built.
func TestMain(m *testing.M) { os.Exit(testnode.Main(m)) }

// network is a testnet of alephd processes.
type network struct {
	t     *testing.T
	nodes []node.TestnetNode
	procs []*exec.Cmd
	rpc   []*client.Client
}

func newNetwork(t *testing.T, validators int) *network { return newNetworkWith(t, validators, nil) }

// newNetworkWith starts a network on app_state appState (nil: the dev one).
func newNetworkWith(t *testing.T, validators int, appState []byte) *network {
	t.Helper()
	return newNetworkEdited(t, validators, appState, nil)
}

// newNetworkEdited is newNetworkWith, with edit (if set) run on the homes
// once they are written, before any node starts.
func newNetworkEdited(t *testing.T, validators int, appState []byte, edit func([]node.TestnetNode)) *network {
	t.Helper()
	base := testnode.FreePorts(t, validators*11) // 10 per node (P2P, RPC, ...), then one API port each
	nodes, err := node.Testnet(t.TempDir(), node.TestnetOptions{Validators: validators, ChainID: "faults",
		BasePort: base, APIBasePort: base + validators*10, TimeoutCommit: 200 * time.Millisecond, AppState: appState})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes { // snapshot often, so a joining node can state-sync
		ac, err := node.LoadAppConfig(n.Home)
		if err == nil {
			ac.SnapshotInterval = 10
			err = node.SaveAppConfig(n.Home, ac)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(nodes)
	}
	nw := &network{t: t, nodes: nodes, procs: make([]*exec.Cmd, validators)}
	for _, n := range nodes {
		c, err := client.New("tcp://" + n.RPC)
		if err != nil {
			t.Fatal(err)
		}
		nw.rpc = append(nw.rpc, c)
	}
	for i := range nodes {
		nw.start(i)
	}
	t.Cleanup(func() {
		for i := range nw.procs {
			nw.signal(i, syscall.SIGKILL)
		}
	})
	return nw
}

func (nw *network) start(i int) { nw.startIn(i, "") }

// startIn starts node i, inside network namespace ns if set.
func (nw *network) startIn(i int, ns string) {
	nw.t.Helper()
	log, err := os.OpenFile(filepath.Join(nw.nodes[i].Home, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		nw.t.Fatal(err)
	}
	binary := testnode.Alephd(nw.t)
	cmd := exec.Command(binary, "start", "--home", nw.nodes[i].Home)
	if ns != "" {
		cmd = exec.Command("ip", "netns", "exec", ns, binary, "start", "--home", nw.nodes[i].Home)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		nw.t.Fatal(err)
	}
	nw.procs[i] = cmd
}

// signal sends sig to node i's pid and waits for it to exit.
func (nw *network) signal(i int, sig syscall.Signal) {
	if p := nw.procs[i]; p != nil && p.Process != nil {
		_ = p.Process.Signal(sig)
		_, _ = p.Process.Wait()
	}
	nw.procs[i] = nil
}

// height is the last height node i's app has committed (ABCI Info): the
// block store, which RPC status reports, can be ahead while a node syncs.
func (nw *network) height(i int) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := nw.rpc[i].RPC().ABCIInfo(ctx)
	if err != nil {
		return -1
	}
	return info.Response.LastBlockHeight
}

// waitHeight waits until every listed node has committed h.
func (nw *network) waitHeight(h int64, timeout time.Duration, which ...int) {
	nw.t.Helper()
	deadline := time.Now().Add(timeout)
	for _, i := range which {
		for nw.height(i) < h {
			if time.Now().After(deadline) {
				nw.t.Fatalf("node %d stuck at height %d, waiting for %d\n%s", i, nw.height(i), h, tail(nw.nodes[i].Home))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func tail(home string) string {
	b, _ := os.ReadFile(filepath.Join(home, "node.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// appHashAt returns the app hash node i holds for state version h (the
// header of block h+1).
func (nw *network) appHashAt(i int, h int64) []byte {
	nw.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	next := h + 1
	c, err := nw.rpc[i].RPC().Commit(ctx, &next)
	if err != nil {
		nw.t.Fatalf("node %d: header %d: %v", i, next, err)
	}
	return c.SignedHeader.Header.AppHash
}

// agree checks that the listed nodes' headers carry the same app hash at
// every height from 1 to h, and that each node's own state (its app's last
// commit, from ABCI Info) is the one the chain's next header commits to:
// headers are shared, so only the latter shows what a node itself holds.
func (nw *network) agree(h int64, which ...int) {
	nw.t.Helper()
	for _, i := range which {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		info, err := nw.rpc[i].RPC().ABCIInfo(ctx)
		cancel()
		if err != nil {
			nw.t.Fatalf("node %d: ABCI info: %v", i, err)
		}
		own := info.Response.LastBlockHeight
		nw.waitHeight(own+1, 30*time.Second, which[0]) // the header that commits to it
		if want := nw.appHashAt(which[0], own); !bytes.Equal(info.Response.LastBlockAppHash, want) {
			nw.t.Fatalf("node %d's own state at height %d is %X; the chain says %X\n%s", i, own, info.Response.LastBlockAppHash, want, tail(nw.nodes[i].Home))
		}
	}
	for height := int64(1); height <= h; height++ {
		want := nw.appHashAt(which[0], height)
		for _, i := range which[1:] {
			if got := nw.appHashAt(i, height); !bytes.Equal(got, want) {
				nw.t.Fatalf("height %d: node %d has app hash %X, node %d %X", height, which[0], want, i, got)
			}
		}
	}
}

func all(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// peers lists the first n nodes as persistent peers (id@host:port).
func (nw *network) peers(n int) []string {
	nw.t.Helper()
	var out []string
	for _, v := range nw.nodes[:n] {
		c := cfg.DefaultConfig()
		c.SetRoot(v.Home)
		key, err := p2p.LoadNodeKey(c.NodeKeyFile())
		if err != nil {
			nw.t.Fatal(err)
		}
		out = append(out, string(key.ID())+"@"+v.P2P)
	}
	return out
}

// add registers a node home (not yet started) with its RPC address and
// returns its index.
func (nw *network) add(home, rpc string) int {
	nw.t.Helper()
	c, err := client.New("tcp://" + rpc)
	if err != nil {
		nw.t.Fatal(err)
	}
	nw.nodes = append(nw.nodes, node.TestnetNode{Home: home, RPC: rpc})
	nw.rpc = append(nw.rpc, c)
	nw.procs = append(nw.procs, nil)
	return len(nw.nodes) - 1
}
