package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/crn"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
)

// TestCRNProcess runs the README's resource-node steps on processes: a
// single-validator chain with x/resource on and 10-block epochs, `alephd
// crn init`, `crn register` (signed by the node's key), `tx node link` by
// the CCN's owner, and `alephd crn start`. An IPFS file STOREd on the CCN
// is assigned to the node, fetched, and every challenge on it answered:
// `query crn-score` and /api/v0/compute/{id}/metrics show epochs fully
// passed. With the file's blocks deleted from the node's data dir, the
// next challenge fails (the node reports it missing and the epoch closes
// with fewer passed than issued); the node fetches it again and passes
// the epochs after.
func TestCRNProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs alephd binaries; make test runs it")
	}
	n := newNode(t)
	must := func(args ...string) string {
		t.Helper()
		out, code := alephd(t, args...)
		if code != 0 {
			t.Fatalf("alephd %s: %s", strings.Join(args, " "), out)
		}
		return out
	}
	must("keys", "add", "owner", "--home", n.home)
	must("keys", "add", "staker", "--home", n.home)
	must("genesis", "add-balance", "owner", "200000", "--home", n.home)
	must("genesis", "add-balance", "staker", "10000", "--home", n.home)
	// Proofs alone (no liveness slots), and never unlinked.
	must("genesis", "set-resource", "--replicas", "1", "--epoch-blocks", "10", "--proof-window-blocks", "8",
		"--probes-per-epoch", "0", "--zero-score-epochs", "0", "--home", n.home)
	editGenesis(t, n.home, func(state map[string]map[string]any) {
		state["node"]["params"].(map[string]any)["activation_threshold"] = 10000
	})
	rpc := n.start(t)
	defer n.signal(syscall.SIGTERM)

	ccn := n.tx(t, "node", "create", "--name", "ccn", "--multiaddress", "/ip4/127.0.0.1/tcp/4025/p2p/QmDemo", "--key", "owner")
	if !ccn.OK() {
		t.Fatalf("node create: %+v", ccn)
	}
	if r := n.tx(t, "node", "stake", ccn.ItemHash, "--key", "staker"); !r.OK() {
		t.Fatalf("stake: %+v", r)
	}

	home, listen := filepath.Join(t.TempDir(), "crn"), testnode.FreeAddr(t)
	if out, code := alephd(t, "crn", "init", "--home", home, "--ccn", n.api); code == 0 || !strings.Contains(out, "want a CCN's API URL") {
		t.Fatalf("crn init with a CCN URL without a scheme: exit %d, %s", code, out)
	}
	// The node follows two CCNs: the first is down, so it follows the
	// second throughout.
	var id struct {
		Pubkey, Address string
		CCNs            []string
	}
	down := "http://" + testnode.FreeAddr(t)
	if err := json.Unmarshal([]byte(must("crn", "init", "--home", home, "--ccn", down+",http://"+n.api, "--listen", listen)), &id); err != nil || len(id.Pubkey) != 68 || len(id.CCNs) != 2 {
		t.Fatalf("crn init: %+v %v", id, err)
	}
	var reg client.Result
	if err := json.Unmarshal([]byte(must("crn", "register", "--home", home, "--node", n.rpc, "--capacity", "1073741824")), &reg); err != nil || !reg.OK() {
		t.Fatalf("crn register: %+v %v", reg, err)
	}
	node := reg.ItemHash
	// A second resource node on the same host gets no URL (one per host, as
	// nodestatus keeps them): register says so and fails.
	twin := filepath.Join(t.TempDir(), "twin")
	must("crn", "init", "--home", twin, "--ccn", "http://"+n.api, "--listen", testnode.FreeAddr(t))
	if out, code := alephd(t, "crn", "register", "--home", twin, "--node", n.rpc); code == 0 || !strings.Contains(out, "registered without a URL") {
		t.Fatalf("a second node on %s's host: exit %d, %s", listen, code, out)
	}
	if r := n.tx(t, "node", "link", node, "--key", "owner"); !r.OK() {
		t.Fatalf("link: %+v", r)
	}
	proc := startCRN(t, home)
	defer proc.stop()

	data := make([]byte, 3*262144+1000) // 4 IPFS leaves, 193 chunks of 4 KiB
	r := rand.New(rand.NewPCG(22, 22))  //nolint:gosec // test data
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	ipfsFile := uploadTo(t, n.api, "ipfs", data)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := client.Sign(keys.FromSeed("crn-e2e-user"), client.Store("TEST", ipfsFile, "ipfs", 0))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := rpc.Submit(ctx, store); err != nil || !res.OK() {
		t.Fatalf("STORE: %+v %v", res, err)
	}
	// The sha256 file as the README's walk-through stores it: `alephd tx
	// store` uploads it to the API and publishes the STORE.
	path := filepath.Join(t.TempDir(), "small.bin")
	if err := os.WriteFile(path, data[:100000], 0o600); err != nil {
		t.Fatal(err)
	}
	res := n.tx(t, "store", path, "--key", "owner", "--api", "http://"+n.api)
	if !res.OK() {
		t.Fatalf("tx store: %+v", res)
	}
	sum := sha256.Sum256(data[:100000]) // the node holds and proves it below: the STORE named it
	shaFile := hex.EncodeToString(sum[:])

	// The node fetches the files, serves them, and its proofs pass.
	st := waitStatus(t, listen, proc, func(s crn.Status) bool {
		return s.Files.Held == 2 && passed(s, 0, ipfsFile) > 0 && passed(s, 0, shaFile) > 0
	})
	if st.Files.HeldBytes != uint64(len(data)+100000) || st.Files.Missing != 0 || st.ChainID != "e2e" || st.Node != node || st.CCN != "http://"+n.api {
		t.Fatalf("status: %+v", st)
	}
	for file, want := range map[string][]byte{ipfsFile: data, shaFile: data[:100000]} {
		res, err := http.Get("http://" + listen + "/storage/raw/" + file) //nolint:noctx // a test
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if !bytes.Equal(raw, want) {
			t.Fatalf("the node serves %d bytes of %s's %d", len(raw), file, len(want))
		}
	}
	score := waitScore(t, n, proc, node, func(v app.ResourceScoreView) bool {
		for _, e := range v.Epochs {
			if e.Issued > 0 && e.Passed == e.Issued {
				return true
			}
		}
		return false
	})
	t.Logf("score after the first proofs: %d bps over %d epochs", score.ScoreBps, len(score.Epochs))
	var metrics struct {
		Metrics map[string][]json.Number `json:"metrics"`
		NodeID  string                   `json:"node_id"`
	}
	if code := getJSON(t, "http://"+n.api+"/api/v0/compute/"+node+"/metrics", &metrics); code != http.StatusOK || metrics.NodeID != node || len(metrics.Metrics["passed"]) == 0 {
		t.Fatalf("metrics: %d %+v", code, metrics)
	}
	for _, p := range waitStatus(t, listen, proc, func(crn.Status) bool { return true }).Proofs {
		if p.Result != "submitted" && p.Result != "passed" {
			t.Fatalf("a proof before any file was deleted: %+v", p)
		}
	}

	// Delete a held file (the sha256 file, then the IPFS file's blocks):
	// the next challenge on it fails; fetched again, it passes after.
	stored := filepath.Join(home, "data", "content")
	deleteAndRecover(t, n, listen, proc, node, shaFile, func() error { return os.Remove(filepath.Join(stored, shaFile[:2], shaFile)) })
	deleteAndRecover(t, n, listen, proc, node, ipfsFile, func() error {
		return filepath.WalkDir(filepath.Join(stored, "ipfs", "blocks"), func(path string, _ fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(path, ".data") {
				err = os.Remove(path)
			}
			return err
		})
	})
}

