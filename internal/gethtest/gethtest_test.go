package gethtest

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
)

var (
	alice = common.HexToAddress("0x00000000000000000000000000000000000a11ce")
	bob   = common.HexToAddress("0x0000000000000000000000000000000000000b0b")
	carol = common.HexToAddress("0x00000000000000000000000000000000000ca201")
)

// transfers reads tok's Transfer logs in [from, to] through c, as a reader would.
func transfers(t *testing.T, c Client, tok *Token, from, to uint64) []types.Log {
	t.Helper()
	logs, err := c.FilterLogs(context.Background(), ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(from), ToBlock: new(big.Int).SetUint64(to),
		Addresses: []common.Address{tok.Address}, Topics: [][]common.Hash{{TransferTopic}},
	})
	if err != nil {
		t.Fatalf("eth_getLogs: %v", err)
	}
	return logs
}

func decode(t *testing.T, tok *Token, l types.Log) (from, to common.Address, amount *big.Int) {
	t.Helper()
	ev, err := TransferLog(tok, l)
	if err != nil {
		t.Fatal(err)
	}
	return ev.From, ev.To, ev.Value
}

func balanceVia(t *testing.T, c bind.ContractBackend, tok *Token, who common.Address) (*big.Int, error) {
	t.Helper()
	bound := *tok
	other, err := bindAt(tok.Address, c)
	if err != nil {
		t.Fatal(err)
	}
	bound.AlephToken = other
	return bound.BalanceOf(&bind.CallOpts{}, who)
}

// The token on the simulated backend: deploy, transfer, batch, logs,
// balances, and the finalized tag's steps of 32.
func TestSimToken(t *testing.T) {
	sim := NewSim(t)
	tok := DeployToken(t, sim, Ether(1000))
	if got := BalanceOf(t, tok, DevAddress()); got.Cmp(Ether(1000)) != 0 {
		t.Fatalf("deployer holds %s, want the initial supply", got)
	}
	r := Transfer(t, sim, tok, DevKey(), alice, Ether(10))
	MultiTransfer(t, sim, tok, DevKey(), []common.Address{bob, carol}, []*big.Int{Ether(2), Ether(3)})
	logs := transfers(t, sim.Client, tok, tok.Block, sim.Head(t))
	if len(logs) != 4 { // mint, transfer, 2 of the batch
		t.Fatalf("%d Transfer logs, want 4", len(logs))
	}
	if from, to, amount := decode(t, tok, logs[0]); from != (common.Address{}) || to != DevAddress() || amount.Cmp(Ether(1000)) != 0 {
		t.Fatalf("first log %s→%s %s, want the mint of the initial supply", from, to, amount)
	}
	if _, to, amount := decode(t, tok, logs[1]); to != alice || amount.Cmp(Ether(10)) != 0 || logs[1].BlockNumber != r.BlockNumber.Uint64() {
		t.Fatalf("second log to %s of %s, want alice's 10 in block %s", to, amount, r.BlockNumber)
	}
	for who, want := range map[common.Address]*big.Int{alice: Ether(10), bob: Ether(2), carol: Ether(3), DevAddress(): Ether(985)} {
		if got := BalanceOf(t, tok, who); got.Cmp(want) != 0 {
			t.Errorf("balanceOf(%s) = %s, want %s", who, got, want)
		}
	}
	head := sim.Head(t)
	sim.WaitFinalized(t, head)
	if f := sim.Finalized(t); f%32 != 0 || f < head {
		t.Fatalf("finalized %d after waiting for %d: want a multiple of 32 at or past it", f, head)
	}
	// A fresh key, funded from the dev account, can move tokens.
	k := NewKey(t, sim, Ether(1))
	Mint(t, sim, tok, AddressOf(k), Ether(5))
	Transfer(t, sim, tok, k, alice, Ether(1))
	if got := BalanceOf(t, tok, alice); got.Cmp(Ether(11)) != 0 {
		t.Fatalf("alice holds %s, want 11", got)
	}
}

