package gethtest

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// DevChainID is the chain id of geth --dev and of the simulated backend.
const DevChainID = 1337

// devKeyHex is geth --dev's developer key: cmd/utils.DeveloperKey in
// go-ethereum v1.17.10 (cmd/utils/flags.go), the account the dev genesis
// funds. Copied as a fact rather than imported: cmd/utils pulls in all of geth.
const devKeyHex = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"

// DevKey is the private key of the pre-funded developer account of geth
// --dev, which NewSim funds too.
func DevKey() *ecdsa.PrivateKey {
	k, err := crypto.HexToECDSA(devKeyHex)
	if err != nil {
		panic(err) // a constant
	}
	return k
}

// DevAddress is DevKey's address, 0x71562b71999873DB5b286dF957af199Ec94617F7.
func DevAddress() common.Address { return crypto.PubkeyToAddress(DevKey().PublicKey) }

// Chain is a geth --dev process of the test's own, on loopback, in a
// temporary datadir that survives Stop and Restart.
//
// Its methods are for the test's goroutine; the RPC it serves (URL, Client)
// may be used from any number of goroutines or processes.
type Chain struct {
	URL    string            // HTTP JSON-RPC, http://127.0.0.1:port; the same after Restart
	Client *ethclient.Client // on URL; it reconnects by itself after Restart

	period   uint64
	gasLimit uint64
	bin, dir string
	tb       testing.TB
	port     int // 0 until the first start, then the one geth bound
	starts   int
	proc     *process
	mined    atomic.Uint64 // withdrawals sent to seal blocks, each with its own index
	interval time.Duration // WithBlockInterval's; 0 otherwise
	miner    *miner        // sealing blocks every interval while geth runs
}

type process struct {
	cmd     *exec.Cmd
	log     string
	exited  chan struct{} // closed once the process has exited
	waitErr error         // read only after exited is closed
}

// Option changes how Start runs geth.
type Option func(*Chain)

// WithPeriod sets --dev.period, the seconds between blocks (Start's
// default: 1).
func WithPeriod(seconds uint64) Option { return func(c *Chain) { c.period = seconds } }

// WithOnDemand runs geth with --dev.period 0: a block is sealed when a
// transaction arrives or Mine asks for one, never by the clock. Tests then
// move `finalized` in about a second (Mine, WaitFinalized) instead of 32 s.
func WithOnDemand() Option { return WithPeriod(0) }

// WithBlockInterval runs geth on demand (--dev.period 0) and seals an empty
// block every d from a goroutine of the test, while geth runs: a chain that
// moves by itself like --dev.period, but faster than its 1-second floor.
// With d = 50ms `finalized` moves every 1.6 s instead of 32 s. Transactions
// are still sealed as soon as they arrive.
func WithBlockInterval(d time.Duration) Option {
	return func(c *Chain) { c.period, c.interval = 0, d }
}

// WithGasLimit sets the block gas limit (--dev.gaslimit and --miner.gaslimit;
// geth's default is 11,500,000 in dev mode). One transaction may use at most
// 2^24 gas whatever the block's limit (EIP-7825).
func WithGasLimit(gas uint64) Option { return func(c *Chain) { c.gasLimit = gas } }

// Start runs geth --dev on 127.0.0.1, waits until its RPC answers and stops
// it, by its pid, when the test ends. The HTTP RPC serves the eth, net, web3,
// debug and dev namespaces.
func Start(tb testing.TB, opts ...Option) *Chain {
	tb.Helper()
	c := &Chain{period: 1, bin: Binary(tb), dir: tb.TempDir(), tb: tb}
	for _, o := range opts {
		o(c)
	}
	tb.Cleanup(func() {
		if c.proc != nil {
			c.stop()
		}
		if c.Client != nil {
			c.Client.Close()
		}
	})
	c.start()
	client, err := ethclient.Dial(c.URL)
	if err != nil {
		tb.Fatal(err)
	}
	c.Client = client
	c.waitReady()
	c.startMiner()
	return c
}

// Period is the chain's --dev.period; 0 means blocks on demand (and, with
// WithBlockInterval, from the test's own clock).
func (c *Chain) Period() uint64 { return c.period }

// Datadir is geth's data directory; its log of each start is geth-N.log there.
func (c *Chain) Datadir() string { return c.dir }

var endpointRe = regexp.MustCompile(`HTTP server started\s+endpoint=127\.0\.0\.1:(\d+)`)

