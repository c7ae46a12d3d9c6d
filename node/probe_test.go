package node_test

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/cometbft/cometbft/types"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/node"
	"github.com/alephd/alephd/probe"
	pb "github.com/alephd/alephd/proto/alephdv1"
	xnode "github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// TestValidatorProbesItsResourceNode: on a single-validator chain with
// x/resource's liveness on and one resource node linked to the validator's
// CCN, the node's own prober gets the resource node's signed answers (an
// HTTP server answering as a CRN does), its vote extensions carry them,
// and the closed epoch's window counts the node's slots up.
func TestValidatorProbesItsResourceNode(t *testing.T) {
	const chainID, crn = "probe-node", "crn-1"
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		q := r.URL.Query()
		epoch, err1 := strconv.ParseUint(q.Get("epoch"), 10, 64)
		slot, err2 := strconv.ParseUint(q.Get("slot"), 10, 32)
		nonce, err3 := hex.DecodeString(q.Get("nonce"))
		if r.URL.Path != probe.Path || err1 != nil || err2 != nil || err3 != nil {
			http.Error(w, "not a probe", http.StatusBadRequest)
			return
		}
		sig, err := resource.SignProbe(key, chainID, crn, epoch, uint32(slot), nonce)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"node": crn, "epoch": epoch, "slot": slot, "signature": hex.EncodeToString(sig)})
	}))
	defer srv.Close()

	home := filepath.Join(t.TempDir(), "node")
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DevGenesis(), &parts); err != nil {
		t.Fatal(err)
	}
	rg := resource.DefaultGenesis()
	rg.Params.Enabled = true
	// Epochs of 20 blocks (a few seconds at 100 ms a block), 4 slots of 5.
	rg.Params.EpochBlocks, rg.Params.ProofWindowBlocks, rg.Params.ProbesPerEpoch = 20, 10, 4
	parts["resource"], _ = json.Marshal(rg)
	appState, _ := json.Marshal(parts)
	initHome(t, home, node.InitOptions{ChainID: chainID, AppState: appState, StakedValidator: true})
	linkResourceNode(t, home, &pb.NodeRecord{
		Hash: crn, Kind: pb.NodeKind_NODE_KIND_RESOURCE, Owner: "0x000000000000000000000000000000000000c4e1", Type: "compute",
		Address: srv.URL, Pubkey: crypto.CompressPubkey(&key.PublicKey), Capacity: 1 << 30,
	})

	n, c := start(t, home)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	// Epoch 0 ends at height 20 and records its slots into the window.
	var view app.ResourceScoreView
	for h := int64(21); ; h++ {
		if h > 80 {
			t.Fatalf("no slot up after 3 epochs (%d probes answered): %+v", hits.Load(), view)
		}
		if err := c.WaitForHeight(ctx(t), h); err != nil {
			t.Fatal(err)
		}
		q, err := c.Query(ctx(t), app.PathResourceScore, []byte(crn), 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if string(q.Value) == "null" || q.Value == nil {
			continue
		}
		if err := json.Unmarshal(q.Value, &view); err != nil {
			t.Fatal(err)
		}
		if len(view.Epochs) > 0 && view.Epochs[0].Up > 0 {
			break
		}
	}
	e := view.Epochs[0]
	if e.Slots != 4 || e.Up == 0 || e.Up > e.Slots {
		t.Fatalf("epoch %d: %d of %d slots up", e.Epoch, e.Up, e.Slots)
	}
	if hits.Load() == 0 {
		t.Fatal("slots up without a probe")
	}
}

// linkResourceNode adds crn to home's genesis, linked to the CCN of its
// (single, stake-backed) validator.
func linkResourceNode(t *testing.T, home string, crn *pb.NodeRecord) {
	t.Helper()
	file := filepath.Join(home, "config", "genesis.json")
	doc, err := types.GenesisDocFromFile(file)
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(doc.AppState, &parts); err != nil {
		t.Fatal(err)
	}
	var g xnode.Genesis
	if err := json.Unmarshal(parts["node"], &g); err != nil {
		t.Fatal(err)
	}
	linked := false
	for i, raw := range g.Nodes {
		rec := new(pb.NodeRecord)
		if err := protojson.Unmarshal(raw, rec); err != nil {
			t.Fatal(err)
		}
		if rec.Kind == pb.NodeKind_NODE_KIND_CORE && !linked {
			rec.ResourceNodes, linked = append(rec.ResourceNodes, crn.Hash), true
			g.Nodes[i], _ = protojson.Marshal(rec)
		}
	}
	if !linked {
		t.Fatal("no CCN in the genesis")
	}
	b, _ := protojson.Marshal(crn)
	g.Nodes = append(g.Nodes, b)
	parts["node"], _ = json.Marshal(g)
	doc.AppState, _ = json.Marshal(parts)
	if err := doc.SaveAs(file); err != nil {
		t.Fatal(err)
	}
}