// geth --dev on demand: the token, logs and balances through ethclient,
// the proxy's modes, finality, a reorg, and a restart.
func TestGethDev(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth")
	}
	chain := Start(t, WithOnDemand())
	tok := DeployToken(t, chain, Ether(1000))
	r := Transfer(t, chain, tok, DevKey(), alice, Ether(7))
	logs := transfers(t, chain.Client, tok, tok.Block, chain.Head(t))
	if len(logs) != 2 {
		t.Fatalf("%d Transfer logs, want the mint and the transfer", len(logs))
	}
	if _, to, amount := decode(t, tok, logs[1]); to != alice || amount.Cmp(Ether(7)) != 0 {
		t.Fatalf("transfer log to %s of %s, want alice's 7", to, amount)
	}
	if got := BalanceOf(t, tok, alice); got.Cmp(Ether(7)) != 0 {
		t.Fatalf("alice holds %s, want 7", got)
	}

	// Through the proxy: the truth, then lies, then nothing.
	proxy := NewProxy(t, chain.URL)
	via, err := ethclient.Dial(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer via.Close()
	if got := transfers(t, via, tok, tok.Block, r.BlockNumber.Uint64()); len(got) != 2 || got[1].TxHash != logs[1].TxHash {
		t.Fatalf("passing proxy: %d logs, want the same 2 as geth's", len(got))
	}
	proxy.Lie(Combine(
		InflateTransfers(Ether(100)),
		LieBalances(func(common.Address, *big.Int) *big.Int { return Ether(999) }),
	))
	lied := transfers(t, via, tok, tok.Block, r.BlockNumber.Uint64())
	if _, to, amount := decode(t, tok, lied[1]); to != alice || amount.Cmp(Ether(107)) != 0 {
		t.Fatalf("lying proxy: transfer to %s of %s, want alice's 7 inflated to 107", to, amount)
	}
	if got, err := balanceVia(t, via, tok, alice); err != nil || got.Cmp(Ether(999)) != 0 {
		t.Fatalf("lying proxy: balanceOf = %v, %v; want the lie 999", got, err)
	}
	proxy.Lie(RedirectTransfers(carol))
	if _, to, _ := decode(t, tok, transfers(t, via, tok, tok.Block, r.BlockNumber.Uint64())[1]); to != carol {
		t.Fatalf("redirecting proxy: transfer to %s, want carol", to)
	}
	if proxy.Lies() != 3 {
		t.Fatalf("proxy counts %d lies, want 3", proxy.Lies())
	}
	if got := BalanceOf(t, tok, alice); got.Cmp(Ether(7)) != 0 {
		t.Fatalf("geth itself: alice holds %s, want 7", got) // the lie is the proxy's only
	}
	for _, m := range []Mode{Down, Drop} {
		proxy.SetMode(m)
		if _, err := via.BlockNumber(context.Background()); err == nil {
			t.Fatalf("proxy in mode %d: eth_blockNumber answered", m)
		}
	}
	proxy.SetMode(Stall)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err = via.BlockNumber(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stalled proxy: eth_blockNumber gave %v, want the caller's deadline", err)
	}
	proxy.SetMode(Pass)
	if _, err := via.BlockNumber(context.Background()); err != nil {
		t.Fatalf("proxy back to Pass: %v", err)
	}

	// Finality on demand: 32 blocks in about a second.
	chain.WaitFinalized(t, r.BlockNumber.Uint64())
	if f := chain.Finalized(t); f < r.BlockNumber.Uint64() || f%32 != 0 {
		t.Fatalf("finalized %d, want a multiple of 32 at or past block %s", f, r.BlockNumber)
	}

	// A reorg above the finalized block: a transfer sealed in block n is
	// gone after SetHead(n-1) and new blocks, and block n has a new hash.
	r2 := Transfer(t, chain, tok, DevKey(), bob, Ether(5))
	n := r2.BlockNumber.Uint64()
	chain.Mine(t, 2)
	before := blockHash(t, chain.Client, n)
	chain.SetHead(t, n-1)
	chain.Mine(t, 3)
	if after := blockHash(t, chain.Client, n); after == before {
		t.Fatalf("block %d kept its hash %s across SetHead", n, after)
	}
	if got := BalanceOf(t, tok, bob); got.Sign() != 0 {
		t.Fatalf("after the reorg bob holds %s, want 0: the dropped transfer was sealed again", got)
	}
	if got := transfers(t, chain.Client, tok, n, chain.Head(t)); len(got) != 0 {
		t.Fatalf("after the reorg %d Transfer logs from block %d, want none", len(got), n)
	}

	// Stop: the RPC refuses; Restart: the same URL, the same chain.
	head := chain.Head(t)
	chain.Stop()
	if _, err := chain.Client.BlockNumber(context.Background()); err == nil {
		t.Fatal("stopped geth answered eth_blockNumber")
	}
	proxy.SetMode(Pass)
	if _, err := via.BlockNumber(context.Background()); err == nil {
		t.Fatal("proxy in front of a stopped geth answered eth_blockNumber")
	}
	chain.Restart()
	if h := chain.Head(t); h < head {
		t.Fatalf("restarted geth at block %d, below its head %d before the stop", h, head)
	}
	if got := BalanceOf(t, tok, alice); got.Cmp(Ether(7)) != 0 {
		t.Fatalf("after restart alice holds %s, want 7", got)
	}
	Transfer(t, chain, tok, DevKey(), alice, Ether(1))
}

// geth --dev with --dev.period 1, the mode the brief's tests run in:
// blocks come by the clock and a transfer is sealed in the next.
func TestGethDevPeriod(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth")
	}
	chain := Start(t)
	tok := DeployToken(t, chain, Ether(10))
	Transfer(t, chain, tok, DevKey(), alice, Ether(1))
	h := chain.Head(t)
	chain.Mine(t, 2)
	if chain.Head(t) < h+2 {
		t.Fatal("no blocks by the clock")
	}
}

func blockHash(t *testing.T, c Client, n uint64) common.Hash {
	t.Helper()
	h, err := c.HeaderByNumber(context.Background(), new(big.Int).SetUint64(n))
	if err != nil {
		t.Fatal(err)
	}
	return h.Hash()
}

// geth with blocks from the test's clock every 50 ms: finality moves by
// itself, about every 1.6 s, and survives a restart.
func TestGethBlockInterval(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth")
	}
	chain := Start(t, WithBlockInterval(50*time.Millisecond))
	tok := DeployToken(t, chain, Ether(10))
	r := Transfer(t, chain, tok, DevKey(), alice, Ether(1))
	chain.WaitFinalized(t, r.BlockNumber.Uint64()) // nobody mines here but the interval
	chain.Stop()
	chain.Restart()
	h := chain.Head(t)
	chain.Mine(t, 3) // waits for the interval's blocks
	if chain.Head(t) < h+3 {
		t.Fatal("no blocks from the interval after a restart")
	}
}
