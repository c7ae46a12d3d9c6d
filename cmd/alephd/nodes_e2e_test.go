package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	xnode "github.com/alephd/alephd/x/node"
)

// TestNodesCLI walks the README's "Nodes and staking" example through the
// binary: a CCN created with the home's consensus key, a staker, the
// queries (the node's record with a checked proof), and a resource node
// linked to the CCN. Each query prints the JSON the HTTP API answers.
func TestNodesCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs alephd binaries; make test runs it")
	}
	n := &testNode{home: t.TempDir() + "/home", rpc: "tcp://" + testnode.FreeAddr(t), api: testnode.FreeAddr(t)}
	must := func(args ...string) string {
		t.Helper()
		out, code := alephd(t, append(args, "--home", n.home)...)
		if code != 0 {
			t.Fatalf("alephd %s: %s", strings.Join(args, " "), out)
		}
		return out
	}
	owner := strings.Fields(must("keys", "add", "owner"))[1]
	staker := strings.Fields(must("keys", "add", "staker"))[1]
	must("init", "--chain-id", "nodes-demo", "--rpc-laddr", n.rpc, "--p2p-laddr", "tcp://"+testnode.FreeAddr(t), "--timeout-commit", "200ms")
	must("genesis", "add-balance", "owner", "200000")
	must("genesis", "add-balance", "staker", "10000")
	n.start(t)
	defer n.signal(syscall.SIGTERM)

	tx := func(args ...string) client.Result { t.Helper(); return n.tx(t, args...) }
	query := func(out any, args ...string) {
		t.Helper()
		raw := must(append(append([]string{"query"}, args...), "--node", n.rpc)...)
		if err := json.Unmarshal([]byte(raw), out); err != nil {
			t.Fatalf("query %v: %v: %s", args, err, raw)
		}
	}
	var pv struct {
		PubKey struct {
			Value string `json:"value"`
		} `json:"pub_key"`
	}
	raw, err := os.ReadFile(filepath.Join(n.home, "config", "priv_validator_key.json"))
	if err == nil {
		err = json.Unmarshal(raw, &pv)
	}
	if err != nil {
		t.Fatal(err)
	}

	r := tx("node", "create", "--name", "demo", "--multiaddress", "/ip4/127.0.0.1/tcp/4025/p2p/QmDemo", "--key", "owner")
	if !r.OK() {
		t.Fatalf("node create: %+v", r)
	}
	ccn := r.ItemHash
	if r := tx("node", "stake", ccn, "--key", "owner"); r.Codespace != xnode.Codespace || !strings.Contains(r.Log, "owner cannot stake") {
		t.Fatalf("the owner staking its own node: %+v", r)
	}
	if r := tx("node", "unjail", ccn, "--key", "owner"); r.Codespace != xnode.Codespace || r.Code != 9 || !strings.Contains(r.Log, "is not jailed") {
		t.Fatalf("unjail of a node never jailed: %+v", r)
	}
	if r := tx("node", "stake", ccn, "--key", "staker"); !r.OK() {
		t.Fatalf("stake: %+v", r)
	}

	var proven struct {
		Height int64  `json:"height"`
		Proof  string `json:"proof"`
		Result struct {
			Hash            string      `json:"hash"`
			Kind            string      `json:"kind"`
			Owner           string      `json:"owner"`
			TotalStaked     json.Number `json:"total_staked"`
			ConsensusPubkey string      `json:"consensus_pubkey"`
			Height          int64       `json:"height"`
		} `json:"result"`
	}
	query(&proven, "node", ccn, "--prove")
	if res := proven.Result; proven.Proof != "verified" || res.Hash != ccn || res.Kind != "core" || !strings.EqualFold(res.Owner, owner) ||
		res.TotalStaked != "10000" || res.ConsensusPubkey != pv.PubKey.Value || res.Height < 1 {
		t.Fatalf("query node --prove: %+v", proven)
	}
	var view xnode.CoreNodeView
	query(&view, "node", ccn)
	if view.Status != xnode.StatusWaiting || !reflect.DeepEqual(view.Stakers, map[string]json.Number{strings.ToLower(staker): "10000"}) {
		t.Fatalf("query node: %+v", view)
	}
	var stakes xnode.StakesView
	query(&stakes, "stakes", staker)
	if stakes.Share != "10000" || !reflect.DeepEqual(stakes.Stakes, map[string]json.Number{ccn: "10000"}) {
		t.Fatalf("query stakes: %+v", stakes)
	}
	// `alephd init`'s validator has no stake; the CCN naming its key is
	// below activation, so the set stays, and shows the node.
	var vals []app.ValidatorView
	query(&vals, "validators")
	if len(vals) != 1 || vals[0].PubKey != pv.PubKey.Value || vals[0].Node != ccn {
		t.Fatalf("query validators: %+v", vals)
	}

	crnKey := crypto.CompressPubkey(&keys.FromSeed("demo-crn-signing-key").PublicKey)
	if out, code := alephd(t, "tx", "crn", "create", "--address", "https://bad.example.org", "--pubkey", "0x1234", "--key", "owner", "--home", n.home, "--node", n.rpc); code == 0 || !strings.Contains(out, "--pubkey") {
		t.Fatalf("crn create with a 2-byte key: %d %s", code, out)
	}
	r = tx("crn", "create", "--address", "https://crn.example.org", "--name", "demo-crn", "--key", "owner",
		"--pubkey", "0x"+hex.EncodeToString(crnKey), "--capacity", "2199023255552")
	if !r.OK() {
		t.Fatalf("crn create: %+v", r)
	}
	crn := r.ItemHash
	if r := tx("node", "link", crn, "--key", "owner"); !r.OK() {
		t.Fatalf("link: %+v", r)
	}
	var crnView xnode.ResourceNodeView
	query(&crnView, "node", crn)
	if crnView.Type != "compute" || crnView.Status != xnode.StatusLinked || crnView.Parent == nil || *crnView.Parent != ccn ||
		crnView.Pubkey != "0x"+hex.EncodeToString(crnKey) || crnView.Capacity != 2<<40 {
		t.Fatalf("query node CRN: %+v", crnView)
	}
	if r := tx("crn", "amend", crn, "--capacity", "1073741824", "--key", "owner"); !r.OK() {
		t.Fatalf("crn amend: %+v", r)
	}
	query(&crnView, "node", crn)
	if crnView.Capacity != 1<<30 || crnView.Pubkey != "0x"+hex.EncodeToString(crnKey) || crnView.Score != "" {
		t.Fatalf("query node CRN after amend: %+v", crnView)
	}
	if out, code := alephd(t, "query", "crn-score", crn, "--node", n.rpc, "--home", n.home); code == 0 || !strings.Contains(out, "keeps no scores") {
		t.Fatalf("query crn-score on a chain without scores: %d %s", code, out)
	}

	// `query nodes` prints what GET /api/v0/nodes answers.
	cli := must("query", "nodes", "--node", n.rpc)
	res, err := http.Get("http://" + n.api + "/api/v0/nodes")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(cli)); err != nil || compact.String() != string(body) {
		t.Fatalf("query nodes:\n%s\nGET /api/v0/nodes:\n%s", compact.String(), body)
	}
	var reg xnode.CoreChannel
	if err := json.Unmarshal(body, &reg); err != nil || len(reg.Nodes) != 1 || !reflect.DeepEqual(reg.Nodes[0].ResourceNodes, []string{crn}) ||
		len(reg.ResourceNodes) != 1 || reg.ResourceNodes[0].Hash != crn {
		t.Fatalf("the registry: %v %+v", err, reg)
	}
}
