package resource_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/alephd/alephd/internal/jsonobj"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

func TestWeight(t *testing.T) {
	for _, c := range []struct{ capacity, want uint64 }{
		{0, 1}, {resource.GiB - 1, 1}, {resource.GiB, 1}, {3*resource.GiB + 5, 3}, {2 << 40, 2048}, {^uint64(0), ^uint64(0) >> 30},
	} {
		if got := resource.Weight(c.capacity); got != c.want {
			t.Fatalf("Weight(%d) = %d, want %d", c.capacity, got, c.want)
		}
	}
}

// amendCapacity declares a CRN's capacity with an amend, as its owner
// would.
func amendCapacity(t testing.TB, nodes *node.Keeper, kv state.KV, crn string, capacity uint64) {
	t.Helper()
	operation(t, nodes, kv, &node.Operation{Action: "amend", Owner: crnOwner, Ref: crn,
		Details: jsonobj.Object{"capacity": json.RawMessage(fmt.Sprint(capacity))}})
}

// TestAssignmentsFollowCapacity: a CRN's declared capacity (x/node,
// through amend) is its weight at the next refresh; only files it enters
// move, the members keep the weights (and export them), the invariants
// (holders = Assign over the weighted members) hold, and a node declaring
// far more than the others takes one replica of nearly every file.
func TestAssignmentsFollowCapacity(t *testing.T) {
	k, nodes, kv := registry(t, 4)
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	const files = 400
	for i := range files {
		if err := k.AddFile(kv, resource.FileInfo{Hash: fmt.Sprint("file-", i), Size: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(hs [][]string, n string) int {
		c := 0
		for _, h := range hs {
			if slices.Contains(h, n) {
				c++
			}
		}
		return c
	}
	before := holders(t, k, kv, files)
	amendCapacity(t, nodes, kv, "crn-01", 3*resource.GiB)
	moved, err := k.Refresh(kv)
	if err != nil {
		t.Fatal(err)
	}
	members, err := k.Members(kv)
	if err != nil {
		t.Fatal(err)
	}
	want := []resource.Candidate{{Node: "crn-00", Weight: 1}, {Node: "crn-01", Weight: 3}, {Node: "crn-02", Weight: 1}, {Node: "crn-03", Weight: 1}}
	if !slices.Equal(members, want) {
		t.Fatalf("members %v, want %v", members, want)
	}
	after := holders(t, k, kv, files)
	for i := range files {
		if !slices.Equal(before[i], after[i]) && !slices.Contains(after[i], "crn-01") {
			t.Fatalf("file-%d moved without the heavier node: %v -> %v", i, before[i], after[i])
		}
		if slices.Contains(before[i], "crn-01") && !slices.Contains(after[i], "crn-01") {
			t.Fatalf("file-%d: the heavier node lost it: %v -> %v", i, before[i], after[i])
		}
	}
	if b, a := count(before, "crn-01"), count(after, "crn-01"); moved == 0 || a <= b {
		t.Fatalf("weight 3 moved %d files; crn-01 held %d, now %d", moved, b, a)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	g, err := k.Export(kv)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(g.Members); got != "[{crn-00 1} {crn-01 3} {crn-02 1} {crn-03 1}]" {
		t.Fatalf("exported members %s", got)
	}

	amendCapacity(t, nodes, kv, "crn-02", 2<<40) // 2 TiB: weight 2,048
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	heavy := holders(t, k, kv, files)
	if c := count(heavy, "crn-02"); c < files*95/100 {
		t.Fatalf("a node of weight 2,048 among 1, 1, 3 holds %d of %d files", c, files)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	amendCapacity(t, nodes, kv, "crn-02", 0) // back to weight 1: its files go back
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	if back := holders(t, k, kv, files); !slices.EqualFunc(back, after, slices.Equal) {
		t.Fatal("restoring a node's capacity did not restore the assignment")
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
}

// TestZeroScoreUnlinks: with zero_score_epochs = 2, nodes whose challenges
// all fail close two epochs in a row at score 0 and are unlinked in x/node
// (their CCN no longer lists them), a node whose window still has passes
// is not, the counts are exported and checked, and at the next refresh the
// unlinked nodes leave the members and their files move to the one left.
func TestZeroScoreUnlinks(t *testing.T) {
	k, nodes, kv := registry(t, 3)
	g := resource.DefaultGenesis()
	g.Params = k.Params()
	g.Params.ZeroScoreEpochs = 2
	g.Windows = []resource.GenesisWindow{{Node: "crn-01", Window: json.RawMessage(`{"epochs":[{"epoch":"0","issued":4,"passed":4}],"scoreBps":10000}`)}}
	if err := k.Init(kv, g); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	const files = 30
	for i := range files {
		if err := k.AddFile(kv, resource.FileInfo{Hash: fmt.Sprint("file-", i), Size: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	parent := func(h string) string {
		n, err := nodes.Node(kv, h)
		if err != nil || n == nil {
			t.Fatalf("%s: %v", h, err)
		}
		return n.Parent
	}
	for epoch := uint64(1); epoch <= 2; epoch++ {
		hs, err := k.Holdings(kv)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.OpenEpoch(kv, epoch, resource.EpochSeed("test", epoch, []byte{byte(epoch)}), hs); err != nil {
			t.Fatal(err)
		}
		if err := k.CloseEpoch(kv, epoch); err != nil { // nobody answers
			t.Fatal(err)
		}
		if err := k.FinishEpoch(kv, epoch); err != nil { // judged once, at the epoch's end
			t.Fatal(err)
		}
		if err := errors.Join(k.Invariants(kv), nodes.Invariants(kv)); err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"crn-00", "crn-02"} {
			z, err := k.ZeroEpochs(kv, n)
			if err != nil {
				t.Fatal(err)
			}
			if epoch == 1 && (z != 1 || parent(n) != "ccn") {
				t.Fatalf("%s after one epoch at 0: count %d, parent %q", n, z, parent(n))
			}
			if epoch == 2 && (z != 0 || parent(n) != "") {
				t.Fatalf("%s after two epochs at 0: count %d, parent %q", n, z, parent(n))
			}
		}
		if z, _ := k.ZeroEpochs(kv, "crn-01"); z != 0 || parent("crn-01") != "ccn" {
			t.Fatalf("crn-01, score > 0: count %d, parent %q", z, parent("crn-01"))
		}
		if epoch == 1 {
			exp, err := k.Export(kv)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(exp.ZeroScores); got != "[{crn-00 1} {crn-02 1}]" {
				t.Fatalf("exported zero scores %s", got)
			}
		}
	}
	ccn, err := nodes.Node(kv, "ccn")
	if err != nil || !slices.Equal(ccn.ResourceNodes, []string{"crn-01"}) {
		t.Fatalf("the CCN links %v (%v)", ccn.GetResourceNodes(), err)
	}
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	for i, h := range holders(t, k, kv, files) {
		if !slices.Equal(h, []string{"crn-01"}) {
			t.Fatalf("file-%d held by %v after the others were unlinked", i, h)
		}
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
}
