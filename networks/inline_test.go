package networks_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNonInlineContent: on 4 validators, the Aleph TypeScript SDK from npm
// (e2e/sdk/inline.test.mjs) uploads a 60 KB POST's and a 200 KB
// AGGREGATE's content to node 0 (add_json, storage and ipfs engines) and
// submits the messages there; the other validators fetch the content from
// node 0, attest it, and every validator applies the bytes the block
// carries. The script reads each message back from node 3, which never
// received an upload: processed, the post listed with its content, the
// aggregate merged. The nodes' app hashes agree at a common height.
func TestNonInlineContent(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a network of alephd processes and the SDK under node; make test runs it")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for the SDK test (Debian: apt-get install nodejs npm)", tool)
		}
	}
	sdk, _ := filepath.Abs(filepath.Join("..", "e2e", "sdk"))
	if _, err := os.Stat(filepath.Join(sdk, "node_modules", "@aleph-sdk", "client")); err != nil {
		install := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		install.Dir = sdk
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", sdk, err, out)
		}
	}
	nw := newNetworkWith(t, 4, contentGenesis(t))
	nw.waitHeight(2, 60*time.Second, all(4)...)

	run := exec.Command("node", "--test", "inline.test.mjs")
	run.Dir = sdk
	run.Env = append(os.Environ(), "ALEPHD_API=http://"+nw.nodes[0].API, "ALEPHD_READ_API=http://"+nw.nodes[3].API)
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "# fail 0") {
		t.Fatalf("inline.test.mjs on 4 validators failed: %v\n%s\nnode 3:\n%s", err, out, tail(nw.nodes[3].Home))
	}
	h := nw.height(0)
	nw.waitHeight(h, 60*time.Second, all(4)...)
	nw.agree(h, all(4)...)
}
