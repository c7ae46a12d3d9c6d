package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/x/payment"
)

// TestPaymentsCLI walks the README's Payments example through the binary:
// a genesis balance and an oracle, personal storage filling up, an oracle
// report, an endorsement paying for someone else, and the queries.
func TestPaymentsCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs alephd binaries; make test runs it")
	}
	n := &testNode{home: t.TempDir() + "/home", rpc: "tcp://" + testnode.FreeAddr(t), api: testnode.FreeAddr(t)}
	key := func(name string) string {
		out, code := alephd(t, "keys", "add", name, "--home", n.home)
		if code != 0 {
			t.Fatalf("keys add %s: %s", name, out)
		}
		return strings.Fields(out)[1]
	}
	oracle, alice := key("oracle"), key("alice")
	key("bob")
	must := func(args ...string) string {
		t.Helper()
		out, code := alephd(t, append(args, "--home", n.home)...)
		if code != 0 {
			t.Fatalf("alephd %s: %s", strings.Join(args, " "), out)
		}
		return out
	}
	must("init", "--chain-id", "pay-demo", "--oracle", oracle, "--rpc-laddr", n.rpc, "--p2p-laddr", "tcp://"+testnode.FreeAddr(t), "--timeout-commit", "200ms")
	must("genesis", "add-balance", "alice", "3")
	n.start(t)
	defer n.signal(syscall.SIGTERM)
	if out, code := alephd(t, "genesis", "add-balance", "bob", "1", "--home", n.home); code == 0 || !strings.Contains(out, "already started") {
		t.Fatalf("genesis add-balance after the first start: exit %d, %s", code, out)
	}

	tx := func(args ...string) client.Result { t.Helper(); return n.tx(t, args...) }
	for i := 0; i < 3; i++ {
		if r := tx("post", "note", `{"n":1}`, "--key", "alice"); !r.OK() {
			t.Fatalf("post %d on 3 ALEPH: %+v", i, r)
		}
	}
	r := tx("post", "note", `{"n":4}`, "--key", "alice")
	if r.Codespace != payment.Codespace || r.Code != 2 || !strings.Contains(r.Log, "exhausted: 3/3 messages") {
		t.Fatalf("fourth post: %+v", r)
	}
	if r := tx("balances-update", "ETH", "1", alice+"=10", "--key", "oracle"); !r.OK() {
		t.Fatalf("oracle report: %+v", r)
	}
	if r := tx("endorse", "MYAPP", "5", "--key", "alice"); !r.OK() {
		t.Fatalf("endorse: %+v", r)
	}
	if r := tx("post", "note", `{"from":"bob"}`, "--channel", "MYAPP", "--key", "bob"); !r.OK() {
		t.Fatalf("bob on the endorsed channel: %+v", r)
	}
	if r := tx("post", "note", `{"from":"bob"}`, "--key", "bob"); r.Codespace != payment.Codespace || r.Code != 1 {
		t.Fatalf("bob elsewhere: %+v", r)
	}
	var acct payment.AccountView
	if err := json.Unmarshal([]byte(must("query", "account", alice, "--node", n.rpc)), &acct); err != nil {
		t.Fatal(err)
	}
	if acct.Balance != "13000000000000000000" || acct.PersonalStorage.Capacity.Messages != 8 || acct.PersonalStorage.Used.Messages != 3 {
		t.Fatalf("query account: %+v", acct)
	}
	var ch payment.ChannelView
	if err := json.Unmarshal([]byte(must("query", "channel", "MYAPP", "--node", n.rpc)), &ch); err != nil {
		t.Fatal(err)
	}
	if ch.Quota.Capacity.Messages != 5 || ch.Quota.Used.Messages != 1 || len(ch.Endorsements) != 1 || !strings.EqualFold(ch.Endorsements[0].Endorser, alice) {
		t.Fatalf("query channel: %+v", ch)
	}
	// The oracle takes the 10 back: alice's endorsement shrinks to her 3,
	// which her own 3 posts then exceed: they enter removing.
	tx("balances-update", "ETH", "2", alice+"=0", "--key", "oracle")
	if err := json.Unmarshal([]byte(must("query", "account", alice, "--node", n.rpc)), &acct); err != nil {
		t.Fatal(err)
	}
	if acct.Endorsed != "3000000000000000000" || acct.PersonalStorage.Removing.Messages != 3 {
		t.Fatalf("after the drop: %+v", acct)
	}
	// The HTTP API answers in pyaleph's shape.
	res, err := http.Get("http://" + n.api + "/api/v0/addresses/" + alice + "/balance")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	var bal struct {
		Balance      json.Number            `json:"balance"`
		LockedAmount json.Number            `json:"locked_amount"`
		Details      map[string]json.Number `json:"details"`
	}
	if err := json.NewDecoder(res.Body).Decode(&bal); err != nil || bal.Balance != "3" || bal.LockedAmount != "3" || bal.Details["genesis"] != "3" {
		t.Fatalf("GET balance: %v %+v", err, bal)
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal([]byte(must("query", "params", "--node", n.rpc)), &params); err != nil || params["payment"] == nil {
		t.Fatalf("query params: %v %s", err, params)
	}
}
