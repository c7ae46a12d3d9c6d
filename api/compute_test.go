package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/alephd/alephd/api"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/index"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// appState answers state queries from a real app's committed state.
type appState struct {
	noState
	c *apptest.Chain
}

func (s appState) Query(_ context.Context, path string, data []byte) ([]byte, error) {
	r, err := s.c.App.Query(path, data, 0, false)
	return r.Value, err
}

// scoredChain is the dev chain with an active CCN linking CRNs crn-0 and
// crn-1, and x/resource on with crn-1's window from genesis: epochs 0
// (4 issued, 3 passed) and 1 (4 issued, 1 passed): 4 of 8, a score of 0.5.
func scoredChain(t *testing.T) *apptest.Chain {
	t.Helper()
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DevGenesis(), &parts); err != nil {
		t.Fatal(err)
	}
	bg := balance.DefaultGenesis()
	if err := json.Unmarshal(parts["balance"], &bg); err != nil {
		t.Fatal(err)
	}
	owner, staker := apptest.Address(apptest.Key("ccn")), apptest.Address(apptest.Key("staker"))
	bg.Balances = append(bg.Balances, balance.Entry{Address: owner, Amount: "300000000000000000000000"},
		balance.Entry{Address: staker, Amount: "600000000000000000000000"})
	ng := node.DefaultGenesis()
	ccn := &pb.NodeRecord{Hash: "ccn", Kind: pb.NodeKind_NODE_KIND_CORE, Owner: owner, Multiaddress: "/ip4/10.0.0.1/tcp/4025"}
	for i := range 2 {
		h := fmt.Sprintf("crn-%d", i)
		ccn.ResourceNodes = append(ccn.ResourceNodes, h)
		b, _ := protojson.Marshal(&pb.NodeRecord{Hash: h, Kind: pb.NodeKind_NODE_KIND_RESOURCE, Owner: staker, Type: "compute", Address: fmt.Sprintf("https://crn%d.example", i)})
		ng.Nodes = append(ng.Nodes, b)
	}
	b, _ := protojson.Marshal(ccn)
	ng.Nodes = append(ng.Nodes, b)
	ng.Stakes = []node.GenesisStake{{Staker: staker, Nodes: []string{"ccn"}}}
	rg := resource.DefaultGenesis()
	rg.Params.Enabled = true
	rg.Params.EpochBlocks, rg.Params.ProofWindowBlocks = 10, 5
	rg.Windows = []resource.GenesisWindow{{Node: "crn-1", Window: json.RawMessage(
		`{"epochs":[{"epoch":"0","issued":4,"passed":3},{"epoch":"1","issued":4,"passed":1}],"scoreBps":5000}`)}}
	for name, v := range map[string]any{"balance": bg, "node": ng, "resource": rg} {
		parts[name], _ = json.Marshal(v)
	}
	doc, _ := json.Marshal(parts)
	c := apptest.New(t, doc)
	c.MustBlock()
	return c
}

// TestComputeMetrics: /api/v0/compute/{node_id}/metrics answers a scored
// resource node's window in pyaleph's columnar shape (one entry per
// epoch, sort reverses them), 404 for a node never judged and on a chain
// that keeps no scores, 422 for pyaleph's bad parameters; the node view
// and the corechannel registry (/api/v0/nodes) carry score and multiplier.
func TestComputeMetrics(t *testing.T) {
	serve := func(c *apptest.Chain) apiClient {
		x, err := index.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = x.Close() })
		srv := httptest.NewServer(api.New(x, appState{c: c}, openStore(t)).Handler())
		t.Cleanup(srv.Close)
		return apiClient{t, srv.URL}
	}
	a := serve(scoredChain(t))
	var out struct {
		Metrics    map[string][]json.Number `json:"metrics"`
		NodeID     string                   `json:"node_id"`
		Score      json.Number              `json:"score"`
		ScoreBps   int                      `json:"score_bps"`
		Multiplier json.Number              `json:"multiplier"`
	}
	code, raw := a.getJSON("/api/v0/compute/crn-1/metrics", &out)
	if code != http.StatusOK || out.NodeID != "crn-1" || out.Score != "0.5" || out.ScoreBps != 5000 || out.Multiplier != "0.5" ||
		fmt.Sprint(out.Metrics["epoch"], out.Metrics["height"], out.Metrics["passed"], out.Metrics["score"]) != "[0 1] [10 20] [3 1] [0.75 0.25]" {
		t.Fatalf("%d %s", code, raw)
	}
	for _, sort := range []string{"desc", "-1", "DESCENDING"} {
		out.Metrics = nil
		if code, raw := a.getJSON("/api/v0/compute/crn-1/metrics?start_date=1700000000&sort="+sort, &out); code != http.StatusOK || fmt.Sprint(out.Metrics["epoch"]) != "[1 0]" {
			t.Fatalf("sort=%s: %d %s", sort, code, raw)
		}
	}
	for path, want := range map[string]int{
		"/api/v0/compute/crn-0/metrics":                  http.StatusNotFound, // linked, never judged
		"/api/v0/compute/nobody/metrics":                 http.StatusNotFound,
		"/api/v0/compute/crn-1/metrics?sort=up":          http.StatusUnprocessableEntity,
		"/api/v0/compute/crn-1/metrics?end_date=tuesday": http.StatusUnprocessableEntity,
	} {
		if code, raw := a.getJSON(path, &out); code != want {
			t.Fatalf("%s: %d, want %d: %s", path, code, want, raw)
		}
	}
	var view node.ResourceNodeView
	if code, raw := a.getJSON("/api/v0/nodes/crn-1", &view); code != http.StatusOK || view.Score != "0.5" || view.Multiplier != "0.5" {
		t.Fatalf("node view: %d %s", code, raw)
	}
	var reg node.CoreChannel
	if code, raw := a.getJSON("/api/v0/nodes", &reg); code != http.StatusOK || len(reg.ResourceNodes) != 2 ||
		reg.ResourceNodes[0].Score != "0" || reg.ResourceNodes[1].Score != "0.5" {
		t.Fatalf("registry: %d %s", code, raw)
	}

	off := apptest.New(t, app.DevGenesis())
	off.MustBlock()
	if code, raw := serve(off).getJSON("/api/v0/compute/crn-1/metrics", &out); code != http.StatusNotFound {
		t.Fatalf("a chain without scores: %d %s", code, raw)
	}
}
