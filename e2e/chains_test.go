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

// TestChainsSDK runs chains/chains.test.mjs against a dev node: for SOL,
// DOT, TEZOS, CSDK, NULS2, AVAX and the EVM family, the @aleph-sdk/<chain>
// 1.7.4 account from npm signs a POST and an AGGREGATE that the node
// processes; a tampered copy and a copy under another sender are refused;
// where the SDK signs what pyaleph refuses, the node refuses it too and a
// correct signature by the same key is accepted.
func TestChainsSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs the @aleph-sdk chain packages from npm under node against a node; make test runs it")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for the chains test (Debian: apt-get install nodejs npm)", tool)
		}
	}
	dir, _ := filepath.Abs("chains")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aleph-sdk", "solana")); err != nil {
		install := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}

	n := testnode.Start(t, testnode.Init(t, "chains-e2e", node.InitOptions{TimeoutCommit: 200 * time.Millisecond}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()

	run := exec.Command("node", "--test", "chains.test.mjs")
	run.Dir = dir
	run.Env = append(os.Environ(), "ALEPHD_API=http://"+n.APIAddress)
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "# fail 0") {
		t.Fatalf("chains test failed: %v\n%s", err, out)
	}
	t.Logf("chains test passed against %s\n%s", n.APIAddress, out)
}
