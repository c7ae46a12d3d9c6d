package app_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// query answers path from the chain's committed state, decoded into v.
func query(t *testing.T, c *apptest.Chain, path, data string, v any) {
	t.Helper()
	res, err := c.App.Query(path, []byte(data), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(res.Value, v); err != nil {
		t.Fatalf("%s %s: %v in %s", path, data, err, res.Value)
	}
}

// TestResourceScoresVisible: on a chain that keeps scores, a resource
// node's score window is answered at PathResourceScore (score, multiplier,
// each epoch with the height that closed it), its view and the
// corechannel registry carry score and multiplier (0 for a node never
// judged), and /params shows x/resource's params. The window comes from a
// genesis (an export), as proofs are not wired as transactions yet: 3 of 4
// challenges passed in epoch 0 is a score of 0.75 and a multiplier of
// (0.75 − 0.2)/0.6 = 0.9166 (rounded down to basis points).
func TestResourceScoresVisible(t *testing.T) {
	base := resourceChain(t)
	base.MustBlock()
	doc, _, err := base.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(doc, &parts); err != nil {
		t.Fatal(err)
	}
	var rg resource.Genesis
	if err := json.Unmarshal(parts["resource"], &rg); err != nil {
		t.Fatal(err)
	}
	rg.Windows = []resource.GenesisWindow{{Node: "crn-1", Window: json.RawMessage(`{"epochs":[{"epoch":"0","issued":4,"passed":3}],"scoreBps":7500}`)}}
	rg.ZeroScores = []resource.GenesisZeroScore{{Node: "crn-2", Epochs: 3}}
	parts["resource"], _ = json.Marshal(rg)
	doc, _ = json.Marshal(parts)
	c := apptest.New(t, doc)
	c.MustBlock()

	var score *app.ResourceScoreView
	query(t, c, app.PathResourceScore, "crn-1", &score)
	if score == nil || score.ScoreBps != 7500 || score.Score != "0.75" || score.Multiplier != "0.9166" || score.WindowEpochs != 30 ||
		len(score.Epochs) != 1 || score.Epochs[0].Height != 10 || score.Epochs[0].Final || score.Epochs[0].Passed != 3 || score.Epochs[0].ScoreBps != 7500 {
		t.Fatalf("crn-1's score: %+v", score)
	}
	query(t, c, app.PathResourceScore, "crn-0", &score)
	if score != nil {
		t.Fatalf("a node never judged has a score window: %+v", score)
	}
	var view node.ResourceNodeView
	query(t, c, app.PathNodeView, "crn-1", &view)
	if view.Score != "0.75" || view.Multiplier != "0.9166" {
		t.Fatalf("crn-1's view: score %q multiplier %q", view.Score, view.Multiplier)
	}
	var reg node.CoreChannel
	query(t, c, app.PathNodes, "", &reg)
	got := ""
	for _, r := range reg.ResourceNodes {
		got += fmt.Sprintf("%s=%s/%s ", r.Hash, r.Score, r.Multiplier)
	}
	if got != "crn-0=0/0 crn-1=0.75/0.9166 crn-2=0/0 " {
		t.Fatalf("registry scores: %s", got)
	}
	// The row is labelled with epoch 0's last height, 10, where its tally
	// completes (FinishEpoch): until then it is not final, from 10 on it
	// is (this chain's 1-block liveness slots are too short to open, so
	// no slots join it).
	for c.Height < 9 {
		c.MustBlock()
	}
	query(t, c, app.PathResourceScore, "crn-1", &score)
	if e := score.Epochs[0]; e.Height != 10 || e.Final || e.Slots != 0 {
		t.Fatalf("epoch 0 at height 9: %+v", e)
	}
	c.MustBlock()
	query(t, c, app.PathResourceScore, "crn-1", &score)
	if e := score.Epochs[0]; e.Height != 10 || !e.Final || e.Issued != 4 || e.Passed != 3 {
		t.Fatalf("epoch 0 at height 10: %+v", e)
	}
	var params struct {
		Resource resource.Params `json:"resource"`
	}
	query(t, c, app.PathParams, "", &params)
	if !params.Resource.Enabled || params.Resource.EpochBlocks != 10 || params.Resource.ZeroScoreEpochs != 10 {
		t.Fatalf("/params resource: %+v", params.Resource)
	}

	// Off (the dev chain), views have no score fields and nothing has a
	// window; /params shows the module off.
	off := apptest.New(t, app.DevGenesis())
	off.MustBlock()
	query(t, off, app.PathResourceScore, "crn-1", &score)
	query(t, off, app.PathParams, "", &params)
	if score != nil || params.Resource.Enabled {
		t.Fatalf("off: score %+v, params %+v", score, params.Resource)
	}
}
