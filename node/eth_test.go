package node_test

import (
	"encoding/json"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/ethsync"
	"github.com/alephd/alephd/internal/gethtest"
	"github.com/alephd/alephd/node"
	"github.com/alephd/alephd/x/balance"
)

// ethAppState is the dev genesis reading tok from its deployment block on
// (finalized blocks, ranges of 16), the developer account holding the
// supply there.
func ethAppState(t testing.TB, tok *gethtest.Token, supply *big.Int) json.RawMessage {
	return ethAppStateAt(t, tok, supply, tok.Block)
}

// ethAppStateAt is ethAppState read from block start on.
func ethAppStateAt(t testing.TB, tok *gethtest.Token, supply *big.Int, start uint64) json.RawMessage {
	t.Helper()
	var g map[string]json.RawMessage
	if err := json.Unmarshal(app.DevGenesis(), &g); err != nil {
		t.Fatal(err)
	}
	bg := balance.DefaultGenesis()
	if err := json.Unmarshal(g["balance"], &bg); err != nil {
		t.Fatal(err)
	}
	bg.Params.Ethereum = &balance.EthParams{ChainID: gethtest.DevChainID, Token: tok.Address.Hex(), StartBlock: start,
		Finality: balance.FinalityTag, MaxBlockRange: 16, MaxChanges: balance.MaxEthChanges}
	bg.Balances = append(bg.Balances, balance.Entry{Address: gethtest.DevAddress().Hex(), Amount: supply.String(), Source: balance.SourceEth})
	g["balance"], _ = json.Marshal(bg)
	doc, _ := json.Marshal(g)
	return doc
}

// ethView asks the node's /eth query.
func ethView(t testing.TB, c *client.Client) app.EthView {
	t.Helper()
	res, err := c.Query(ctx(t), app.PathEth, nil, 0, false)
	var v app.EthView
	if err == nil {
		err = json.Unmarshal(res.Value, &v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func balanceOf(t testing.TB, c *client.Client, addr string) string {
	t.Helper()
	res, err := c.Query(ctx(t), app.PathBalance, []byte(addr), 0, false)
	var v struct {
		Balance string `json:"balance"`
	}
	if err == nil {
		err = json.Unmarshal(res.Value, &v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v.Balance
}

// waitFor polls until ok or a minute passes: it waits for an outcome, it
// does not time one.
func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(time.Minute); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestEthBalancesFromGeth: on a real geth --dev chain, a transfer of the
// token moves balances on a real alephd node once its block is finalized:
// the node's reader reads it, the validator votes it, the next block
// carries it. Before finality, nothing moves.
func TestEthBalancesFromGeth(t *testing.T) {
	if testing.Short() {
		t.Skip("runs geth and a node")
	}
	chain := gethtest.Start(t, gethtest.WithOnDemand())
	supply := gethtest.Ether(1_000_000)
	tok := gethtest.DeployToken(t, chain, supply)
	bob := gethtest.AddressOf(apptest.Key("bob"))
	gethtest.Transfer(t, chain, tok, gethtest.DevKey(), bob, gethtest.Ether(30)) // before the start block

	// Genesis balances are the token's at the start block, summed from its
	// Transfer logs since its deployment.
	start := chain.Head(t)
	held, err := ethsync.Snapshot(ctx(t), chain.Client, tok.Address, tok.Block, start, 1000)
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(t.TempDir(), "node")
	initHome(t, home, node.InitOptions{ChainID: "eth-e2e", AppState: app.DevGenesis()})
	if err := node.SetGenesisEth(home, balance.EthParams{ChainID: gethtest.DevChainID, Token: tok.Address.Hex(), StartBlock: start,
		Finality: balance.FinalityTag, MaxBlockRange: 16, MaxChanges: 1000}, held); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(home, node.Options{Quiet: true, EthRPC: chain.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Stop() }) // whichever node n is at the end
	c, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first block", func() bool { return ethView(t, c).Token != nil })
	if v := ethView(t, c); v.AttestedHeight != start || v.ReaderHeight == nil {
		t.Fatalf("eth view at start: %+v", v)
	}

	alice := apptest.Address(apptest.Key("alice"))
	r := gethtest.Transfer(t, chain, tok, gethtest.DevKey(), gethtest.AddressOf(apptest.Key("alice")), gethtest.Ether(250))
	block := r.BlockNumber.Uint64()
	if got := balanceOf(t, c, alice); got != "0" {
		t.Fatalf("alice before finality: %s", got)
	}
	chain.WaitFinalized(t, block+16) // past the end of the range holding it
	waitFor(t, "alice's balance", func() bool { return balanceOf(t, c, alice) == gethtest.Ether(250).String() })
	if got := balanceOf(t, c, bob.Hex()); got != gethtest.Ether(30).String() {
		t.Fatalf("bob's genesis balance: %s", got)
	}
	dev := new(big.Int).Sub(supply, gethtest.Ether(280))
	if got := balanceOf(t, c, gethtest.DevAddress().Hex()); got != dev.String() {
		t.Fatalf("the developer account: %s, want %s", got, dev)
	}
	v := ethView(t, c)
	if v.AttestedHeight < block || *v.ReaderHeight < v.AttestedHeight {
		t.Fatalf("eth view after the transfer: attested %d, reader %d, transfer in %d", v.AttestedHeight, *v.ReaderHeight, block)
	}

	// An export carries the token and how far it was read; a restarted
	// node reads on from where its state stands.
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	doc, err := node.ExportGenesis(home)
	if err != nil {
		t.Fatal(err)
	}
	var exported struct {
		Balance balance.Genesis `json:"balance"`
	}
	if err := json.Unmarshal(doc.AppState, &exported); err != nil {
		t.Fatal(err)
	}
	if exported.Balance.Params.Ethereum == nil || len(exported.Balance.Reported) != 1 || exported.Balance.Reported[0].MainHeight < block {
		t.Fatalf("exported balance genesis: %+v", exported.Balance)
	}
	n, err = node.Start(home, node.Options{Quiet: true, EthRPC: chain.URL})
	if err != nil {
		t.Fatal(err)
	}
	// The cleanup above stops n, now this node.
	if c, err = client.New(n.RPCAddress()); err != nil {
		t.Fatal(err)
	}
	r = gethtest.Transfer(t, chain, tok, gethtest.DevKey(), gethtest.AddressOf(apptest.Key("alice")), gethtest.Ether(1))
	chain.WaitFinalized(t, r.BlockNumber.Uint64()+16)
	waitFor(t, "alice's balance after a restart", func() bool { return balanceOf(t, c, alice) == gethtest.Ether(251).String() })
}
