package api_test

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
	xnode "github.com/alephd/alephd/x/node"
)

// fundedGenesis is the dev app_state with genesis balances (whole ALEPH).
func fundedGenesis(t *testing.T, balances map[string]string) json.RawMessage {
	t.Helper()
	g := app.DevGenesis()
	for addr, whole := range balances {
		var err error
		if g, err = node.WithGenesisBalance(g, addr, whole+"000000000000000000"); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// getJSON decodes a GET's answer into out and returns its status.
func (a apiClient) getJSON(path string, out any) (int, []byte) {
	a.t.Helper()
	code, _, raw := a.do(http.MethodGet, path, "", nil)
	if code == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("GET %s: %v: %s", path, err, raw)
		}
	}
	return code, raw
}

// TestNodesAPI registers a CCN naming the node's consensus key, a CRN
// linked to it and a stake, with signed POSTs, and reads them back through
// the node routes and as nodestatus's corechannel aggregate.
func TestNodesAPI(t *testing.T) {
	owner, staker := keys.FromSeed("nodes-api-owner"), keys.FromSeed("nodes-api-staker")
	home := testnode.Init(t, "nodes-api", node.InitOptions{AppState: fundedGenesis(t, map[string]string{
		apptest.Address(owner): "200000", apptest.Address(staker): "20000",
	})})
	n := testnode.Start(t, home, true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	a := apiClient{t, "http://" + n.APIAddress}
	op := func(k *ecdsa.PrivateKey, action, ref string, details map[string]any) string {
		t.Helper()
		content := map[string]any{"action": action}
		if details != nil {
			content["details"] = details
		}
		m, err := client.Sign(k, client.Post("FOUNDATION", "corechan-operation", content, ref))
		if err != nil {
			t.Fatal(err)
		}
		if code, out := a.publish(m, true); code != http.StatusOK || out["message_status"] != "processed" {
			t.Fatalf("%s: %d %v", action, code, out)
		}
		return m.ItemHash
	}
	var pvKey struct {
		PubKey struct {
			Value string `json:"value"`
		} `json:"pub_key"`
	}
	raw, err := os.ReadFile(filepath.Join(home, "config", "priv_validator_key.json"))
	if err == nil {
		err = json.Unmarshal(raw, &pvKey)
	}
	if err != nil {
		t.Fatal(err)
	}

	ccn := op(owner, xnode.ActionCreateNode, "", map[string]any{
		"name": "api-ccn", "multiaddress": "/ip4/10.0.0.1/tcp/4025/p2p/QmAPI", "consensus_pubkey": pvKey.PubKey.Value,
	})
	crn := op(owner, xnode.ActionCreateResourceNode, "", map[string]any{"name": "api-crn", "address": "https://crn.example.org", "type": "compute"})
	op(owner, xnode.ActionLink, crn, nil)
	op(staker, xnode.ActionStake, ccn, nil)

	t.Run("node", func(t *testing.T) {
		var v xnode.CoreNodeView
		if code, raw := a.getJSON("/api/v0/nodes/"+ccn, &v); code != http.StatusOK {
			t.Fatalf("%d %s", code, raw)
		}
		want := map[string]json.Number{strings.ToLower(apptest.Address(staker)): "20000"}
		if v.Hash != ccn || v.Name != "api-ccn" || !strings.EqualFold(v.Owner, apptest.Address(owner)) || v.Status != xnode.StatusWaiting ||
			v.TotalStaked != "20000" || !reflect.DeepEqual(v.Stakers, want) || !reflect.DeepEqual(v.ResourceNodes, []string{crn}) ||
			v.ConsensusPubkey != pvKey.PubKey.Value {
			t.Fatalf("CCN: %+v", v)
		}
		var r xnode.ResourceNodeView
		if code, raw := a.getJSON("/api/v0/nodes/"+crn, &r); code != http.StatusOK {
			t.Fatalf("%d %s", code, raw)
		}
		if r.Hash != crn || r.Type != "compute" || r.Address != "https://crn.example.org" || r.Status != xnode.StatusLinked || r.Parent == nil || *r.Parent != ccn {
			t.Fatalf("CRN: %+v", r)
		}
		code, out := a.get("/api/v0/nodes/" + strings.Repeat("0", 64))
		if msg, _ := out["error"].(string); code != http.StatusNotFound || !strings.Contains(msg, "no core channel or resource node") {
			t.Fatalf("an unknown node: %d %v", code, out)
		}
	})
	var registry xnode.CoreChannel
	t.Run("nodes", func(t *testing.T) {
		if code, raw := a.getJSON("/api/v0/nodes", &registry); code != http.StatusOK {
			t.Fatalf("%d %s", code, raw)
		}
		if len(registry.Nodes) != 1 || registry.Nodes[0].Hash != ccn || len(registry.ResourceNodes) != 1 || registry.ResourceNodes[0].Hash != crn {
			t.Fatalf("%+v", registry)
		}
	})
	t.Run("stakes", func(t *testing.T) {
		var v xnode.StakesView
		if code, raw := a.getJSON("/api/v0/addresses/"+apptest.Address(staker)+"/stakes", &v); code != http.StatusOK {
			t.Fatalf("%d %s", code, raw)
		}
		if v.Share != "20000" || !reflect.DeepEqual(v.Stakes, map[string]json.Number{ccn: "20000"}) {
			t.Fatalf("%+v", v)
		}
		// An address that stakes nothing has an empty view, not a 404.
		var none xnode.StakesView
		if code, raw := a.getJSON("/api/v0/addresses/"+apptest.Address(owner)+"/stakes", &none); code != http.StatusOK || none.Share != "0" || len(none.Stakes) != 0 {
			t.Fatalf("the owner's stakes: %d %s", code, raw)
		}
	})
	t.Run("validators", func(t *testing.T) {
		// The chain's one validator is not stake-backed: below activation,
		// the CCN naming its key does not change the set, but is shown.
		var vals []app.ValidatorView
		if code, raw := a.getJSON("/api/v0/validators", &vals); code != http.StatusOK {
			t.Fatalf("%d %s", code, raw)
		}
		pk, _ := base64.StdEncoding.DecodeString(pvKey.PubKey.Value)
		if len(vals) != 1 || vals[0].PubKey != pvKey.PubKey.Value || vals[0].Node != ccn || vals[0].Power < 1 ||
			!strings.EqualFold(vals[0].Address, hex.EncodeToString(app.Ed25519Address(pk))) {
			t.Fatalf("%+v", vals)
		}
	})
	t.Run("corechannel aggregate", func(t *testing.T) {
		addr := strings.ToLower(xnode.DefaultParams().CoreChannelAddress)
		var agg struct {
			Address string `json:"address"`
			Data    struct {
				Corechannel xnode.CoreChannel `json:"corechannel"`
			} `json:"data"`
			Info map[string]any `json:"info"`
		}
		if code, raw := a.getJSON("/api/v0/aggregates/"+addr+".json?keys=corechannel", &agg); code != http.StatusOK {
			t.Fatalf("%d %s", code, raw)
		}
		if agg.Address != addr || agg.Info == nil || !reflect.DeepEqual(agg.Data.Corechannel, registry) {
			t.Fatalf("%+v\nwant the registry %+v", agg, registry)
		}
		// Without keys every aggregate of the address is listed: here only
		// the registry.
		code, out := a.get("/api/v0/aggregates/" + xnode.DefaultParams().CoreChannelAddress + ".json")
		if data, _ := out["data"].(map[string]any); code != http.StatusOK || len(data) != 1 || data["corechannel"] == nil {
			t.Fatalf("without keys: %d %v", code, out)
		}
		// Other keys of that address, and other addresses, are aggregates
		// as any.
		for _, path := range []string{addr + ".json?keys=profile", apptest.Address(owner) + ".json?keys=corechannel"} {
			if code, out := a.get("/api/v0/aggregates/" + path); code != http.StatusNotFound {
				t.Errorf("%s: %d %v, want 404", path, code, out)
			}
		}
		// An unknown parameter is ignored, as pydantic ignores it.
		if code, _ := a.get("/api/v0/aggregates/" + addr + ".json?keys=corechannel&nope=1"); code != http.StatusOK {
			t.Errorf("an unknown parameter: %d, want 200", code)
		}
	})
}
