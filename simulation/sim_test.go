package simulation

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"os"
	"strconv"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
)

// config reads SIM_SEED and SIM_BLOCKS (defaults: seed 1, a short run).
func config(t *testing.T) Config {
	cfg := Config{Seed: 1, Blocks: 40, Accounts: 12, MsgsPerBlock: 25}
	if v := os.Getenv("SIM_SEED"); v != "" {
		cfg.Seed, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := os.Getenv("SIM_BLOCKS"); v != "" {
		cfg.Blocks, _ = strconv.Atoi(v)
	}
	return cfg
}

// run plays a history and returns the app hash after every block. Every
// block checks every invariant (apptest); a failure names the seed.
func run(t *testing.T, cfg Config) (*apptest.Chain, [][]byte, int) {
	t.Helper()
	return runWith(t, cfg, nil)
}

// runWith is run with resource nodes (res, if not nil) beside the message
// mix: their messages and attested files join the generator's, their
// proofs follow the block's messages, and res checks each block after it
// is committed.
func runWith(t *testing.T, cfg Config, res *resourceRun) (*apptest.Chain, [][]byte, int) {
	t.Helper()
	defer func() {
		if t.Failed() {
			t.Logf("reproduce with: SIM_SEED=%d SIM_BLOCKS=%d go test -run %s ./simulation/", cfg.Seed, cfg.Blocks, t.Name())
		}
	}()
	g := newGenerator(cfg)
	var c *apptest.Chain
	if res != nil {
		c = res.start(t, cfg, g.genesis())
	} else {
		c = apptest.New(t, g.genesis())
	}
	var hashes [][]byte
	accepted, removing, removed := 0, 0, 0
	stores := map[string]int{}  // attestation outcomes
	nodeOps := map[string]int{} // node operations: action accepted, or "refused"
	ethRanges := 0
	for b := 0; b < cfg.Blocks; b++ {
		at := apptest.Time(c.Height + 1)
		files := g.attestations() // of earlier blocks' STOREs
		msgs := make([]*pb.AlephMessage, 0, cfg.MsgsPerBlock)
		for i := 0; i < cfg.MsgsPerBlock; i++ {
			msgs = append(msgs, g.next(at))
		}
		eth := g.ethRange()
		var extra [][]byte
		var live []*pb.ProbeSlot
		if res != nil {
			files = append(files, res.sim.attested()...)
			live = res.live(t, c)
			extra = res.txs(t, c, b, cfg.Blocks, at)
		}
		var txs [][]byte
		record := len(files) > 0 || eth != nil || len(live) > 0
		if record {
			txs = append(txs, app.EncodeAttestation(&pb.Attestation{Files: files, Eth: eth, Live: live}))
		}
		for _, m := range msgs {
			txs = append(txs, apptest.Tx(m))
		}
		results := c.BlockTxs(append(txs, extra...)...)
		if record {
			if eth != nil {
				ethRanges++
			}
			for _, sc := range results[0].StatusChanges {
				if sc.Status == "removing" { // an attested Ethereum range lowered its payer's balance
					removing++
				} else {
					stores[sc.Status]++
				}
			}
		}
		if res != nil {
			res.after(t, c, txs, results[len(txs):])
		}
		if record {
			results = results[1:]
		}
		for _, r := range results[:len(msgs)] {
			if r.Code == 0 {
				accepted++
			}
			if action, ok := g.nodeOps[r.ItemHash]; ok {
				if r.Code != 0 {
					action = "refused"
				}
				nodeOps[action]++
			}
			for _, sc := range r.StatusChanges {
				if sc.Status == "removing" {
					removing++
				}
			}
		}
		for _, sc := range c.EndBlock {
			if sc.Status == "rejected" {
				stores["expired"]++
			} else {
				removed++
			}
		}
		hashes = append(hashes, c.Hash)
	}
	t.Logf("seed %d: %d messages entered removing, %d were removed; STOREs: %v; node operations: %v; Ethereum ranges: %d", cfg.Seed, removing, removed, stores, nodeOps, ethRanges)
	checkEth(t, c, g, cfg.Seed)
	if res != nil { // the mix is thinner beside resource nodes: its outcomes are the other runs' to check
		return c, hashes, accepted
	}
	if nodeOps["create-node"] == 0 || nodeOps["stake-split"]+nodeOps["stake"] == 0 || nodeOps["refused"] == 0 {
		t.Errorf("seed %d: node operations %v; the mix should create nodes, stake on them and refuse some", cfg.Seed, nodeOps)
	}
	if stores["processed"] == 0 || stores["rejected"] == 0 || stores["expired"] == 0 {
		t.Errorf("seed %d: STORE attestation outcomes %v; the mix should process, reject and expire some", cfg.Seed, stores)
	}
	if removing == 0 || removed == 0 {
		t.Errorf("seed %d: garbage collection never ran (%d removing, %d removed); the mix should exercise it", cfg.Seed, removing, removed)
	}
	return c, hashes, accepted
}

// TestSimulationDeterminism runs the same seed twice: the app hash agrees at
// every height, and a good share of messages is accepted (the history is
// not all rejections).
func TestSimulationDeterminism(t *testing.T) {
	cfg := config(t)
	_, first, accepted := run(t, cfg)
	_, second, _ := run(t, cfg)
	for h := range first {
		if !bytes.Equal(first[h], second[h]) {
			t.Fatalf("seed %d: app hash differs at height %d: %s vs %s", cfg.Seed, h+1, hex.EncodeToString(first[h]), hex.EncodeToString(second[h]))
		}
	}
	total := cfg.Blocks * cfg.MsgsPerBlock
	if accepted < total/2 || accepted == total {
		t.Fatalf("seed %d: %d of %d messages accepted; the mix should accept most and refuse some", cfg.Seed, accepted, total)
	}
	t.Logf("seed %d: %d blocks, %d/%d messages accepted, invariants held at every height", cfg.Seed, cfg.Blocks, accepted, total)
}

// TestSimulationExportImport exports the state at the end of a run and
// starts a new chain from it: the new chain exports the same state and
// keeps its invariants.
func TestSimulationExportImport(t *testing.T) {
	cfg := config(t)
	cfg.Seed += 1000
	c, _, _ := run(t, cfg)
	exported, _, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	d := apptest.New(t, exported)
	d.Block() // checks the invariants on the imported state
	again, _, err := d.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(exported, again) {
		t.Fatalf("seed %d: the imported chain exports a different state", cfg.Seed)
	}
}

// checkEth: the ETH component of every account is what the token holds for
// it, after every attested range; the last attested block is the last
// range's.
func checkEth(t *testing.T, c *apptest.Chain, g *generator, seed int64) {
	t.Helper()
	snap, err := c.Store.At(0)
	if err != nil {
		t.Fatal(err)
	}
	var k balance.Keeper
	for i, a := range g.accounts {
		got, err := k.Component(snap, a.addr, balance.SourceEth)
		if err != nil {
			t.Fatal(err)
		}
		if want := new(big.Int).Mul(big.NewInt(g.ethHeld[i]), balance.Unit()); got.Cmp(want) != 0 {
			t.Errorf("seed %d: %s holds %s ETH-attested, the token %s", seed, a.addr, got, want)
		}
	}
	if h, _ := k.Reported(snap, balance.SourceEth); h != g.ethNext-1 {
		t.Errorf("seed %d: last attested Ethereum block %d, want %d", seed, h, g.ethNext-1)
	}
}
