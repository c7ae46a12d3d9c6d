package networks_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/loadgen"
	"github.com/alephd/alephd/node"
)

// submit sends n posts to node i and returns their item hashes once each is
// committed.
func submit(t *testing.T, nw *network, i, n int, tag string) []string {
	t.Helper()
	var hashes []string
	for j := 0; j < n; j++ {
		m, err := client.Sign(keys.FromSeed(fmt.Sprintf("%s-%d", tag, i)), client.Post("NET", "note", fmt.Sprintf("%s %d", tag, j), ""))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := nw.rpc[i].Submit(ctx, m)
		cancel()
		if err != nil || !res.OK() {
			t.Fatalf("submit to node %d: %+v %v", i, res, err)
		}
		hashes = append(hashes, m.ItemHash)
	}
	return hashes
}

// sameAnswers checks that every listed node answers the same for each hash.
func sameAnswers(t *testing.T, nw *network, hashes []string, which ...int) {
	t.Helper()
	for _, h := range hashes {
		var first []byte
		for k, i := range which {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			q, err := nw.rpc[i].Query(ctx, app.PathMessage, []byte(h), 0, false)
			cancel()
			if err != nil || q.Value == nil {
				t.Fatalf("node %d (app height %d, query at state %d) does not have %s: %v\n%s", i, nw.height(i), q.Height, h, err, tail(nw.nodes[i].Home))
			}
			if k == 0 {
				first = q.Value
			} else if !bytes.Equal(first, q.Value) {
				t.Fatalf("nodes disagree on %s", h)
			}
		}
	}
}

