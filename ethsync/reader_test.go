package ethsync_test

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/alephd/alephd/ethsync"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
)

func params(s *sim, rng uint64, maxChanges uint32) balance.EthParams {
	return balance.EthParams{ChainID: 1337, Token: s.addr.Hex(), StartBlock: s.deployed, Finality: balance.FinalityConfirmations,
		Confirmations: 2, MaxBlockRange: rng, MaxChanges: maxChanges}
}

// apply adds a range's changes to balances.
func apply(bal map[string]*big.Int, changes []*pb.EthChange) {
	for _, c := range changes {
		d := new(big.Int).SetBytes(c.Amount)
		if c.Negative {
			d.Neg(d)
		}
		if bal[c.Address] == nil {
			bal[c.Address] = new(big.Int)
		}
		bal[c.Address].Add(bal[c.Address], d)
	}
}

// TestReaderFollowsTransfers: on a real (simulated) chain, the reader
// reads contiguous ranges of confirmed blocks, aligned on max_block_range;
// the start block's balances plus the ranges' changes are the token's
// balances; mints and burns move only their holder; blocks not confirmed
// yet are not read.
func TestReaderFollowsTransfers(t *testing.T) {
	s := newSim(t)
	deployer := s.opts.From
	s.send(nil, "transfer", addr(1), tokens(100))
	s.send(nil, "transfer", addr(2), tokens(50))
	s.blocks(1)
	s.send(nil, "multiTransfer", []common.Address{addr(3), addr(1)}, []*big.Int{tokens(7), tokens(1)})
	s.send(nil, "mint", addr(4), tokens(9))
	s.blocks(1)
	s.send(nil, "burn", tokens(3))
	s.blocks(8) // head: deployed + 10
	r := ethsync.New(s.client, ethsync.Config{Params: params(s, 4, 100)})
	ctx := context.Background()
	if err := r.Sync(ctx); err != nil || r.Height() != 0 {
		t.Fatalf("a reader told nothing read %d: %v", r.Height(), err)
	}
	r.Want(s.deployed + 1)
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Confirmed: up to head-2 = deployed+8: ranges +1..+4 and +5..+8.
	first, second := r.Range(s.deployed+1), r.Range(s.deployed+5)
	if first == nil || first.To != s.deployed+4 || second == nil || second.To != s.deployed+8 || r.Range(s.deployed+9) != nil || r.Height() != s.deployed+8 {
		t.Fatalf("ranges: %+v, %+v; height %d", first, second, r.Height())
	}
	if first.Transfers != 6 || len(first.Changes) != 5 {
		t.Fatalf("first range: %d transfers, %d changes", first.Transfers, len(first.Changes))
	}
	bal := map[string]*big.Int{strings.ToLower(deployer.Hex()): new(big.Int).Set(supply)}
	apply(bal, first.Changes)
	apply(bal, second.Changes)
	for _, a := range []common.Address{deployer, addr(1), addr(2), addr(3), addr(4)} {
		if got, want := bal[strings.ToLower(a.Hex())], s.balanceOf(a); got.Cmp(want) != 0 {
			t.Errorf("%s: start + changes = %s, the token says %s", a.Hex(), got, want)
		}
	}
	if v := r.Vote(s.deployed+1, 0); v == nil || string(v.Digest) != string(balance.EthDigest(first.From, first.To, first.Changes)) {
		t.Fatalf("vote: %v", v)
	}
	if _, ok := r.Changes(first.From, first.To, first.Digest); !ok {
		t.Fatal("the changes of the range read are not served")
	}
	if _, ok := r.Changes(first.From, first.To+1, first.Digest); ok {
		t.Fatal("changes served for another range")
	}
	// The chain attests the first range: the reader drops it.
	r.Want(s.deployed + 5)
	if r.Range(s.deployed+1) != nil || r.Vote(s.deployed+5, 0) == nil {
		t.Fatal("Want did not move the cache")
	}
}

