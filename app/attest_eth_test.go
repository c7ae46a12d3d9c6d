package app_test

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/payment"
)

// ethChain is the production default genesis reading a token from block
// 100 on, with ETH balances at that block in whole ALEPH.
func ethChain(t *testing.T, whole map[string]int64) *apptest.Chain {
	t.Helper()
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DefaultGenesis(), &parts); err != nil {
		t.Fatal(err)
	}
	bal := balance.DefaultGenesis()
	bal.Params.Ethereum = &balance.EthParams{ChainID: 1, Token: "0x27702a26126e0B3702af63Ee09aC4d1A084EF628", StartBlock: 100,
		Finality: balance.FinalityTag, MaxBlockRange: 50, MaxChanges: 100}
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		if n, ok := whole[name]; ok {
			bal.Balances = append(bal.Balances, balance.Entry{Address: apptest.Address(apptest.Key(name)), Amount: fmt.Sprint(n) + "000000000000000000", Source: balance.SourceEth})
		}
	}
	parts["balance"], _ = json.Marshal(bal)
	doc, _ := json.Marshal(parts)
	return apptest.New(t, doc)
}

// ethRange applies an attested range of blocks moving whole ALEPH by
// name. (The ABCI adapter checks a record against its evidence; apptest
// runs the block as every validator does once it is accepted.)
func ethRange(t *testing.T, c *apptest.Chain, from, to uint64, deltas map[string]int64) app.TxResult {
	t.Helper()
	var changes []*pb.EthChange
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		if d, ok := deltas[name]; ok {
			delta := new(big.Int).Mul(big.NewInt(d), balance.Unit())
			changes = append(changes, balance.EthChangeOf(common.HexToAddress(apptest.Address(apptest.Key(name))), delta))
		}
	}
	for i := 1; i < len(changes); i++ { // by address
		for j := i; j > 0 && changes[j].Address < changes[j-1].Address; j-- {
			changes[j], changes[j-1] = changes[j-1], changes[j]
		}
	}
	rs := c.BlockTxs(app.EncodeAttestation(&pb.Attestation{Eth: &pb.EthUpdate{From: from, To: to, Changes: changes}}))
	if rs[0].Code != 0 {
		t.Fatalf("the record was refused: %s", rs[0].Log)
	}
	return rs[0]
}

func account(t *testing.T, c *apptest.Chain, name string) payment.AccountView {
	t.Helper()
	var v payment.AccountView
	res, err := c.App.Query(app.PathAccount, []byte(apptest.Address(apptest.Key(name))), 0, false)
	if err == nil {
		err = json.Unmarshal(res.Value, &v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestEthTransferMovesPayments: a transfer on Ethereum that drops an
// address below its usage moves its newest messages to removing, in the
// block that carries the range; a later range brings one back. Oracles
// can no longer report ETH.
func TestEthTransferMovesPayments(t *testing.T) {
	c := ethChain(t, map[string]int64{"alice": 4})
	alice := apptest.Key("alice")
	var posts []*pb.AlephMessage
	for i := range 4 {
		posts = append(posts, sign(t, alice, at(client.Post("TEST", "note", map[string]any{"n": i}, ""), fmt.Sprintf("1700000000.%d", i))))
	}
	c.MustBlock(posts[0], posts[1])
	c.MustBlock(posts[2], posts[3])

	r := ethRange(t, c, 101, 150, map[string]int64{"alice": -2, "bob": 2})
	var status []string
	for _, p := range posts {
		status = append(status, c.Status(p.ItemHash))
	}
	if got := strings.Join(status, " "); got != "processed processed removing removing" {
		t.Fatalf("after alice sent 2 ALEPH: %s", got)
	}
	if len(r.StatusChanges) != 2 {
		t.Fatalf("the record reports %d status changes, want 2", len(r.StatusChanges))
	}
	a := account(t, c, "alice")
	if len(a.Sources) != 1 || a.Sources[0].Source != balance.SourceEth || a.Sources[0].Amount != "2000000000000000000" {
		t.Fatalf("alice's sources: %+v", a.Sources)
	}
	ethRange(t, c, 151, 200, map[string]int64{"alice": 1, "bob": -1})
	if got := c.Status(posts[2].ItemHash) + " " + c.Status(posts[3].ItemHash); got != "processed removing" {
		t.Fatalf("after alice got 1 ALEPH back: %s", got)
	}
}

// TestEthTransferMovesStakes: stakes follow attested balances as they
// follow an oracle's: a staker whose balance rises stakes more, one that
// falls below the threshold stakes nothing.
func TestEthTransferMovesStakes(t *testing.T) {
	c := ethChain(t, map[string]int64{"alice": 250_000, "carol": 30_000, "dave": 12_000})
	op := func(name, action, ref string, seconds string) string {
		content := map[string]any{"action": action, "tags": []string{action, "mainnet"}}
		m := sign(t, apptest.Key(name), at(client.Post("FOUNDATION", "corechan-operation", content, ref), seconds))
		c.MustBlock(m)
		return m.ItemHash
	}
	ccn := op("alice", node.ActionCreateNode, "", "1700000000.1")
	op("carol", node.ActionStake, ccn, "1700000000.2")
	op("dave", node.ActionStake, ccn, "1700000000.3")
	total := func() string {
		res, err := c.App.Query(app.PathNodeView, []byte(ccn), 0, false)
		var v node.CoreNodeView
		if err == nil {
			err = json.Unmarshal(res.Value, &v)
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(v.TotalStaked)
	}
	if got := total(); got != "42000" {
		t.Fatalf("total staked: %s", got)
	}
	ethRange(t, c, 101, 150, map[string]int64{"carol": 10_000, "dave": -10_000})
	if got := total(); got != "40000" {
		t.Fatalf("after carol got 10,000 and dave fell below the threshold: %s", got)
	}
}
