package node_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/keys"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/node"
)

// benchAddress is a made-up Ethereum address for accounts that sign
// nothing (node owners, stakers that only hold balances).
func benchAddress(kind string, i int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s-%d", kind, i))
	return "0x" + hex.EncodeToString(h[:20])
}

// benchCCN is a CCN record for genesis, with a consensus key of its own.
func benchCCN(b *testing.B, i int) (string, json.RawMessage) {
	h := sha256.Sum256(fmt.Appendf(nil, "bench-ccn-%d", i))
	n := &pb.NodeRecord{Hash: hex.EncodeToString(h[:]), Kind: pb.NodeKind_NODE_KIND_CORE, Owner: benchAddress("owner", i), ConsensusPubkey: consensusKey(fmt.Sprint("bench-ccn-", i))}
	raw, err := protojson.Marshal(n)
	if err != nil {
		b.Fatal(err)
	}
	return n.Hash, raw
}

// benchState is a genesis with ccns CCNs (owners at 250,000 ALEPH) and
// the given stakers (stakerBalance(i) whole ALEPH each, staking on
// stakesOf(i)), with the default params edited by edit.
func benchState(b *testing.B, ccns int, stakers []string, stakerBalance func(i int) int, stakesOf func(i int, ccns []string) []string, edit func(*node.Genesis)) (json.RawMessage, []string) {
	b.Helper()
	bal := balance.DefaultGenesis()
	bal.Params.Oracles = []string{apptest.Address(benchOracle)}
	nd := node.DefaultGenesis()
	if edit != nil {
		edit(&nd)
	}
	var hashes []string
	for i := range ccns {
		h, raw := benchCCN(b, i)
		hashes = append(hashes, h)
		nd.Nodes = append(nd.Nodes, raw)
		bal.Balances = append(bal.Balances, balance.Entry{Address: benchAddress("owner", i), Amount: "250000000000000000000000", Source: "ETH"})
	}
	for i, s := range stakers {
		bal.Balances = append(bal.Balances, balance.Entry{Address: s, Amount: fmt.Sprintf("%d000000000000000000", stakerBalance(i)), Source: "ETH"})
		nd.Stakes = append(nd.Stakes, node.GenesisStake{Staker: s, Nodes: stakesOf(i, hashes)})
	}
	return genesisDoc(b, map[string]any{"balance": bal, "node": nd}), hashes
}

var benchOracle = apptest.Key("bench-oracle")

// benchBlock executes and commits one block of txs, whose parses and
// signature verdicts were prepared off the clock (as a node's CheckTx
// caches them), and fails unless every tx is accepted. It returns the
// time the block took.
func benchBlock(b *testing.B, c *apptest.Chain, txs [][]byte, parsed []*app.Parsed) time.Duration {
	start := time.Now()
	c.Height++
	blk := app.Block{Height: c.Height, TimeUnixNano: apptest.Time(c.Height).UnixNano(), Txs: txs}
	res, err := c.App.FinalizeBlock(blk, func(i int) (*app.Parsed, app.SignatureCheck) {
		return parsed[i], func() error { return nil }
	})
	if err != nil {
		b.Fatalf("block %d: %v", c.Height, err)
	}
	if _, err := c.App.Commit(); err != nil {
		b.Fatalf("commit %d: %v", c.Height, err)
	}
	took := time.Since(start)
	for i, r := range res.Txs {
		if r.Code != 0 {
			b.Fatalf("block %d tx %d: %s/%d %s", c.Height, i, r.Codespace, r.Code, r.Log)
		}
	}
	return took
}

// prepare encodes, parses and verifies msgs, as CheckTx does before a
// block.
func prepare(b *testing.B, c *apptest.Chain, msgs []*pb.AlephMessage) ([][]byte, []*app.Parsed) {
	txs := make([][]byte, len(msgs))
	parsed := make([]*app.Parsed, len(msgs))
	for i, m := range msgs {
		txs[i] = apptest.Tx(m)
		parsed[i] = c.App.Parse(txs[i])
		if parsed[i].Err != nil {
			b.Fatal(parsed[i].Err)
		}
		if err := message.VerifySignature(m); err != nil {
			b.Fatal(err)
		}
	}
	return txs, parsed
}

