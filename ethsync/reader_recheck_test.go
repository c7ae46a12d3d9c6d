package ethsync_test

import (
	"context"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/alephd/alephd/ethsync"
)

// switching is an endpoint whose chain id changes (a provider URL that now
// points at another network, a DNS or load-balancer change).
type switching struct {
	ethsync.Chain
	id atomic.Int64
}

func (c *switching) ChainID(context.Context) (*big.Int, error) {
	return big.NewInt(c.id.Load()), nil
}

// TestReaderChecksChainIDEverySync: an endpoint that comes to serve
// another chain is refused at the next Sync, not read on as the token's.
func TestReaderChecksChainIDEverySync(t *testing.T) {
	s := newSim(t)
	s.blocks(12)
	c := &switching{Chain: s.client}
	c.id.Store(1337)
	r := ethsync.New(c, ethsync.Config{Params: params(s, 4, 10)})
	r.Want(s.deployed + 1)
	if err := r.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.id.Store(11155111) // now Sepolia
	r.Want(s.deployed + 5)
	if err := r.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "serves chain id 11155111") {
		t.Fatalf("the endpoint now serves chain 11155111: %v (vote %v)", err, r.Vote(s.deployed+5, 0))
	}
}

// TestReaderRereadsAfterDeepReorg: under the confirmations rule, a reorg
// deeper than the confirmations replaces blocks the reader cached. The
// next Sync sees their last block's hash changed, drops them and votes
// what a reader started after the reorg votes.
func TestReaderRereadsAfterDeepReorg(t *testing.T) {
	s := newSim(t)
	s.blocks(1)
	fork, err := s.client.HeaderByNumber(context.Background(), new(big.Int).SetUint64(s.head()))
	if err != nil {
		t.Fatal(err)
	}
	s.send(nil, "transfer", addr(1), tokens(5)) // deployed+2
	s.blocks(6)                                 // head deployed+7: blocks up to +5 confirmed (2)
	var errs []string
	stale := ethsync.New(s.client, ethsync.Config{Params: params(s, 4, 10), Error: func(msg string, _ ...any) { errs = append(errs, msg) }})
	stale.Want(s.deployed + 1)
	if err := stale.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	old := stale.Vote(s.deployed+1, 0)
	if old == nil {
		t.Fatal("nothing read before the reorg")
	}
	// A reorg from deployed+1, 6 blocks deep: the transfer goes to another holder.
	if err := s.backend.Fork(fork.Hash()); err != nil {
		t.Fatal(err)
	}
	s.send(nil, "transfer", addr(2), tokens(5))
	s.blocks(10)
	if err := stale.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	fresh := ethsync.New(s.client, ethsync.Config{Params: params(s, 4, 10)})
	fresh.Want(s.deployed + 1)
	if err := fresh.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	now := fresh.Vote(s.deployed+1, 0)
	if now == nil || string(now.Digest) == string(old.Digest) {
		t.Fatalf("the reorg changed nothing to read: %v %v", now, old)
	}
	if got := stale.Vote(s.deployed+1, 0); got == nil || string(got.Digest) != string(now.Digest) {
		t.Fatalf("after a reorg the reader votes %v, the chain now gives %x", got, now.Digest)
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "no longer the chain's") {
		t.Fatalf("the reorg was not logged once: %q", errs)
	}
}

// missing is an endpoint that answers no logs while hiding is set: a
// provider that lost an index for a while. The blocks are the chain's,
// so their hashes do not tell.
type missing struct {
	ethsync.Chain
	hiding atomic.Bool
}

func (m *missing) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if m.hiding.Load() {
		return nil, nil
	}
	return m.Chain.FilterLogs(ctx, q)
}

// TestReaderExpiresCachedRange: a range read wrong without any hash
// changing (missing logs) is voted only until it expires: Expire Syncs
// later the reader reads it again and votes what the chain holds.
func TestReaderExpiresCachedRange(t *testing.T) {
	s := newSim(t)
	s.send(nil, "transfer", addr(1), tokens(5))
	s.blocks(12)
	m := &missing{Chain: s.client}
	m.hiding.Store(true)
	r := ethsync.New(m, ethsync.Config{Params: params(s, 4, 10), Expire: 3})
	r.Want(s.deployed + 1)
	if err := r.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	wrong := r.Range(s.deployed + 1)
	if wrong == nil || len(wrong.Changes) != 0 {
		t.Fatalf("the hiding endpoint's range: %+v", wrong)
	}
	m.hiding.Store(false)
	if err := r.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g := r.Range(s.deployed + 1); len(g.Changes) != 0 {
		t.Fatal("re-read before it expired: the test would not show expiry")
	}
	for range 2 {
		if err := r.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if g := r.Range(s.deployed + 1); g == nil || len(g.Changes) != 2 {
		t.Fatalf("after 3 Syncs the range is still the one read wrong: %+v", g)
	}
}