// TestReaderRangesAgree: two readers of the same chain at different
// moments (one before more blocks were confirmed) vote the same digest for
// every range both read: ranges end where the params say, not where a
// reader's view of the head happened to be.
func TestReaderRangesAgree(t *testing.T) {
	s := newSim(t)
	early := ethsync.New(s.client, ethsync.Config{Params: params(s, 5, 100)})
	early.Want(s.deployed + 1)
	for i := range 12 {
		s.send(nil, "transfer", addr(i%3), tokens(int64(i+1)))
		s.blocks(1)
		if err := early.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	late := ethsync.New(s.client, ethsync.Config{Params: params(s, 5, 100)})
	late.Want(s.deployed + 1)
	if err := late.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	for from := s.deployed + 1; from <= s.deployed+6; from += 5 {
		a, b := early.Vote(from, 0), late.Vote(from, 0)
		if a == nil || b == nil || a.To != b.To || string(a.Digest) != string(b.Digest) {
			t.Fatalf("range from %d: early %v, late %v", from, a, b)
		}
	}
}

// TestReaderMaxChanges: a range ends before the block that would take it
// past max_changes; a block that alone passes it (7 addresses under
// max_changes 5: anyone with a few wei can make one) is a range of its
// own in two pages, 5 changes then 2, voted one after the other; then
// reading goes on. The start balances plus every page's and range's
// changes are the token's balances.
func TestReaderMaxChanges(t *testing.T) {
	s := newSim(t)
	s.send(nil, "transfer", addr(1), tokens(1)) // +1: deployer, 1
	s.blocks(1)
	var to []common.Address
	var amounts []*big.Int
	for i := 10; i < 16; i++ {
		to, amounts = append(to, addr(i)), append(amounts, tokens(int64(i)))
	}
	s.send(nil, "multiTransfer", to, amounts) // +2: the deployer and 6 holders
	s.blocks(1)
	s.send(nil, "transfer", addr(2), tokens(1)) // +3
	s.blocks(12)
	r := ethsync.New(s.client, ethsync.Config{Params: params(s, 4, 5)})
	bal := map[string]*big.Int{strings.ToLower(s.opts.From.Hex()): new(big.Int).Set(supply)}
	from, page := s.deployed+1, uint32(0)
	var votes []*pb.EthVote
	for range 6 { // the chain attests what the reader votes, one at a time
		r.Want(from)
		if err := r.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		v := r.Vote(from, page)
		if v == nil {
			break
		}
		changes, ok := r.Changes(v.From, v.To, v.Digest)
		if !ok || uint32(len(changes)) > 5 {
			t.Fatalf("vote %+v: %d changes (%v)", v, len(changes), ok)
		}
		apply(bal, changes)
		votes = append(votes, v)
		if page+1 < v.Pages {
			page++
			continue
		}
		from, page = v.To+1, 0
	}
	if len(votes) < 4 {
		t.Fatalf("votes %v", votes)
	}
	first, p0, p1 := votes[0], votes[1], votes[2]
	if first.To != s.deployed+1 || first.Pages != 0 {
		t.Fatalf("first range %+v", first)
	}
	if p0.From != s.deployed+2 || p0.To != p0.From || p0.Page != 0 || p0.Pages != 2 || p1.Page != 1 || p1.Pages != 2 || p1.From != p0.From {
		t.Fatalf("the 7-address block's pages: %+v, %+v", p0, p1)
	}
	if votes[3].From != s.deployed+3 || votes[3].Pages != 0 {
		t.Fatalf("after the pages: %+v", votes[3])
	}
	for _, a := range append(to, s.opts.From, addr(1), addr(2)) {
		if got, want := bal[strings.ToLower(a.Hex())], s.balanceOf(a); got == nil || got.Cmp(want) != 0 {
			t.Errorf("%s: %v from the votes, the token %s", a.Hex(), got, want)
		}
	}
}

// TestReaderWrongChain: an endpoint of another chain is refused.
func TestReaderWrongChain(t *testing.T) {
	s := newSim(t)
	p := params(s, 5, 10)
	p.ChainID = 1
	r := ethsync.New(s.client, ethsync.Config{Params: p})
	r.Want(s.deployed + 1)
	if err := r.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "serves chain id 1337; genesis names 1") {
		t.Fatalf("another chain's endpoint: %v", err)
	}
}

// TestReaderFinalizedTag: under the finalized rule the reader reads up to
// the chain's finalized block only (the simulated chain finalizes in
// steps of 32).
func TestReaderFinalizedTag(t *testing.T) {
	s := newSim(t)
	s.send(nil, "transfer", addr(1), tokens(1))
	s.blocks(40)
	p := params(s, 8, 10)
	p.Finality, p.Confirmations = balance.FinalityTag, 0
	r := ethsync.New(s.client, ethsync.Config{Params: p, Ahead: 100})
	r.Want(s.deployed + 1)
	if err := r.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	final := r.Final()
	if final == 0 || final%32 != 0 || final > s.head() {
		t.Fatalf("finalized %d at head %d", final, s.head())
	}
	if r.Height() > final || final-r.Height() >= 8 { // every whole range up to the finalized block
		t.Fatalf("read up to %d with %d finalized", r.Height(), final)
	}
}

// flaky is an endpoint that fails while down is set.
type flaky struct {
	ethsync.Chain
	mu   sync.Mutex
	down bool
}

func (f *flaky) set(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }
func (f *flaky) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errors.New("connection refused")
	}
	return nil
}
func (f *flaky) ChainID(ctx context.Context) (*big.Int, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Chain.ChainID(ctx)
}
func (f *flaky) HeaderByNumber(ctx context.Context, n *big.Int) (*types.Header, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Chain.HeaderByNumber(ctx, n)
}
func (f *flaky) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Chain.FilterLogs(ctx, q)
}