// BenchmarkNodeBlock measures the execution and commit of blocks of 1,000
// node operations: 1,000 funded stakers (20,000 ALEPH each, already
// staking one of 5 CCNs from genesis) each send one `stake` (even blocks)
// or `stake-split` (odd blocks) to another CCN. Parses and signatures are
// prepared off the clock, as a node's CheckTx caches them.
//
//   - ops: the node operations;
//   - posts: the baseline, the same harness and senders with 1,000 plain
//     POSTs (paid from their balances instead of free on the node channel);
//   - report: one oracle report that moves the 1,000 stakers' balances, each
//     re-split over its CCNs.
//
// Run with -cpu 1 and a fixed count (signing is off the clock but not free):
// go test -run '^$' -bench NodeBlock -benchtime 20x -cpu 1 ./x/node/
func BenchmarkNodeBlock(b *testing.B) {
	const perBlock, ccns = 1000, 5
	stakerKeys := make([]*ecdsa.PrivateKey, perBlock)
	stakers := make([]string, perBlock)
	for i := range stakerKeys {
		stakerKeys[i] = keys.FromSeed(fmt.Sprint("bench-staker-", i))
		stakers[i] = apptest.Address(stakerKeys[i])
	}
	setup := func(b *testing.B) (*apptest.Chain, []string) {
		doc, hashes := benchState(b, ccns, stakers, func(int) int { return 20_000 },
			func(i int, h []string) []string { return []string{h[i%ccns]} }, nil)
		return apptest.New(b, doc), hashes
	}
	clock := 0
	sign := func(k *ecdsa.PrivateKey, d client.Draft) *pb.AlephMessage {
		clock++
		d.Time = apptest.GenesisTime.Add(time.Duration(clock) * time.Microsecond)
		m, err := client.Sign(k, d)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	run := func(b *testing.B, c *apptest.Chain, block func(i int) []*pb.AlephMessage, txsPerBlock int, unit string) {
		var took time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			txs, parsed := prepare(b, c, block(i))
			b.StartTimer()
			took += benchBlock(b, c, txs, parsed)
		}
		b.ReportMetric(float64(b.N*txsPerBlock)/took.Seconds(), unit)
		b.ReportMetric(float64(took.Microseconds())/1000/float64(b.N), "ms/block")
	}
	b.Run("ops", func(b *testing.B) {
		c, hashes := setup(b)
		run(b, c, func(i int) []*pb.AlephMessage {
			msgs := make([]*pb.AlephMessage, perBlock)
			for j, k := range stakerKeys {
				// Staker j's last CCN is hashes[(j+i)%ccns] (genesis:
				// hashes[j%ccns]): a stake-split names another, and a
				// stake moves everything.
				action, ref := node.ActionStake, hashes[(j+i+1)%ccns]
				if i%2 == 1 {
					action = node.ActionStakeSplit
				}
				msgs[j] = sign(k, client.Post("FOUNDATION", "corechan-operation", map[string]any{"action": action, "tags": []string{action, "mainnet"}}, ref))
			}
			return msgs
		}, perBlock, "ops/s")
	})
	b.Run("posts", func(b *testing.B) {
		c, _ := setup(b)
		run(b, c, func(i int) []*pb.AlephMessage {
			msgs := make([]*pb.AlephMessage, perBlock)
			for j, k := range stakerKeys {
				msgs[j] = sign(k, client.Post("BENCH", "note", map[string]any{"body": "a typical small post body of a few dozen bytes", "i": i}, ""))
			}
			return msgs
		}, perBlock, "msgs/s")
	})
	b.Run("report", func(b *testing.B) {
		c, _ := setup(b)
		run(b, c, func(i int) []*pb.AlephMessage {
			moved := map[string]string{}
			for _, s := range stakers {
				moved[s] = fmt.Sprint(20_001 + i)
			}
			return []*pb.AlephMessage{sign(benchOracle, client.BalancesUpdate("BALANCES", "ETH", uint64(i+1), moved))}
		}, perBlock, "balances/s")
	})
}

// BenchmarkEpoch measures the end-of-epoch recomputation of the validator
// set over 1,000 CCNs and 50,000 stakers (from genesis: each staker holds
// 10,000-19,990 ALEPH and stakes one to three CCNs, so that most CCNs are
// active; 100 seats):
//
//   - validators: Keeper.Validators over the committed state, ms per call;
//   - block: the execution and commit of an empty block that ends an
//     epoch, against an empty block that does not (the baseline), in
//     ms each.
//
// go test -run '^$' -bench Epoch -benchtime 20x -cpu 1 ./x/node/
func BenchmarkEpoch(b *testing.B) {
	const ccns, stakerCount = 1000, 50_000
	stakers := make([]string, stakerCount)
	for i := range stakers {
		stakers[i] = benchAddress("staker", i)
	}
	start := time.Now()
	doc, hashes := benchState(b, ccns, stakers, func(i int) int { return 10_000 + 10*(i%1000) }, func(i int, h []string) []string {
		out := []string{h[i%ccns]}
		for k := 1; k < 1+i%3; k++ {
			out = append(out, h[(i+k*331)%ccns]) // distinct: 331 and 662 are not multiples of 1,000
		}
		return out
	}, func(g *node.Genesis) { g.Params.EpochBlocks = 2 })
	c := apptest.NewWith(b, doc, app.Options{}, app.ChainInfo{ChainID: "bench", Validators: []app.Validator{genesisValidator}})
	b.Logf("genesis of %d CCNs and %d stakers: %d bytes, InitChain %v", ccns, stakerCount, len(doc), time.Since(start).Round(time.Millisecond))
	c.MustBlock() // commits genesis, and checks every invariant once
	keeper := node.NewKeeper(balance.Keeper{})
	snap, err := c.Store.At(0)
	if err != nil {
		b.Fatal(err)
	}
	if err := keeper.LoadParams(snap); err != nil {
		b.Fatal(err)
	}
	vals, err := keeper.Validators(snap)
	if err != nil || len(vals) != 100 {
		b.Fatalf("the set: %d validators, %v; want 100", len(vals), err)
	}
	active := 0
	for _, h := range hashes {
		n, err := keeper.Node(snap, h)
		if err != nil {
			b.Fatal(err)
		}
		if keeper.Active(n) {
			active++
		}
	}
	b.Logf("%d of %d CCNs active, for %d seats", active, ccns, len(vals))
	b.Run("validators", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := keeper.Validators(snap); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
	b.Run("block", func(b *testing.B) {
		var epoch, plain time.Duration
		for i := 0; i < b.N; i++ {
			for range 2 { // heights alternate: odd ones are plain, even ones end an epoch
				took := benchBlock(b, c, nil, nil)
				if c.Height%2 == 0 {
					epoch += took
				} else {
					plain += took
				}
			}
		}
		b.ReportMetric(float64(epoch.Microseconds())/1000/float64(b.N), "ms/epoch-block")
		b.ReportMetric(float64(plain.Microseconds())/1000/float64(b.N), "ms/plain-block")
	})
}
