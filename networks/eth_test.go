package networks_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
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
	"github.com/alephd/alephd/x/message"
	xnode "github.com/alephd/alephd/x/node"
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
	// No free storage: personal storage is what the token pays for.
	if err := json.Unmarshal(app.GenesisWith(0), &g); err != nil {
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
	t.Run("payments and stakes follow Ethereum", func(t *testing.T) { ethConsequences(t, en) })
	en.agree(en.height(0)-1, all(4)...)
}

// send moves n tokens on Ethereum from key to to, and waits for every
// node to apply the range holding it.
func (en *ethNet) send(t *testing.T, key *ecdsa.PrivateKey, to common.Address, n int64) {
	t.Helper()
	r := gethtest.Transfer(t, en.chain, en.tok, key, to, gethtest.Ether(n))
	en.chain.WaitFinalized(t, r.BlockNumber.Uint64()+16)
	en.waitAttested(r.BlockNumber.Uint64())
	en.waitHeight(en.height(0)+1, 30*time.Second, all(len(en.nodes))...)
}

func (en *ethNet) status(t *testing.T, i int, hash string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := en.rpc[i].Query(ctx, app.PathMessage, []byte(hash), 0, false)
	if err != nil || res.Value == nil {
		t.Fatalf("node %d: message %s: %v", i, hash, err)
	}
	rec, err := app.DecodeMessageRecord(res.Value)
	if err != nil {
		t.Fatal(err)
	}
	return message.StatusName(rec.Status)
}

// ethConsequences: a transfer on Ethereum that drops an address below its
// usage moves its newest messages to removing on every node; one that
// lifts an address past the staking threshold lets it stake, and its stake
// follows its next transfer.
func ethConsequences(t *testing.T, en *ethNet) {
	payer := gethtest.NewKey(t, en.chain, gethtest.Ether(1)) // ETH for gas, the same key signs on alephd
	en.send(t, gethtest.DevKey(), gethtest.AddressOf(payer), 4)
	var posts []string
	for j := range 4 {
		m, err := client.Sign(payer, client.Post("NET", "note", fmt.Sprintf("paid %d", j), ""))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := en.rpc[j%4].Submit(ctx, m)
		cancel()
		if err != nil || !res.OK() {
			t.Fatalf("post %d paid by 4 ALEPH: %+v %v", j, res, err)
		}
		posts = append(posts, m.ItemHash)
	}
	en.send(t, payer, gethtest.DevAddress(), 2)
	for i := range en.nodes {
		var got []string
		for _, h := range posts {
			got = append(got, en.status(t, i, h))
		}
		if s := strings.Join(got, " "); s != "processed processed removing removing" {
			t.Fatalf("node %d, after the payer sent 2 of its 4 ALEPH away: %s", i, s)
		}
	}

	var ccn string
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	res, err := en.rpc[0].Query(ctx, app.PathNodes, nil, 0, false)
	cancel()
	var reg xnode.CoreChannel
	if err == nil {
		err = json.Unmarshal(res.Value, &reg)
	}
	if err != nil || len(reg.Nodes) == 0 {
		t.Fatalf("no CCN to stake on: %v", err)
	}
	ccn = reg.Nodes[0].Hash
	total := func() string {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := en.rpc[0].Query(ctx, app.PathNodeView, []byte(ccn), 0, false)
		var v xnode.CoreNodeView
		if err == nil {
			err = json.Unmarshal(res.Value, &v)
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(v.TotalStaked)
	}
	staker := gethtest.NewKey(t, en.chain, gethtest.Ether(1))
	stake := func() client.Result {
		m, err := client.Sign(staker, client.Post("FOUNDATION", "corechan-operation", map[string]any{"action": xnode.ActionStake}, ccn))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r, err := en.rpc[0].Submit(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	before := total()
	en.send(t, gethtest.DevKey(), gethtest.AddressOf(staker), 9_999)
	if r := stake(); r.OK() {
		t.Fatal("a stake below the threshold was accepted")
	}
	en.send(t, gethtest.DevKey(), gethtest.AddressOf(staker), 1) // 10,000: the threshold
	if r := stake(); !r.OK() {
		t.Fatalf("a stake at the threshold: %+v", r)
	}
	staked := total()
	en.send(t, gethtest.DevKey(), gethtest.AddressOf(staker), 5_000)
	after := total()
	tokens := func(s string) *big.Int {
		n, err := balance.ParseTokens(s, false)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	unit := balance.Unit()
	d1, d2 := new(big.Int).Sub(tokens(staked), tokens(before)), new(big.Int).Sub(tokens(after), tokens(staked))
	if d1.Cmp(new(big.Int).Mul(big.NewInt(10_000), unit)) != 0 || d2.Cmp(new(big.Int).Mul(big.NewInt(5_000), unit)) != 0 {
		t.Fatalf("CCN total staked: %s, %s after the stake, %s after 5,000 more", before, staked, after)
	}
}