func (c *Chain) start() {
	tb := c.tb
	tb.Helper()
	c.starts++
	logPath := filepath.Join(c.dir, fmt.Sprintf("geth-%d.log", c.starts))
	log, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	args := []string{
		"--dev", "--dev.period", strconv.FormatUint(c.period, 10),
		"--datadir", filepath.Join(c.dir, "data"),
		"--http", "--http.addr", "127.0.0.1", "--http.port", strconv.Itoa(c.port),
		"--http.api", "eth,net,web3,debug,dev", "--http.vhosts", "*",
		"--ipcdisable", "--nodiscover", "--maxpeers", "0", "--port", "0", "--authrpc.port", "0",
		"--verbosity", "3", // info: the line naming the HTTP endpoint
	}
	if c.gasLimit != 0 {
		g := strconv.FormatUint(c.gasLimit, 10)
		args = append(args, "--dev.gaslimit", g, "--miner.gaslimit", g)
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &process{cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		_ = log.Close() // read by name, after a failure
		close(p.exited)
	}()
	c.proc = p
	// The first start lets the kernel pick the port (--http.port 0), which
	// geth then logs; later starts bind the same one, so URL stays valid.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := endpointRe.FindSubmatch(readFile(logPath)); m != nil {
			port, _ := strconv.Atoi(string(m[1]))
			c.port = port
			c.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
			return
		}
		select {
		case <-p.exited:
			c.proc = nil
			tb.Fatalf("geth exited: %v\n%s", p.waitErr, readFile(logPath))
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("geth's HTTP RPC not up after 60 s:\n%s", readFile(logPath))
		}
	}
}

func readFile(name string) []byte {
	b, _ := os.ReadFile(name) // a log: empty if unreadable
	return b
}

// waitReady returns once the RPC answers eth_chainId.
func (c *Chain) waitReady() {
	c.tb.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		id, err := c.Client.ChainID(ctx)
		cancel()
		if err == nil {
			if id.Int64() != DevChainID {
				c.tb.Fatalf("geth --dev answers chain id %s, want %d", id, DevChainID)
			}
			return
		}
		if time.Now().After(deadline) {
			c.tb.Fatalf("geth's RPC not answering after 60 s: %v\n%s", err, c.Log())
		}
	}
}

// Log is geth's output since its last start.
func (c *Chain) Log() string {
	return string(readFile(filepath.Join(c.dir, fmt.Sprintf("geth-%d.log", c.starts))))
}

// Stop stops geth (SIGINT, then SIGKILL after 30 s); its RPC then refuses
// connections. The chain stays in the datadir for Restart.
func (c *Chain) Stop() {
	c.tb.Helper()
	if c.proc == nil {
		c.tb.Fatal("gethtest: Stop of a chain that is not running")
	}
	c.stop()
}

func (c *Chain) stop() {
	c.stopMiner()
	p := c.proc
	c.proc = nil
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		c.tb.Logf("interrupt geth: %v", err) // it may have exited already
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		if err := p.cmd.Process.Kill(); err != nil {
			c.tb.Logf("kill geth: %v", err)
		}
		<-p.exited
	}
}

// Restart starts a stopped chain again, on the same port and datadir: the
// blocks it had are still there, and blocks resume from its head.
func (c *Chain) Restart() {
	c.tb.Helper()
	if c.proc != nil {
		c.tb.Fatal("gethtest: Restart of a chain that is running; Stop it first")
	}
	c.start()
	c.waitReady()
	c.startMiner()
}

// RPC is the raw JSON-RPC client under Client, for the debug and dev
// namespaces.
func (c *Chain) RPC() *rpc.Client { return c.Client.Client() }

// Eth is Client as the interface the helpers share with the simulated backend.
func (c *Chain) Eth() Client { return c.Client }

// Head is the number of the newest block.
func (c *Chain) Head(tb testing.TB) uint64 {
	tb.Helper()
	ctx, cancel := rpcCtx()
	defer cancel()
	n, err := c.Client.BlockNumber(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// Finalized is the number of the block the `finalized` tag names.
func (c *Chain) Finalized(tb testing.TB) uint64 { return finalized(tb, c.Client) }

// Mine adds n blocks. On demand (WithOnDemand), each is sealed at once by a
// zero-amount dev_addWithdrawal; otherwise Mine waits for the clock's blocks
// (geth's, or WithBlockInterval's).
func (c *Chain) Mine(tb testing.TB, n int) {
	tb.Helper()
	head := c.Head(tb)
	for i := 0; i < n; i++ {
		if c.onDemand() {
			if err := c.seal(); err != nil {
				tb.Fatalf("dev_addWithdrawal: %v", err)
			}
		}
		head++
		c.waitHead(tb, head)
	}
}

// waitHead returns once the head is at least n.
func (c *Chain) waitHead(tb testing.TB, n uint64) {
	tb.Helper()
	limit := c.blockTime() * 30
	for deadline := time.Now().Add(limit); c.Head(tb) < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatalf("geth's head not at block %d after %s:\n%s", n, limit, c.Log())
		}
	}
}

