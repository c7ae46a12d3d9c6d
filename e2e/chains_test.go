package e2e_test

import (
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
	dir := npmDir(t, "chains", "@aleph-sdk/solana")
	n := testnode.Start(t, testnode.Init(t, "chains-e2e", node.InitOptions{TimeoutCommit: 200 * time.Millisecond}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()

	runSDK(t, dir, "chains.test.mjs", "ALEPHD_API=http://"+n.APIAddress)
}
