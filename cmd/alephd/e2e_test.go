package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
)

// TestMain removes the alephd binary that testnode.Alephd builds for the
// tests that run it as a process; under -short they skip and nothing is built.
func TestMain(m *testing.M) { os.Exit(testnode.Main(m)) }

// alephd runs the binary and returns its stdout and exit code.
func alephd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(testnode.Alephd(t), args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out) + stderr.String(), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("alephd %v: %v", args, err)
	}
	return string(out), 0
}

// testNode is an alephd process on its own home and ports.
type testNode struct {
	home, rpc, api string
	cmd            *exec.Cmd
}

// tx runs `alephd tx ARGS` against the node and returns its result; the
// exit code must agree with it.
func (n *testNode) tx(t *testing.T, args ...string) client.Result {
	t.Helper()
	out, code := alephd(t, append(append([]string{"tx"}, args...), "--home", n.home, "--node", n.rpc)...)
	var res client.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil || (code == 0) != res.OK() {
		t.Fatalf("tx %v: exit %d, %s", args, code, out)
	}
	return res
}

func newNode(t *testing.T) *testNode {
	t.Helper()
	n := &testNode{home: filepath.Join(t.TempDir(), "home"), rpc: "tcp://" + testnode.FreeAddr(t), api: testnode.FreeAddr(t)}
	if out, code := alephd(t, "init", "--home", n.home, "--chain-id", "e2e", "--rpc-laddr", n.rpc,
		"--p2p-laddr", "tcp://"+testnode.FreeAddr(t), "--timeout-commit", "200ms", "--free-tokens", "10000"); code != 0 {
		t.Fatalf("init: %s", out)
	}
	return n
}

func (n *testNode) start(t *testing.T) *client.Client {
	t.Helper()
	log, err := os.OpenFile(filepath.Join(n.home, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	n.cmd = exec.Command(testnode.Alephd(t), "start", "--home", n.home, "--api-addr", n.api)
	n.cmd.Stdout, n.cmd.Stderr = log, log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.signal(syscall.SIGKILL) })
	c, err := client.New(n.rpc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.WaitForHeight(ctx, 1); err != nil {
		b, _ := os.ReadFile(filepath.Join(n.home, "node.log"))
		t.Fatalf("node did not start: %v\n%s", err, b)
	}
	return c
}

// signal sends sig to the node's pid and waits for it to exit.
func (n *testNode) signal(sig syscall.Signal) {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	_ = n.cmd.Process.Signal(sig)
	_, _ = n.cmd.Process.Wait()
	n.cmd = nil
}

// TestSubmitMainnetVectors submits signed mainnet messages from pyaleph's
// fixtures with `alephd tx submit`: those a fresh chain can accept are
// accepted, and tampered copies are refused with a log that says why.
func TestSubmitMainnetVectors(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs alephd binaries; make test runs it")
	}
	n := newNode(t)
	n.start(t)
	var file struct {
		Messages []json.RawMessage `json:"messages"`
	}
	raw, err := os.ReadFile("../../x/message/testdata/mainnet_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	accepted := 0
	for i, m := range file.Messages {
		path := filepath.Join(dir, fmt.Sprintf("v%02d.json", i))
		if err := os.WriteFile(path, m, 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"tx", "submit", path, "--node", n.rpc}
		out, code := alephd(t, args...)
		var res client.Result
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("vector %d: output is not a JSON result: %s", i, out)
		}
		if (code == 0) != res.OK() {
			t.Fatalf("vector %d: exit code %d for result %+v", i, code, res)
		}
		if res.OK() {
			accepted++
			if res.Height == 0 {
				t.Fatalf("vector %d accepted without a height: %+v", i, res)
			}
			continue
		}
		// The only refusals are dependencies a fresh chain lacks and one
		// FORGET that names nothing (pyaleph refuses it too).
		if res.Codespace != "message" || !strings.Contains(res.Log, "not found") && !strings.Contains(res.Log, "names no target") && !strings.Contains(res.Log, "may not act for") {
			t.Errorf("vector %d refused unexpectedly: %+v", i, res)
		}
	}
	if accepted < 25 {
		t.Fatalf("only %d of %d mainnet vectors accepted", accepted, len(file.Messages))
	}

	var m map[string]any
	if err := json.Unmarshal(file.Messages[2], &m); err != nil {
		t.Fatal(err)
	}
	for name, tamper := range map[string]func(map[string]any){
		"content":   func(m map[string]any) { m["item_content"] = strings.Replace(m["item_content"].(string), "1", "2", 1) },
		"sender":    func(m map[string]any) { m["sender"] = apptest.Address(apptest.Key("intruder")) },
		"signature": func(m map[string]any) { s := m["signature"].(string); m["signature"] = s[:10] + "00" + s[12:] },
	} {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		c["item_hash"] = m["item_hash"].(string)[:63] + "0"
		if name != "content" {
			c["item_hash"] = m["item_hash"]
		}
		tamper(c)
		b, _ := json.Marshal(map[string]any{"message": c, "sync": true})
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, code := alephd(t, "tx", "submit", path, "--node", n.rpc)
		if code != 1 || !strings.Contains(out, `"code": `) || strings.Contains(out, `"code": 0`) {
			t.Errorf("tampered %s: exit %d, %s", name, code, out)
		}
		if !strings.Contains(out, "item_hash is") && !strings.Contains(out, "signature over") && !strings.Contains(out, " recovers ") && !strings.Contains(out, "does not recover") && !strings.Contains(out, "already accepted") {
			t.Errorf("tampered %s: the log does not say what is wrong: %s", name, out)
		}
	}
}