// deleteAndRecover deletes file from the node's data dir and waits for a
// challenge on it to be reported missing, for its epoch to close with
// fewer proofs passed than issued, and for a later epoch's proof of it.
func deleteAndRecover(t *testing.T, n *testNode, listen string, proc *crnProc, node, file string, remove func() error) {
	t.Helper()
	before := map[[2]uint64]bool{}
	for _, p := range waitStatus(t, listen, proc, func(crn.Status) bool { return true }).Proofs {
		before[[2]uint64{p.Epoch, uint64(p.Slot)}] = true
	}
	deleted := time.Now()
	if err := remove(); err != nil {
		t.Fatal(err)
	}
	var missing crn.ProofResult
	waitStatus(t, listen, proc, func(s crn.Status) bool {
		for _, p := range slices.Backward(s.Proofs) { // the first found missing
			if p.Result == "missing" && p.File == file && !before[[2]uint64{p.Epoch, uint64(p.Slot)}] {
				missing = p
				return true
			}
		}
		return false
	})
	t.Logf("%s deleted %s ago: challenge %d/%d reported missing: %s", file, time.Since(deleted), missing.Epoch, missing.Slot, missing.Error)
	waitScore(t, n, proc, node, func(v app.ResourceScoreView) bool {
		for _, e := range v.Epochs {
			if e.Epoch == missing.Epoch {
				if e.Passed >= e.Issued {
					t.Fatalf("epoch %d closed with %d of %d passed after %s was deleted", e.Epoch, e.Passed, e.Issued, file)
				}
				return true
			}
		}
		return false
	})
	waitStatus(t, listen, proc, func(s crn.Status) bool { return s.Files.Held == 2 && passed(s, missing.Epoch+1, file) > 0 })
}

