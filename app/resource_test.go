package app_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/x/resource"
)

// withResource is the dev genesis with x/resource's part set to g, or
// without that part at all (nil), as a genesis written before the module.
func withResource(t *testing.T, g *resource.Genesis) json.RawMessage {
	t.Helper()
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DevGenesis(), &parts); err != nil {
		t.Fatal(err)
	}
	delete(parts, "resource")
	if g != nil {
		parts["resource"], _ = json.Marshal(g)
	}
	doc, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestResourceOffKeepsAppHash: a genesis without the module's part and one
// with its (disabled) default give the same app hash, block after block;
// enabling it changes the hash, exports its params and passes the
// invariants.
func TestResourceOffKeepsAppHash(t *testing.T) {
	def := resource.DefaultGenesis()
	without := apptest.New(t, withResource(t, nil))
	off := apptest.New(t, withResource(t, &def))
	on := def
	on.Params.Enabled = true
	on.Params.EpochBlocks, on.Params.ProofWindowBlocks = 10, 5
	enabled := apptest.New(t, withResource(t, &on))
	if !bytes.Equal(without.Hash, off.Hash) {
		t.Fatalf("a disabled x/resource changed the genesis app hash: %x, %x", without.Hash, off.Hash)
	}
	if bytes.Equal(without.Hash, enabled.Hash) {
		t.Fatal("enabling x/resource left no trace in state")
	}
	for range 12 { // past the enabled chain's first epoch (10 blocks here)
		without.MustBlock()
		off.MustBlock()
		enabled.MustBlock()
	}
	if !bytes.Equal(without.Store.Hash(), off.Store.Hash()) {
		t.Fatal("a disabled x/resource changed a block's app hash")
	}
	doc, _, err := enabled.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	var parts struct {
		Resource resource.Genesis `json:"resource"`
	}
	if err := json.Unmarshal(doc, &parts); err != nil {
		t.Fatal(err)
	}
	if parts.Resource.Params != on.Params {
		t.Fatalf("exported params %+v, want %+v", parts.Resource.Params, on.Params)
	}
	bad := on
	bad.Params.Replicas = 0
	if err := app.ValidateGenesis(withResource(t, &bad)); err == nil {
		t.Fatal("a genesis with replicas 0 validated")
	}
}
