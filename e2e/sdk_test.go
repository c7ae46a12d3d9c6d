package e2e_test

import (
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
	dir := npmDir(t, "sdk", "@aleph-sdk/client")
	n := testnode.Start(t, testnode.Init(t, "sdk-e2e", node.InitOptions{TimeoutCommit: 200 * time.Millisecond}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()

	runSDK(t, dir, "sdk.test.mjs", "ALEPHD_API=http://"+n.APIAddress)
}
