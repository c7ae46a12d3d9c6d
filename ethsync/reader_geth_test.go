package ethsync_test

import (
	"context"
	"testing"

	"github.com/alephd/alephd/ethsync"
	"github.com/alephd/alephd/internal/gethtest"
	"github.com/alephd/alephd/x/balance"
)

// TestReaderRereadsAfterGethReorg: on a real geth --dev, under the
// confirmations rule (1), a reorg deeper than the confirmations
// (debug_setHead 3 blocks below the head) replaces a range the reader
// cached: its next Sync reads it again and votes what a new reader votes,
// the transfer reorged out gone.
func TestReaderRereadsAfterGethReorg(t *testing.T) {
	if testing.Short() {
		t.Skip("runs geth")
	}
	chain := gethtest.Start(t, gethtest.WithOnDemand())
	tok := gethtest.DeployToken(t, chain, gethtest.Ether(1_000))
	p := balance.EthParams{ChainID: gethtest.DevChainID, Token: tok.Address.Hex(), StartBlock: tok.Block,
		Finality: balance.FinalityConfirmations, Confirmations: 1, MaxBlockRange: 4, MaxChanges: 100}
	r := gethtest.Transfer(t, chain, tok, gethtest.DevKey(), addr(1), gethtest.Ether(5))
	n := r.BlockNumber.Uint64()
	chain.Mine(t, 5) // the range holding n is confirmed
	stale := ethsync.New(chain.Client, ethsync.Config{Params: p})
	stale.Want(tok.Block + 1)
	if err := stale.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	old := stale.Vote(tok.Block+1, 0)
	if old == nil || old.To < n {
		t.Fatalf("the range holding block %d not read: %v", n, old)
	}
	chain.SetHead(t, n-1) // the transfer's block, and those after it, dropped
	gethtest.Transfer(t, chain, tok, gethtest.DevKey(), addr(2), gethtest.Ether(5))
	chain.Mine(t, 6)
	if err := stale.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	fresh := ethsync.New(chain.Client, ethsync.Config{Params: p})
	fresh.Want(tok.Block + 1)
	if err := fresh.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	now := fresh.Vote(tok.Block+1, 0)
	if now == nil || string(now.Digest) == string(old.Digest) {
		t.Fatalf("the reorg changed nothing to read: %v, before %v", now, old)
	}
	if got := stale.Vote(tok.Block+1, 0); got == nil || string(got.Digest) != string(now.Digest) || got.To != now.To {
		t.Fatalf("after the reorg the reader votes %v; the chain gives %v", got, now)
	}
}
