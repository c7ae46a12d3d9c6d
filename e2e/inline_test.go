package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/internal/kubotest"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/node"
)

// TestAlephSDKNonInline runs sdk/inline.test.mjs — @aleph-sdk/client 1.7.4
// from npm — against a dev node: a 60 KB POST and a 200 KB AGGREGATE,
// which the SDK moves to "storage" itself, and the same through the ipfs
// engine (the node's embedded IPFS), each fetched, attested, applied and
// read back; and add_json's hash of a body is pyaleph's.
func TestAlephSDKNonInline(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs the Aleph SDK from npm under node against a node; make test runs it")
	}
	sdk := sdkDir(t)
	n := testnode.Start(t, testnode.Init(t, "sdk-inline", node.InitOptions{TimeoutCommit: 200 * time.Millisecond}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	runSDK(t, sdk, "inline.test.mjs", "ALEPHD_API=http://"+n.APIAddress)
}

// TestAlephSDKNonInlineKubo: the same on a node whose IPFS backend is a
// real kubo daemon (ipfs_api): add_json for the ipfs engine adds to kubo,
// and the fetcher reads the content back from it to attest its sha256.
func TestAlephSDKNonInlineKubo(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a kubo daemon and the Aleph SDK from npm under node; make test runs it")
	}
	sdk := sdkDir(t)
	d := kubotest.Start(t)
	home := testnode.Init(t, "sdk-inline-kubo", node.InitOptions{TimeoutCommit: 200 * time.Millisecond})
	api := testnode.FreeAddr(t)
	n, err := node.Start(home, node.Options{Quiet: true, APIAddr: api, IPFSAPI: d.API})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	runSDK(t, sdk, "inline.test.mjs", "ALEPHD_API=http://"+api)
}

// sdkDir is e2e/sdk with its npm dependencies installed.
func sdkDir(t *testing.T) string { return npmDir(t, "sdk", "@aleph-sdk/client") }

// npmDir is e2e/<name> with its npm dependencies installed (npm ci when
// node_modules lacks probe); node and npm must be on the PATH.
func npmDir(t *testing.T, name, probe string) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for the npm tests (Debian: apt-get install nodejs npm)", tool)
		}
	}
	dir, _ := filepath.Abs(name)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", probe)); err != nil {
		install := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return dir
}

// runSDK runs one node --test script in dir with env added, and fails
// unless every test passed.
func runSDK(t *testing.T, dir, script string, env ...string) {
	t.Helper()
	run := exec.Command("node", "--test", script)
	run.Dir = dir
	run.Env = append(os.Environ(), env...)
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "# fail 0") {
		t.Fatalf("%s failed: %v\n%s", script, err, out)
	}
	t.Logf("%s passed:\n%s", script, out)
}
