package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/node"
)

// TestAlephSDK runs sdk/sdk.test.mjs — @aleph-sdk/client 1.7.4 from npm —
// against a dev node with its HTTP API: posts, aggregates, a STORE upload
// and download, listings, getMessage, prices, forget and the websocket; the
// 1.9 calls npm has not published (address stats and files, the aggregates
// list, balances, file metadata, the node version, cursor iteration) as
// sdk/sdk19.mjs replays them; and a browser's CORS preflight.
func TestAlephSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs the Aleph SDK from npm under node against a node; make test runs it")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for the SDK test (Debian: apt-get install nodejs npm)", tool)
		}
	}
	sdk, _ := filepath.Abs("sdk")
	if _, err := os.Stat(filepath.Join(sdk, "node_modules", "@aleph-sdk", "client")); err != nil {
		install := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		install.Dir = sdk
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", sdk, err, out)
		}
	}

	n := testnode.Start(t, testnode.Init(t, "sdk-e2e", node.InitOptions{TimeoutCommit: 200 * time.Millisecond}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()

	run := exec.Command("node", "--test", "sdk.test.mjs")
	run.Dir = sdk
	run.Env = append(os.Environ(), "ALEPHD_API=http://"+n.APIAddress)
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "# fail 0") {
		t.Fatalf("SDK test failed: %v\n%s", err, out)
	}
	t.Logf("SDK test passed against %s", n.APIAddress)
}
