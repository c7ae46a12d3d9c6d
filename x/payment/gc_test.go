package payment_test

import (
	"bytes"
	"crypto/ecdsa"
	"strings"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// report is an oracle's balances-update setting addr's ETH balance.
func (c *chain) report(height uint64, k *ecdsa.PrivateKey, amount string) *pb.AlephMessage {
	return c.sign(oracle, client.BalancesUpdate("ORACLE", "ETH", height, map[string]string{apptest.Address(k): amount}))
}

func (c *chain) statuses(msgs []*pb.AlephMessage) string {
	var out []string
	for _, m := range msgs {
		out = append(out, c.status(m.ItemHash))
	}
	return strings.Join(out, " ")
}

// TestGarbageCollection: a balance that drops puts the newest items in
// removing; capacity regained within grace brings them back, oldest first;
// once grace runs out they are removed for good: no content, no aggregate,
// no usage. Export and import keep every part of it.
func TestGarbageCollection(t *testing.T) {
	c := newChain(t, nil, nil) // grace: 3 blocks
	c.ok(c.report(100, alice, "4.5"))
	if a := c.account(alice); a.Balance != "4500000000000000000" || a.PersonalStorage.Capacity.Messages != 4 {
		t.Fatalf("alice after the report: %+v", a)
	}
	var items []*pb.AlephMessage
	for i := 0; i < 3; i++ {
		items = append(items, c.post(alice, "TEST"))
	}
	items = append(items, c.sign(alice, client.Aggregate("TEST", "profile", map[string]any{"last": true})))
	c.ok(items[0], items[1])
	c.ok(items[2], items[3])

	// The balance falls to 2: the two newest enter removing.
	c.ok(c.report(101, alice, "2"))
	if got := c.statuses(items); got != "processed processed removing removing" {
		t.Fatalf("after the drop: %s", got)
	}
	if a := c.account(alice).PersonalStorage; a.Used.Messages != 2 || a.Removing.Messages != 2 {
		t.Fatalf("usage after the drop: %+v", a)
	}
	// Removing items are still served, and the aggregate still has them;
	// but they hold their capacity: a new post does not fit.
	if agg, _ := c.App.Query(app.PathAggregates, []byte(apptest.Address(alice)), 0, false); !bytes.Contains(agg.Value, []byte(`"last"`)) {
		t.Fatalf("aggregate lost a removing element: %s", agg.Value)
	}
	got, log := c.code(c.post(alice, "TEST"))
	wantCode(t, "a post while over capacity", got, log, "payment/2")

	// Within grace, 3 tokens come back: the older of the two returns.
	c.ok(c.report(102, alice, "3"))
	if got := c.statuses(items); got != "processed processed processed removing" {
		t.Fatalf("after regaining one token: %s", got)
	}
	// An older report cannot undo a newer one.
	got, log = c.code(c.report(99, alice, "100"))
	wantCode(t, "a stale report", got, log, "balance/2")

	// Export in the middle of grace, import, and both chains agree.
	exported, _, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	d := apptest.New(t, exported)
	d.Block()
	again, _, err := d.App.ExportGenesis()
	if err != nil || !bytes.Equal(exported, again) {
		t.Fatalf("export of the imported chain differs (%v)", err)
	}

	// Grace runs out: the last item is removed.
	until := c.record(items[3].ItemHash).Charge.GetRemovingUntil()
	for c.Height < until {
		c.Block()
	}
	if got := c.statuses(items); got != "processed processed processed removed" {
		t.Fatalf("after grace: %s", got)
	}
	rec := c.record(items[3].ItemHash)
	if len(rec.Message.ItemContent) != 0 || !rec.Charge.GetReleased() {
		t.Fatalf("removed record keeps content or charge: %+v", rec)
	}
	if agg, _ := c.App.Query(app.PathAggregates, []byte(apptest.Address(alice)), 0, false); agg.Value != nil {
		t.Fatalf("aggregate of a removed element still served: %s", agg.Value)
	}
	if len(c.EndBlock) != 1 || c.EndBlock[0].Status != "removed" {
		t.Fatalf("end-of-block changes = %+v", c.EndBlock)
	}
	if a := c.account(alice).PersonalStorage; a.Used.Messages != 3 || a.Removing.Messages != 0 {
		t.Fatalf("usage after removal: %+v", a)
	}
	// Capacity regained after grace brings nothing back.
	c.ok(c.report(103, alice, "10"))
	if got := c.status(items[3].ItemHash); got != "removed" {
		t.Fatalf("a removed item came back: %s", got)
	}
}

// TestBalanceDropShrinksEndorsements: an endorser whose balance falls below
// what it endorses loses its most recent endorsements first, and the
// channels they paid for are collected.
func TestBalanceDropShrinksEndorsements(t *testing.T) {
	c := newChain(t, nil, nil)
	c.ok(c.report(1, alice, "10"))
	c.ok(c.sign(alice, client.Endorse("OLD", "3")))
	c.ok(c.sign(alice, client.Endorse("NEW", "5")))
	var onNew []*pb.AlephMessage
	for i := 0; i < 3; i++ {
		onNew = append(onNew, c.post(bob, "NEW"))
	}
	c.ok(onNew...)
	c.ok(c.report(2, alice, "4")) // endorses 8: NEW loses 4, down to 1
	if v := c.channel("NEW"); v.Endorsed != "1000000000000000000" {
		t.Fatalf("NEW after the drop: %+v", v)
	}
	if v := c.channel("OLD"); v.Endorsed != "3000000000000000000" {
		t.Fatalf("OLD after the drop: %+v", v)
	}
	if got := c.statuses(onNew); got != "processed removing removing" {
		t.Fatalf("NEW's posts: %s", got)
	}
}

// TestBalancesUpdateFromOthers: a balances-update from an address that is
// not an oracle is an ordinary post and moves no balance; a malformed one
// from an oracle is refused.
func TestBalancesUpdateFromOthers(t *testing.T) {
	c := newChain(t, map[*ecdsa.PrivateKey]int64{bob: 1}, nil)
	c.ok(c.sign(bob, client.BalancesUpdate("ORACLE", "ETH", 1, map[string]string{apptest.Address(bob): "1000"})))
	if a := c.account(bob); a.Balance != "1000000000000000000" {
		t.Fatalf("bob set his own balance: %+v", a)
	}
	bad := c.sign(oracle, client.BalancesUpdate("ORACLE", "ETH", 1, map[string]string{apptest.Address(bob): "-5"}))
	got, log := c.code(bad)
	wantCode(t, "a negative balance", got, log, "balance/1")
}
