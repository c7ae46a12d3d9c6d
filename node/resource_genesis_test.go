package node

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/alephd/alephd/x/resource"
)

// TestWithGenesisResource: the params land in app_state.resource, other
// modules' parts are kept, and params genesis would refuse are refused.
func TestWithGenesisResource(t *testing.T) {
	in := json.RawMessage(`{"message":{"x":1}}`)
	p := resource.DefaultParams()
	p.Enabled, p.EpochBlocks, p.ProbesPerEpoch, p.ProofWindowBlocks = true, 20, 4, 10
	out, err := WithGenesisResource(in, p)
	if err != nil {
		t.Fatal(err)
	}
	g, parts, err := resourceGenesis(out)
	if err != nil {
		t.Fatal(err)
	}
	if g.Params != p || string(parts["message"]) != `{"x":1}` {
		t.Fatalf("params %+v, message part %s", g.Params, parts["message"])
	}
	p.ProbesPerEpoch = 30 // more slots than blocks
	if _, err := WithGenesisResource(in, p); err == nil || !strings.Contains(err.Error(), "probes_per_epoch") {
		t.Fatalf("30 probes in a 20-block epoch: %v", err)
	}
}
