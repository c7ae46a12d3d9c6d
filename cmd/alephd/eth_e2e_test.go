package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/gethtest"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/x/balance"
)

// TestEthCLI: a node started with `alephd start --eth-rpc` on a chain
// whose genesis names a token on a real geth --dev follows a transfer;
// `alephd query eth` shows the last attested block and the reader's
// height, and the API's balance route shows the ETH component with the
// Ethereum height it was read at.
func TestEthCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs geth and alephd binaries")
	}
	chain := gethtest.Start(t, gethtest.WithOnDemand())
	supply := gethtest.Ether(1_000)
	tok := gethtest.DeployToken(t, chain, supply)
	n := newNode(t)
	// The genesis an operator makes: `alephd genesis set-eth` reads the
	// token's history; the deployer holds the supply at the start block.
	setEth := func(chainID string, from, start uint64) (string, int) {
		return alephd(t, "genesis", "set-eth", "--home", n.home, "--eth-rpc", chain.URL, "--chain-id", chainID,
			"--token", tok.Address.Hex(), "--start-block", fmt.Sprint(start), "--from-block", fmt.Sprint(from),
			"--finality", balance.FinalityConfirmations, "--confirmations", "1", "--max-block-range", "4", "--max-changes", "100")
	}
	devChain := fmt.Sprint(gethtest.DevChainID)
	if out, code := setEth("1", 0, tok.Block); code == 0 || !strings.Contains(out, "not --chain-id 1") {
		t.Fatalf("set-eth against the wrong chain id: exit %d: %s", code, out)
	}
	// The deployment block is the head: not final with one confirmation.
	if out, code := setEth(devChain, 0, tok.Block); code == 0 || !strings.Contains(out, "is not final under --finality confirmations --confirmations 1") {
		t.Fatalf("set-eth at a start block not final: exit %d: %s", code, out)
	}
	chain.Mine(t, 2)
	// A history from after the deployment misses the supply's mint.
	if out, code := setEth(devChain, tok.Block+1, tok.Block+1); code == 0 || !strings.Contains(out, "not the token's whole history") {
		t.Fatalf("set-eth from after the deployment: exit %d: %s", code, out)
	}
	if out, code := setEth(devChain, 0, tok.Block+1); code != 0 || !strings.Contains(out, "1 holders") {
		t.Fatalf("genesis set-eth: exit %d: %s", code, out)
	}

	log, err := os.OpenFile(filepath.Join(n.home, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	n.cmd = exec.Command(testnode.Alephd(t), "start", "--home", n.home, "--api-addr", n.api, "--eth-rpc", chain.URL)
	n.cmd.Stdout, n.cmd.Stderr = log, log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.signal(syscall.SIGKILL) })
	c, err := client.New(n.rpc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.WaitForHeight(ctx, 1); err != nil {
		t.Fatalf("node did not start: %v", err)
	}

	alice := apptest.Address(apptest.Key("alice"))
	r := gethtest.Transfer(t, chain, tok, gethtest.DevKey(), gethtest.AddressOf(apptest.Key("alice")), gethtest.Ether(7))
	block := r.BlockNumber.Uint64()
	chain.Mine(t, 8) // past the range holding it, one confirmation
	var v app.EthView
	for end := time.Now().Add(time.Minute); v.AttestedHeight < block; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(end) {
			b, _ := os.ReadFile(filepath.Join(n.home, "node.log"))
			t.Fatalf("block %d never attested: %+v\n%s", block, v, b)
		}
		out, code := alephd(t, "query", "eth", "--node", n.rpc)
		if code != 0 {
			t.Fatalf("query eth: %s", out)
		}
		v = app.EthView{}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("query eth: %s", out)
		}
	}
	if v.Token == nil || v.Token.Token != tok.Address.Hex() || v.ReaderHeight == nil || *v.ReaderHeight < v.AttestedHeight {
		t.Fatalf("query eth: %+v", v)
	}

	res, err := http.Get("http://" + n.api + "/api/v0/addresses/" + alice + "/balance")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	var bal struct {
		Balance   json.Number            `json:"balance"`
		Details   map[string]json.Number `json:"details"`
		EthHeight uint64                 `json:"eth_height"`
	}
	if err := json.Unmarshal(body, &bal); err != nil {
		t.Fatalf("balance route: %s", body)
	}
	if bal.Balance != "7" || bal.Details["ETH"] != "7" || bal.EthHeight < block {
		t.Fatalf("balance route: %s", body)
	}

	res, err = http.Get("http://" + n.api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	_ = res.Body.Close()
	for _, m := range []string{"alephd_eth_reader_height", "alephd_eth_final_height", "alephd_eth_reader_lag_blocks", "alephd_eth_rpc_errors_total"} {
		if !strings.Contains(string(body), "\n"+m+" ") {
			t.Errorf("/metrics has no %s", m)
		}
	}
}
