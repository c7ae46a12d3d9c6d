package networks_test

import (
	"context"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/gethtest"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
	"github.com/alephd/alephd/x/balance"
)

// ethNet is a 4-validator network of alephd processes reading a token on a
// real geth --dev chain, each validator through a proxy of its own that
// the test can take down or make lie.
type ethNet struct {
	*network
	chain   *gethtest.Chain
	tok     *gethtest.Token
	proxies []*gethtest.Proxy
}

func newEthNet(t *testing.T, validators int) *ethNet {
	t.Helper()
	chain := gethtest.Start(t, gethtest.WithOnDemand())
	supply := gethtest.Ether(1_000_000)
	tok := gethtest.DeployToken(t, chain, supply)
	var g map[string]json.RawMessage
	if err := json.Unmarshal(app.DevGenesis(), &g); err != nil {
		t.Fatal(err)
	}
	bg := balance.DefaultGenesis()
	if err := json.Unmarshal(g["balance"], &bg); err != nil {
		t.Fatal(err)
	}
	bg.Params.Ethereum = &balance.EthParams{ChainID: gethtest.DevChainID, Token: tok.Address.Hex(), StartBlock: tok.Block,
		Finality: balance.FinalityTag, MaxBlockRange: 16, MaxChanges: 1000}
	bg.Balances = append(bg.Balances, balance.Entry{Address: gethtest.DevAddress().Hex(), Amount: supply.String(), Source: balance.SourceEth})
	g["balance"], _ = json.Marshal(bg)
	appState, _ := json.Marshal(g)

	base := testnode.FreePorts(t, validators*11)
	nodes, err := node.Testnet(t.TempDir(), node.TestnetOptions{Validators: validators, ChainID: "eth-faults",
		BasePort: base, APIBasePort: base + validators*10, TimeoutCommit: 200 * time.Millisecond, AppState: appState})
	if err != nil {
		t.Fatal(err)
	}
	en := &ethNet{network: &network{t: t, nodes: nodes, procs: make([]*exec.Cmd, validators)}, chain: chain, tok: tok}
	for _, n := range nodes {
		p := gethtest.NewProxy(t, chain.URL)
		en.proxies = append(en.proxies, p)
		ac, err := node.LoadAppConfig(n.Home)
		if err == nil {
			ac.EthRPC = p.URL
			err = node.SaveAppConfig(n.Home, ac)
		}
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.New("tcp://" + n.RPC)
		if err != nil {
			t.Fatal(err)
		}
		en.rpc = append(en.rpc, c)
	}
	for i := range nodes {
		en.start(i)
	}
	t.Cleanup(func() {
		for i := range en.procs {
			en.signal(i, syscall.SIGKILL)
		}
	})
	en.waitHeight(2, 60*time.Second, all(validators)...)
	return en
}

// transfer sends n tokens from the developer account to the address of
// seed, waits for the block to be finalized past the range holding it, and
// returns the block.
func (en *ethNet) transfer(seed string, n int64) (common.Address, uint64) {
	en.t.Helper()
	to := gethtest.AddressOf(keys.FromSeed(seed))
	r := gethtest.Transfer(en.t, en.chain, en.tok, gethtest.DevKey(), to, gethtest.Ether(n))
	en.chain.WaitFinalized(en.t, r.BlockNumber.Uint64()+16)
	return to, r.BlockNumber.Uint64()
}

func (en *ethNet) balance(i int, addr common.Address) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := en.rpc[i].Query(ctx, app.PathBalance, []byte(addr.Hex()), 0, false)
	if err != nil {
		return "?"
	}
	var v struct {
		Balance string `json:"balance"`
	}
	_ = json.Unmarshal(res.Value, &v)
	return v.Balance
}

func (en *ethNet) attested(i int) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := en.rpc[i].Query(ctx, app.PathEth, nil, 0, false)
	var v app.EthView
	if err == nil {
		err = json.Unmarshal(res.Value, &v)
	}
	if err != nil {
		return 0
	}
	return v.AttestedHeight
}

