package node_test

import (
	"fmt"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/node"
)

// TestModel is a differential test: a seeded random history of node
// operations and oracle balance reports runs on the real chain and on a
// naive model written from nodestatus's rules (model_rules_test.go), which keeps
// plain maps and derives every share and total from the balances whenever
// it is asked. After every block the two must agree on each operation's
// verdict (accepted, or refused with the same code), on the whole registry
// as the queries show it, on every address's stakes, on the validator set
// x/node computes and on the set the app keeps after each epoch's end.
//
// model_chain_test.go draws the histories and reads the chain back.
// MODEL_SEED=n runs one seed, MODEL_STEPS=n sets the blocks per seed.
func TestModel(t *testing.T) {
	seeds, steps := []uint64{1, 2, 3, 4}, 300
	if testing.Short() {
		seeds, steps = []uint64{1, 2}, 150
	}
	if v := os.Getenv("MODEL_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("MODEL_SEED: %v", err)
		}
		seeds = []uint64{s}
	}
	if v := os.Getenv("MODEL_STEPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("MODEL_STEPS: %v", err)
		}
		steps = n
	}
	seen := map[string]int{}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			for k, n := range runModel(t, seed, steps) {
				seen[k] += n
			}
		})
	}
	// A history that never reached a rule's edge would pass whatever the
	// rule says there. The default run must reach every case; a short one
	// or a single seed need not.
	if t.Failed() || len(seeds)*steps < 1200 {
		return
	}
	for _, c := range modelCases {
		if seen[c] == 0 {
			t.Errorf("no history reached %q: draw operations that do", c)
		}
	}
	t.Logf("cases reached: %v", seen)
}

// modelCases are what the histories must reach.
var modelCases = []string{
	"accepted " + node.ActionCreateNode, "accepted " + node.ActionCreateResourceNode, "accepted " + node.ActionLink,
	"accepted " + node.ActionUnlink, "accepted " + node.ActionStake, "accepted " + node.ActionStakeSplit,
	"accepted " + node.ActionUnstake, "accepted " + node.ActionDropNode,
	"a CCN lost to its owner's balance", "a linked, staked CCN lost to its owner's balance", "stakes lost to the staker's balance",
	"a consensus key taken", "a host taken", "a staker creating a CCN", "a link past the limit", "a stake on a locked CCN refused",
	"an authorized stake on a locked CCN", "a split that leaves a remainder", "a linked or staked CCN dropped",
	"more active CCNs than seats", "an epoch's end that sets validators",
}

// runModel plays one seeded history and returns the cases it reached.
func runModel(t *testing.T, seed uint64, steps int) map[string]int {
	r := newModelRun(t, seed)
	var history []string // what each block carried, for the failure message
	defer func() {
		if t.Failed() {
			start := max(0, len(history)-12)
			t.Logf("the last blocks:\n%s", strings.Join(history[start:], "\n"))
			t.Logf("reproduce with: MODEL_SEED=%d MODEL_STEPS=%d go test -count=1 -run TestModel ./x/node/", seed, steps)
		}
	}()
	for step := 1; step <= steps; step++ {
		type item struct {
			op    *modelOp
			moves map[int]*big.Int
		}
		var items []item
		var msgs []*pb.AlephMessage
		for range 1 + r.rng.IntN(3)/2 { // one message a block, sometimes two
			var it item
			var msg *pb.AlephMessage
			if r.rng.IntN(8) == 0 {
				it.moves, msg = r.drawReport()
			} else {
				it.op, msg = r.drawOp()
			}
			items, msgs = append(items, it), append(msgs, msg)
		}
		results := r.c.Block(msgs...)
		for i, it := range items {
			res := results[i]
			if it.moves != nil {
				desc := fmt.Sprintf("block %d: report", r.c.Height)
				for j := range r.accounts {
					if w := it.moves[j]; w != nil {
						desc += fmt.Sprintf(" %.8s=%s", r.accounts[j].id, decimal(w))
						r.m.balances[r.accounts[j].id] = w
					}
				}
				r.m.settle()
				history = append(history, desc)
				if res.Code != 0 {
					t.Fatalf("seed %d step %d: the oracle's report was refused: %s", seed, step, res.Log)
				}
				continue
			}
			op := it.op
			want := r.m.apply(op, r.accounts[op.who].id)
			got, wantCode := verdict(res.Codespace, res.Code), "accepted"
			if want != nil {
				wantCode = verdict(want.Codespace, want.Code)
			}
			history = append(history, fmt.Sprintf("block %d: %s by %.8s ref=%.8s hash=%.8s: chain %s, model %s", r.c.Height, op.action, r.accounts[op.who].id, op.ref, op.hash, got, wantCode))
			if got != wantCode {
				t.Fatalf("seed %d step %d: %s by %s on %q: the chain says %s (%q); the model says %s (%v)",
					seed, step, op.action, r.accounts[op.who].id, op.ref, got, res.Log, wantCode, want)
			}
			if want == nil {
				r.m.seen["accepted "+op.action]++
			}
		}
		if r.c.Height%modelEpochBlocks == 0 {
			if v := r.m.validators(); len(v) > 0 {
				r.m.seen["an epoch's end that sets validators"]++
				var keys [][]byte
				var powers []int64
				for _, val := range v {
					keys, powers = append(keys, val.key), append(powers, val.power)
				}
				r.m.appSet = setLines(keys, powers)
			}
		}
		got, want := chainDump(t, r.c, r.accounts), r.m.dump(r.accounts)
		if d := lineDiff(got, want); d != "" {
			t.Fatalf("seed %d step %d (block %d): the chain and the model differ (- chain, + model):\n%s", seed, step, r.c.Height, d)
		}
	}
	return r.m.seen
}

// verdict names an operation's outcome: accepted, or codespace/code.
func verdict(codespace string, code uint32) string {
	if code == 0 {
		return "accepted"
	}
	return fmt.Sprintf("%s/%d", codespace, code)
}

// lineDiff lists the lines only in got (-) and only in want (+).
func lineDiff(got, want []string) string {
	count := map[string]int{}
	for _, l := range got {
		count[l]++
	}
	for _, l := range want {
		count[l]--
	}
	var out []string
	for _, l := range got {
		if count[l] > 0 {
			out = append(out, "- "+l)
		}
	}
	for _, l := range want {
		if count[l] < 0 {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