// TestKill9LosesNothing submits messages while the node is killed with
// SIGKILL; after a restart every acknowledged message is still there.
func TestKill9LosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs alephd binaries; make test runs it")
	}
	n := newNode(t)
	c := n.start(t)
	k := apptest.Key("kill9")

	var mu sync.Mutex
	var acked []client.Result
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				m, err := client.Sign(k, client.Post("TEST", "kill9", fmt.Sprintf("w%d-%d", w, i), ""))
				if err != nil {
					return
				}
				res, err := c.Submit(ctx, m)
				if err == nil && res.OK() {
					mu.Lock()
					acked = append(acked, res)
					mu.Unlock()
				}
			}
		}(w)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		got := len(acked)
		mu.Unlock()
		if got >= 40 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	n.signal(syscall.SIGKILL) // while submissions are in flight
	cancel()
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no message was acknowledged before the kill")
	}

	c = n.start(t)
	qctx, qcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer qcancel()
	var maxHeight int64
	for _, r := range acked {
		if r.Height > maxHeight {
			maxHeight = r.Height
		}
	}
	if err := c.WaitForHeight(qctx, maxHeight); err != nil {
		t.Fatal(err)
	}
	for _, r := range acked {
		q, err := c.Query(qctx, app.PathMessage, []byte(r.ItemHash), 0, false)
		if err != nil || q.Value == nil {
			t.Fatalf("acknowledged message %s (height %d) lost after kill -9: %v", r.ItemHash, r.Height, err)
		}
	}
	// The API serves them too: its index catches up from the block store.
	for _, r := range acked {
		deadline := time.Now().Add(30 * time.Second)
		for {
			res, err := http.Get("http://" + n.api + "/api/v0/messages/" + r.ItemHash)
			var body struct {
				Status string `json:"status"`
			}
			if err == nil {
				// A body that does not decode leaves Status empty: poll again.
				_ = json.NewDecoder(res.Body).Decode(&body)
				_ = res.Body.Close() // read only
			}
			if body.Status == "processed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the API does not serve acknowledged message %s after kill -9 (status %q, %v)", r.ItemHash, body.Status, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	t.Logf("%d acknowledged messages survived kill -9, in state and in the API", len(acked))
	n.signal(syscall.SIGTERM)
}

// TestAHomeInUseIsRefused: while a node runs, a second `start` on its home
// and an `index rebuild` are refused with a message that says why, and the
// running node's index is left alone.
func TestAHomeInUseIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs alephd binaries; make test runs it")
	}
	n := newNode(t)
	n.start(t)
	defer n.signal(syscall.SIGTERM)
	for _, args := range [][]string{
		{"start", "--home", n.home, "--api-addr", ""},
		{"index", "rebuild", "--home", n.home},
	} {
		out, code := alephd(t, args...)
		if code == 0 || !strings.Contains(out, "is another alephd running on this home?") {
			t.Errorf("alephd %s: exit %d, %s", strings.Join(args, " "), code, out)
		}
	}
	if _, err := os.Stat(filepath.Join(n.home, "data", "index")); err != nil {
		t.Fatalf("the running node's index: %v", err)
	}
}