// passed counts the status's passed proofs of file from epoch on.
func passed(s crn.Status, epoch uint64, file string) int {
	k := 0
	for _, p := range s.Proofs {
		if p.Result == "passed" && p.Epoch >= epoch && p.File == file {
			k++
		}
	}
	return k
}

// crnProc is an `alephd crn start` process.
type crnProc struct {
	cmd *exec.Cmd
	log string
}

func startCRN(t *testing.T, home string) *crnProc {
	t.Helper()
	p := &crnProc{log: filepath.Join(home, "crn.log")}
	f, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // the child holds its own descriptor
	p.cmd = exec.Command(testnode.Alephd(t), "crn", "start", "--home", home, "--interval", "200ms")
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	return p
}

func (p *crnProc) stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		_, _ = p.cmd.Process.Wait()
		p.cmd = nil
	}
}

func (p *crnProc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// waitStatus polls the node's /status until ok holds (60 s at most).
func waitStatus(t *testing.T, listen string, p *crnProc, ok func(crn.Status) bool) crn.Status {
	t.Helper()
	var s crn.Status
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		s = crn.Status{}
		if getJSON(t, "http://"+listen+"/status", &s) == http.StatusOK && ok(s) {
			return s
		}
	}
	b, _ := json.MarshalIndent(s, "", " ")
	t.Fatalf("the node's status never came to pass:\n%s\n%s", b, p.tail())
	return s
}

// waitScore polls `alephd query crn-score` until ok holds (60 s at most).
func waitScore(t *testing.T, n *testNode, p *crnProc, node string, ok func(app.ResourceScoreView) bool) app.ResourceScoreView {
	t.Helper()
	var v app.ResourceScoreView
	var out string
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		var code int
		out, code = alephd(t, "query", "crn-score", node, "--node", n.rpc, "--home", n.home)
		if code == 0 && json.Unmarshal([]byte(out), &v) == nil && ok(v) {
			return v
		}
	}
	t.Fatalf("the score never came to pass: %s\n%s", out, p.tail())
	return v
}

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	res, err := http.Get(url) //nolint:gosec,noctx // a test server
	if err != nil {
		return 0
	}
	defer res.Body.Close() //nolint:errcheck // read only
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return 0
	}
	return res.StatusCode
}

// uploadTo adds data through the CCN's /api/v0/{engine}/add_file.
func uploadTo(t *testing.T, api, engine string, data []byte) string {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", "blob")
	_, _ = fw.Write(data) // into a bytes.Buffer, which never fails
	_ = w.Close()
	res, err := http.Post("http://"+api+"/api/v0/"+engine+"/add_file", w.FormDataContentType(), &body) //nolint:noctx // a test
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close() //nolint:errcheck // read only
	var out struct{ Hash string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || out.Hash == "" {
		t.Fatalf("upload: %s %v", res.Status, err)
	}
	return out.Hash
}

// editGenesis rewrites the home's genesis app_state modules.
func editGenesis(t *testing.T, home string, edit func(map[string]map[string]any)) {
	t.Helper()
	path := filepath.Join(home, "config", "genesis.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	state := map[string]map[string]any{}
	if err := json.Unmarshal(doc["app_state"], &state); err != nil {
		t.Fatal(err)
	}
	edit(state)
	if doc["app_state"], err = json.Marshal(state); err != nil {
		t.Fatal(err)
	}
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}

}