// WaitFinalized returns once the `finalized` tag is at block n or past it:
// at once on demand (it mines), up to 32 blocks of the clock otherwise.
func (c *Chain) WaitFinalized(tb testing.TB, n uint64) {
	tb.Helper()
	limit := c.blockTime() * 32 * 10
	for deadline := time.Now().Add(limit); c.Finalized(tb) < n; {
		if time.Now().After(deadline) {
			tb.Fatalf("block %d not finalized after %s (finalized %d, head %d)", n, limit, c.Finalized(tb), c.Head(tb))
		}
		if c.onDemand() {
			c.Mine(tb, 1)
		} else {
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// SetHead rewinds the chain to block n (debug_setHead). The blocks sealed
// next form a new branch on n, so every block above n changes its hash: a
// reorg of depth head-n. Transactions of the dropped blocks are not sealed
// again. Rewinding below the finalized block is refused: a real chain
// does not do that, and the readers under test must not have to survive it.
func (c *Chain) SetHead(tb testing.TB, n uint64) {
	tb.Helper()
	if f := c.Finalized(tb); n < f {
		tb.Fatalf("gethtest: SetHead(%d) would drop finalized block %d", n, f)
	}
	ctx, cancel := rpcCtx()
	defer cancel()
	if err := c.RPC().CallContext(ctx, nil, "debug_setHead", hexutil.Uint64(n)); err != nil {
		tb.Fatalf("debug_setHead(%d): %v", n, err)
	}
}

// Transactor signs with key for this chain, for bind's contract calls.
func (c *Chain) Transactor(tb testing.TB, key *ecdsa.PrivateKey) *bind.TransactOpts {
	return transactor(tb, key)
}

func (c *Chain) settle(tb testing.TB, tx *types.Transaction) *types.Receipt {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), c.blockTime()*60)
	defer cancel()
	r, err := bind.WaitMined(ctx, c.Client, tx)
	if err != nil {
		tb.Fatalf("transaction %s not mined: %v\n%s", tx.Hash(), err, c.Log())
	}
	return r
}

func transactor(tb testing.TB, key *ecdsa.PrivateKey) *bind.TransactOpts {
	tb.Helper()
	opts, err := bind.NewKeyedTransactorWithChainID(key, big.NewInt(DevChainID))
	if err != nil {
		tb.Fatal(err)
	}
	return opts
}

// rpcTimeout bounds one RPC call of a helper.
const rpcTimeout = 30 * time.Second

func rpcCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), rpcTimeout)
}

func finalized(tb testing.TB, c Client) uint64 {
	tb.Helper()
	ctx, cancel := rpcCtx()
	defer cancel()
	h, err := c.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
	if err != nil {
		tb.Fatalf("finalized header: %v", err)
	}
	return h.Number.Uint64()
}

// onDemand reports whether blocks come only when asked for.
func (c *Chain) onDemand() bool { return c.period == 0 && c.interval == 0 }

// blockTime bounds the time between two blocks, for the helpers' deadlines.
func (c *Chain) blockTime() time.Duration {
	return max(time.Duration(c.period)*time.Second, c.interval, time.Second)
}

// seal asks geth, in dev mode with --dev.period 0, to seal a block now: a
// withdrawal of zero wei wakes its sealer.
func (c *Chain) seal() error {
	w := map[string]any{
		"index": hexutil.Uint64(c.mined.Add(1)), "validatorIndex": hexutil.Uint64(0),
		"address": common.HexToAddress("0xdead"), "amount": hexutil.Uint64(0),
	}
	ctx, cancel := rpcCtx()
	defer cancel()
	return c.RPC().CallContext(ctx, nil, "dev_addWithdrawal", w)
}

type miner struct {
	stop, done chan struct{}
}

func (c *Chain) startMiner() {
	if c.interval == 0 {
		return
	}
	m := &miner{stop: make(chan struct{}), done: make(chan struct{})}
	c.miner = m
	go func() {
		defer close(m.done)
		t := time.NewTicker(c.interval)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				// An error is geth going away; Stop ends this loop next.
				_ = c.seal()
			}
		}
	}()
}

func (c *Chain) stopMiner() {
	if c.miner != nil {
		close(c.miner.stop)
		<-c.miner.done
		c.miner = nil
	}
}