// TestFaults runs one 4-validator network through the fault cases in turn.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a network of alephd processes; make test runs it")
	}
	nw := newNetwork(t, 4)
	nw.waitHeight(2, 60*time.Second, all(4)...)

	t.Run("agreement", func(t *testing.T) {
		var hashes []string
		for i := 0; i < 4; i++ { // messages submitted to different nodes
			hashes = append(hashes, submit(t, nw, i, 3, "agree")...)
		}
		h := nw.height(0)
		nw.waitHeight(h+1, 30*time.Second, all(4)...)
		nw.agree(h, all(4)...)
		sameAnswers(t, nw, hashes, all(4)...)
		// The p2p byte counters (node/metrics.go) count what peers sent.
		resp, err := http.Get("http://" + nw.nodes[0].API + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close() // read to its end already
		for _, want := range []string{"cometbft_p2p_peer_receive_bytes_total{chID=", "cometbft_p2p_message_receive_bytes_total{chain_id="} {
			if !strings.Contains(string(body), want) {
				t.Errorf("node 0's /metrics lacks %s", want)
			}
		}
	})

	t.Run("one crash", func(t *testing.T) {
		nw.signal(3, syscall.SIGKILL)
		h := nw.height(0)
		hashes := submit(t, nw, 1, 3, "crash")
		nw.waitHeight(h+3, 30*time.Second, 0, 1, 2) // 3 of 4 keep committing
		nw.start(3)
		top := nw.height(0)
		nw.waitHeight(top, 60*time.Second, 3) // it catches up
		nw.agree(top-1, all(4)...)
		sameAnswers(t, nw, hashes, all(4)...)
	})

	t.Run("loss of quorum", func(t *testing.T) {
		nw.signal(2, syscall.SIGKILL)
		nw.signal(3, syscall.SIGKILL)
		time.Sleep(time.Second) // let an in-flight block finish
		stuck := nw.height(0)
		time.Sleep(3 * time.Second)
		if h := nw.height(0); h > stuck+1 {
			t.Fatalf("2 of 4 validators committed: %d -> %d", stuck, h)
		}
		nw.start(2)
		nw.start(3)
		nw.waitHeight(stuck+3, 60*time.Second, all(4)...) // the chain resumes
		nw.agree(stuck+2, all(4)...)
	})

	t.Run("joining node (block sync)", func(t *testing.T) {
		// Load the chain past 10,000 messages, then start a fifth node.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		rep, err := loadgen.Run(ctx, loadgen.Config{Nodes: []string{"tcp://" + nw.nodes[0].RPC, "tcp://" + nw.nodes[1].RPC},
			Duration: 20 * time.Second, Concurrency: 8, Messages: 15_000, Seed: "join"})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		// The load counts only its own messages committed, each at most once.
		if rep.Committed == 0 || rep.Committed > rep.Submitted {
			t.Fatalf("load: %d of its %d messages committed", rep.Committed, rep.Submitted)
		}
		target := nw.height(0)
		nw.waitHeight(target, 30*time.Second, all(4)...)
		peers := nw.peers(4)
		c := cfg.DefaultConfig()
		c.SetRoot(nw.nodes[0].Home)
		home := filepath.Join(nw.t.TempDir(), "joiner") // removed after the processes are killed
		rpc := testnode.FreeAddr(t)
		if _, err := node.Init(home, node.InitOptions{Genesis: c.GenesisFile(), RPCListen: "tcp://" + rpc,
			P2PListen: "tcp://" + testnode.FreeAddr(t), PersistentPeers: strings.Join(peers, ",")}); err != nil {
			t.Fatal(err)
		}
		if err := node.SaveAppConfig(home, node.AppConfig{APIAddr: testnode.FreeAddr(t)}); err != nil {
			t.Fatal(err)
		}
		j := nw.add(home, rpc)
		start := time.Now()
		nw.start(j)
		nw.waitHeight(target, 3*time.Minute, j)
		t.Logf("a new node block-synced %d blocks holding %d committed messages in %s", target, rep.Committed, time.Since(start).Round(100*time.Millisecond))
		nw.agree(target-1, 0, j)
	})

	t.Run("joining node (state sync)", func(t *testing.T) {
		target := nw.height(0)
		trust := target - 5
		tc, err := nw.rpc[0].RPC().Commit(context.Background(), &trust)
		if err != nil {
			t.Fatal(err)
		}
		peers := nw.peers(4)
		g := cfg.DefaultConfig()
		g.SetRoot(nw.nodes[0].Home)
		home := filepath.Join(nw.t.TempDir(), "statesync")
		rpc := testnode.FreeAddr(t)
		if _, err := node.Init(home, node.InitOptions{Genesis: g.GenesisFile(), RPCListen: "tcp://" + rpc,
			P2PListen: "tcp://" + testnode.FreeAddr(t), PersistentPeers: strings.Join(peers, ",")}); err != nil {
			t.Fatal(err)
		}
		c, err := node.LoadConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		c.StateSync.Enable = true
		c.StateSync.RPCServers = []string{"tcp://" + nw.nodes[0].RPC, "tcp://" + nw.nodes[1].RPC}
		c.StateSync.TrustHeight = trust
		c.StateSync.TrustHash = tc.SignedHeader.Commit.BlockID.Hash.String()
		c.StateSync.TrustPeriod = 168 * time.Hour
		c.StateSync.DiscoveryTime = 5 * time.Second
		cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), c)
		if err := node.SaveAppConfig(home, node.AppConfig{APIAddr: testnode.FreeAddr(t), SnapshotInterval: 10}); err != nil {
			t.Fatal(err)
		}
		j := nw.add(home, rpc)
		start := time.Now()
		nw.start(j)
		nw.waitHeight(target, 3*time.Minute, j)
		// Right after a restore the app reports the snapshot's height while
		// the block store is still empty: wait for its first block.
		var earliest int64
		for deadline := time.Now().Add(60 * time.Second); earliest == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, err := nw.rpc[j].RPC().Status(ctx)
			cancel()
			if err == nil {
				earliest = st.SyncInfo.EarliestBlockHeight
			}
		}
		if earliest <= 1 {
			t.Fatalf("the node did not state-sync (earliest block %d)\n%s", earliest, tail(home))
		}
		t.Logf("a new node state-synced from the snapshot at height %d and reached height %d in %s",
			earliest, target, time.Since(start).Round(100*time.Millisecond))
		h := nw.height(j) - 1
		if !bytes.Equal(nw.appHashAt(0, h), nw.appHashAt(j, h)) {
			t.Fatalf("the state-synced node disagrees at height %d", h)
		}
	})

	t.Run("full restart", func(t *testing.T) {
		hashes := submit(t, nw, 0, 3, "restart")
		for i := range nw.procs {
			nw.signal(i, syscall.SIGTERM)
		}
		last := int64(0)
		for i := 0; i < 4; i++ {
			nw.start(i)
		}
		nw.waitHeight(1, 60*time.Second, all(4)...)
		last = nw.height(0)
		nw.waitHeight(last+2, 60*time.Second, all(4)...) // continues from where it stopped
		nw.agree(last+1, all(4)...)
		sameAnswers(t, nw, hashes, all(4)...)
	})
}