// TestReaderDownLoggedOnce: an endpoint that is down is logged once, not
// at every poll, and once more when it answers again; meanwhile the reader
// votes nothing new, then catches up.
func TestReaderDownLoggedOnce(t *testing.T) {
	s := newSim(t)
	s.blocks(10)
	f := &flaky{Chain: s.client, down: true}
	var mu sync.Mutex
	var lines []string
	logf := func(msg string, _ ...any) { mu.Lock(); lines = append(lines, msg); mu.Unlock() }
	r := ethsync.New(f, ethsync.Config{Params: params(s, 4, 10), Info: logf, Error: logf})
	r.Want(s.deployed + 1)
	for range 5 {
		ethsync.Step(r, context.Background())
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "logged once") || r.Vote(s.deployed+1, 0) != nil {
		t.Fatalf("while down: %q", lines)
	}
	f.set(false)
	for range 3 {
		ethsync.Step(r, context.Background())
	}
	if len(lines) != 2 || lines[1] != "Ethereum RPC answers again" || r.Vote(s.deployed+1, 0) == nil {
		t.Fatalf("after it came back: %q", lines)
	}
}

// capped is an endpoint that refuses, with an error of its own, a log
// query spanning more than 2 blocks, as public providers cap queries.
type capped struct{ ethsync.Chain }

type capError struct{}

func (capError) Error() string  { return "query returned more than 10000 results" }
func (capError) ErrorCode() int { return -32005 }

func (c capped) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if q.ToBlock.Uint64()-q.FromBlock.Uint64() >= 2 {
		return nil, capError{}
	}
	return c.Chain.FilterLogs(ctx, q)
}

// TestReaderSplitsCappedQueries: an endpoint that caps log queries is
// asked in smaller pieces; the range read is the same.
func TestReaderSplitsCappedQueries(t *testing.T) {
	s := newSim(t)
	for i := range 9 {
		s.send(nil, "transfer", addr(i%4), tokens(int64(i+1)))
		s.blocks(1)
	}
	s.blocks(3)
	whole := ethsync.New(s.client, ethsync.Config{Params: params(s, 9, 100)})
	split := ethsync.New(capped{s.client}, ethsync.Config{Params: params(s, 9, 100)})
	for _, r := range []*ethsync.Reader{whole, split} {
		r.Want(s.deployed + 1)
		if err := r.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	a, b := whole.Range(s.deployed+1), split.Range(s.deployed+1)
	if a == nil || b == nil || a.Transfers != 9 || b.Transfers != 9 || string(a.Digest) != string(b.Digest) {
		t.Fatalf("whole %+v, split %+v", a, b)
	}
}

// TestDial: a URL of an unknown scheme is refused at once; a websocket
// endpoint that is down is not an error until read, and then only the
// reader's (logged, retried).
func TestDial(t *testing.T) {
	p := balance.EthParams{ChainID: 1337, Token: "0x5FbDB2315678afecb367f032d93F642f64180aa3", StartBlock: 1, Finality: balance.FinalityTag, MaxBlockRange: 4, MaxChanges: 10}
	if _, err := ethsync.Dial("ftp://127.0.0.1:1", ethsync.Config{Params: p}); err == nil || !strings.Contains(err.Error(), "scheme") {
		t.Fatalf("ftp: %v", err)
	}
	r, err := ethsync.Dial("ws://127.0.0.1:1", ethsync.Config{Params: p})
	if err != nil {
		t.Fatal(err)
	}
	r.Want(2)
	if err := r.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "dial") {
		t.Fatalf("a websocket endpoint that is down: %v", err)
	}
}

// TestSnapshot: the balances summed from the token's whole history of
// Transfer logs, read in small steps through an endpoint that caps
// queries, are the token's own balances at that block; a history that
// starts after the deployment is refused.
func TestSnapshot(t *testing.T) {
	s := newSim(t)
	s.send(nil, "transfer", addr(1), tokens(100))
	s.blocks(1)
	s.send(nil, "multiTransfer", []common.Address{addr(2), addr(3)}, []*big.Int{tokens(5), tokens(6)})
	s.send(nil, "mint", addr(4), tokens(9))
	s.blocks(1)
	s.send(nil, "burn", tokens(3))
	s.blocks(1)
	head := s.head()
	held, err := ethsync.Snapshot(context.Background(), capped{s.client}, s.addr, 0, head, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 5 {
		t.Fatalf("%d holders: %v", len(held), held)
	}
	for a, v := range held {
		if want := s.balanceOf(a); v.Cmp(want) != 0 {
			t.Errorf("%s: snapshot %s, the token %s", a.Hex(), v, want)
		}
	}
	if _, err := ethsync.Snapshot(context.Background(), s.client, s.addr, s.deployed+1, head, 100); err == nil || !strings.Contains(err.Error(), "whole history") {
		t.Fatalf("a history without the deployment: %v", err)
	}
}