// waitBalance waits until every node holds want for addr: it waits for an
// outcome, it does not time one.
func (en *ethNet) waitBalance(addr common.Address, want *big.Int) {
	en.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for i := range en.nodes {
		for en.balance(i, addr) != want.String() {
			if time.Now().After(deadline) {
				en.t.Fatalf("node %d: balance of %s is %s, want %s\n%s", i, addr.Hex(), en.balance(i, addr), want, tail(en.nodes[i].Home))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// waitAttested waits until node 0 has attested Ethereum block h.
func (en *ethNet) waitAttested(h uint64) {
	en.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for en.attested(0) < h {
		if time.Now().After(deadline) {
			en.t.Fatalf("attested Ethereum block %d, waiting for %d\n%s", en.attested(0), h, tail(en.nodes[0].Home))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func logCount(home, s string) int {
	b, _ := os.ReadFile(filepath.Join(home, "node.log"))
	return strings.Count(string(b), s)
}

// TestEthFaults runs one 4-validator network reading a real geth --dev
// chain through the fault cases in turn: an RPC down, one lying, two down
// then back, and a reorg inside the finality window.
func TestEthFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs geth and a network of alephd processes")
	}
	en := newEthNet(t, 4)

	t.Run("one RPC down: the other three attest", func(t *testing.T) {
		en.proxies[3].SetMode(gethtest.Down)
		to, _ := en.transfer("eth-down", 10)
		en.waitBalance(to, gethtest.Ether(10))
		if n := logCount(en.nodes[3].Home, "Ethereum RPC failing"); n != 1 {
			t.Fatalf("node 3 logged its RPC down %d times, want once", n)
		}
		en.proxies[3].SetMode(gethtest.Pass)
	})

	t.Run("one RPC lying: outvoted, nothing of it applied", func(t *testing.T) {
		en.proxies[3].Lie(gethtest.InflateTransfers(gethtest.Ether(1)))
		to, block := en.transfer("eth-lie", 10)
		en.waitAttested(block)
		en.waitBalance(to, gethtest.Ether(10))
		if en.proxies[3].Lies() == 0 {
			t.Fatal("the lying proxy never lied: the test shows nothing")
		}
		en.proxies[3].SetMode(gethtest.Pass)
	})

	t.Run("two RPCs down: no update, then catch-up", func(t *testing.T) {
		en.proxies[2].SetMode(gethtest.Down)
		en.proxies[3].SetMode(gethtest.Down)
		before := en.attested(0)
		to, block := en.transfer("eth-half", 10)
		h := en.height(0)
		en.waitHeight(h+15, 60*time.Second, 0, 1)
		for i := range en.nodes {
			if got := en.balance(i, to); got != "0" {
				t.Fatalf("node %d moved a balance with half the power reading: %s", i, got)
			}
		}
		if a := en.attested(0); a >= block {
			t.Fatalf("attested Ethereum block %d (from %d) with half the power reading; the transfer is in %d", a, before, block)
		}
		en.proxies[2].SetMode(gethtest.Pass)
		en.proxies[3].SetMode(gethtest.Pass)
		en.waitBalance(to, gethtest.Ether(10))
	})

	t.Run("a reorg inside the finality window changes nothing", func(t *testing.T) {
		head := en.chain.Head(t)
		to := gethtest.AddressOf(keys.FromSeed("eth-reorg"))
		r := gethtest.Transfer(t, en.chain, en.tok, gethtest.DevKey(), to, gethtest.Ether(10))
		if f := en.chain.Finalized(t); f >= r.BlockNumber.Uint64() {
			t.Fatalf("the transfer's block %d is already final (%d)", r.BlockNumber.Uint64(), f)
		}
		en.chain.SetHead(t, head) // the transfer's block is dropped, its transaction not re-included
		en.chain.Mine(t, 1)
		en.chain.WaitFinalized(t, r.BlockNumber.Uint64()+16)
		en.waitAttested(r.BlockNumber.Uint64())
		for i := range en.nodes {
			if got := en.balance(i, to); got != "0" {
				t.Fatalf("node %d applied a transfer reorged out: %s", i, got)
			}
		}
	})
	en.agree(en.height(0)-1, all(4)...)
}
