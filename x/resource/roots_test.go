package resource_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// TestWeightCap: a node's weight is its declared capacity in GiB, at most
// max_weight (0: no cap), at the next refresh.
func TestWeightCap(t *testing.T) {
	for _, c := range []struct{ capacity, max, want uint64 }{
		{0, 4, 1}, {3 * resource.GiB, 4, 3}, {4 * resource.GiB, 4, 4}, {2 << 40, 4, 4}, {2 << 40, 0, 2048}, {^uint64(0), 1, 1},
	} {
		if got := resource.CappedWeight(c.capacity, c.max); got != c.want {
			t.Fatalf("CappedWeight(%d, %d) = %d, want %d", c.capacity, c.max, got, c.want)
		}
	}
	for _, max := range []uint64{4, 0} {
		k, nodes, kv := registry(t, 3)
		g := resource.DefaultGenesis()
		g.Params = k.Params()
		g.Params.MaxWeight = max
		if err := k.Init(kv, g); err != nil {
			t.Fatal(err)
		}
		amendCapacity(t, nodes, kv, "crn-01", 2<<40) // 2 TiB
		if _, err := k.Refresh(kv); err != nil {
			t.Fatal(err)
		}
		members, err := k.Members(kv)
		if err != nil {
			t.Fatal(err)
		}
		want := map[uint64]string{4: "[{crn-00 1} {crn-01 4} {crn-02 1}]", 0: "[{crn-00 1} {crn-01 2048} {crn-02 1}]"}[max]
		if got := fmt.Sprint(members); got != want {
			t.Fatalf("max_weight %d: members %s, want %s", max, got, want)
		}
		if err := k.Invariants(kv); err != nil {
			t.Fatal(err)
		}
	}
}

// challenge is an open challenge in genesis form: passed or not.
func challenge(epoch uint64, node, file string, passed bool) resource.GenesisChallenge {
	c := fmt.Sprintf(`{"file":%q,"index":"0","size":"1048576"}`, file)
	if passed {
		c = fmt.Sprintf(`{"file":%q,"index":"0","size":"1048576","passed":true,"provenHeight":"12"}`, file)
	}
	return resource.GenesisChallenge{Epoch: epoch, Node: node, Slot: 0, Challenge: json.RawMessage(c)}
}

// withChallenges adds open challenges to the module's state, as OpenEpoch
// and proofs would have left them.
func withChallenges(t testing.TB, k *resource.Keeper, kv state.KV, cs ...resource.GenesisChallenge) {
	t.Helper()
	g := resource.DefaultGenesis()
	g.Params = k.Params()
	g.Challenges = cs
	if err := k.Init(kv, g); err != nil {
		t.Fatal(err)
	}
}

// TestFailedChallengeReassigns: a node that fails a challenge on a file
// gives it up when the epoch closes, and only that file moves, to the next
// member in its order (so it keeps its 2 replicas); a node that passes
// keeps its files. The node is excluded from the file: a refresh after a
// membership change does not hand it back; the exclusion is exported and
// imported, and expires when epoch + score_window_epochs closes, when the
// file returns to its rendezvous holders. Failing again while excluded
// extends it; a released file drops its exclusions. The invariants hold
// throughout.
func TestFailedChallengeReassigns(t *testing.T) {
	k, nodes, kv := registry(t, 4)
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	const files = 40
	for i := range files {
		if err := k.AddFile(kv, resource.FileInfo{Hash: fmt.Sprint("file-", i), Size: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	before := holders(t, k, kv, files)
	failing, kept := before[0][0], before[0][1]
	var honest string // a node that does not hold file-0
	for _, h := range before {
		if !slices.Contains(h, failing) {
			honest = h[0]
			break
		}
	}
	withChallenges(t, k, kv, challenge(1, failing, "file-0", false), challenge(1, honest, "file-1", true))
	if err := k.CloseEpoch(kv, 1); err != nil {
		t.Fatal(err)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	members, err := k.Members(kv)
	if err != nil {
		t.Fatal(err)
	}
	var others []resource.Candidate
	for _, m := range members {
		if m.Node != failing {
			others = append(others, m)
		}
	}
	after := holders(t, k, kv, files)
	want := resource.Assign("file-0", others, 2)
	if !slices.Equal(after[0], want) || slices.Contains(after[0], failing) || !slices.Contains(after[0], kept) {
		t.Fatalf("file-0 held by %v after %s failed it (was %v), want %v", after[0], failing, before[0], want)
	}
	for i := 1; i < files; i++ {
		if !slices.Equal(after[i], before[i]) {
			t.Fatalf("file-%d moved from %v to %v: only the failed file moves", i, before[i], after[i])
		}
	}
	if ex, err := k.Excluded(kv, "file-0"); err != nil || !slices.Equal(ex, []string{failing}) {
		t.Fatalf("excluded from file-0: %v, %v", ex, err)
	}

	// a membership change re-ranks: the file stays off the failing node
	amendCapacity(t, nodes, kv, failing, 100*resource.GiB)
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	if h := holders(t, k, kv, 1)[0]; slices.Contains(h, failing) || len(h) != 2 {
		t.Fatalf("after a refresh file-0 is held by %v", h)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	amendCapacity(t, nodes, kv, failing, 0)
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}

	// export and import
	exported, err := k.Export(kv)
	if err != nil {
		t.Fatal(err)
	}
	until := 1 + uint64(k.Params().ScoreWindowEpochs)
	if got := fmt.Sprint(exported.Exclusions); got != fmt.Sprintf("[{file-0 %s %d}]", failing, until) {
		t.Fatalf("exported exclusions %s", got)
	}
	s2, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	k2 := resource.NewKeeper(nil, nil)
	if err := k2.Init(s2.Working(), exported); err != nil {
		t.Fatal(err)
	}
	if again, err := k2.Export(s2.Working()); err != nil || fmt.Sprint(again.Exclusions, again.Files) != fmt.Sprint(exported.Exclusions, exported.Files) {
		t.Fatalf("re-exported %v %v (%v)", again.Exclusions, again.Files, err)
	}

	// expiry: excluded while epochs up to until close, back after
	for e := uint64(2); e < until; e++ {
		if err := k.CloseEpoch(kv, e); err != nil {
			t.Fatal(err)
		}
	}
	if h := holders(t, k, kv, 1)[0]; slices.Contains(h, failing) {
		t.Fatalf("file-0 back with %s before its exclusion ended: %v", failing, h)
	}
	if err := k.CloseEpoch(kv, until); err != nil {
		t.Fatal(err)
	}
	if h := holders(t, k, kv, 1)[0]; !slices.Equal(h, before[0]) {
		t.Fatalf("after the exclusion ended file-0 is held by %v, want %v", h, before[0])
	}
	if ex, _ := k.Excluded(kv, "file-0"); len(ex) != 0 {
		t.Fatalf("still excluded: %v", ex)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}

	// failing again while excluded extends the exclusion; a released
	// file drops it
	withChallenges(t, k, kv, challenge(until+1, failing, "file-0", false))
	if err := k.CloseEpoch(kv, until+1); err != nil {
		t.Fatal(err)
	}
	withChallenges(t, k, kv, challenge(until+2, failing, "file-0", false))
	if err := k.CloseEpoch(kv, until+2); err != nil {
		t.Fatal(err)
	}
	if ex, _ := k.Exclusions(kv); fmt.Sprint(ex) != fmt.Sprintf("[{file-0 %s %d}]", failing, until+2+uint64(k.Params().ScoreWindowEpochs)) {
		t.Fatalf("exclusions %v", ex)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	if err := k.RemoveFile(kv, "file-0"); err != nil {
		t.Fatal(err)
	}
	if ex, _ := k.Exclusions(kv); len(ex) != 0 {
		t.Fatalf("a released file kept exclusions %v", ex)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
}

// TestExcludedKeepsReplicas: with no other member to take it, a file
// stays with the node that failed it (ranked last), so it keeps its
// replicas and keeps challenging that node.
func TestExcludedKeepsReplicas(t *testing.T) {
	k, _, kv := registry(t, 2)
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	if err := k.AddFile(kv, resource.FileInfo{Hash: "file-0", Size: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	before := holders(t, k, kv, 1)[0]
	withChallenges(t, k, kv, challenge(1, before[0], "file-0", false))
	if err := k.CloseEpoch(kv, 1); err != nil {
		t.Fatal(err)
	}
	after := holders(t, k, kv, 1)[0]
	if !slices.Equal(after, []string{before[1], before[0]}) {
		t.Fatalf("held by %v, was %v: want both, the excluded node last", after, before)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
}

// TestExclusionInvariants: the invariants catch an exclusion missing from
// its expiry index (or the other way round), one on a file that is not
// assigned, and holders that ignore an exclusion.
func TestExclusionInvariants(t *testing.T) {
	k, _, kv := registry(t, 3)
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	if err := k.AddFile(kv, resource.FileInfo{Hash: "file-0", Size: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	failing := holders(t, k, kv, 1)[0][0]
	withChallenges(t, k, kv, challenge(1, failing, "file-0", false))
	if err := k.CloseEpoch(kv, 1); err != nil {
		t.Fatal(err)
	}
	if err := k.Invariants(kv); err != nil {
		t.Fatal(err)
	}
	until := 1 + uint64(k.Params().ScoreWindowEpochs)
	excluded := state.NewKey(resource.ModulePrefix, 0x07).String("file-0").String(failing).Bytes()
	expiry := state.NewKey(resource.ModulePrefix, 0x08).Uint64(until).String("file-0").String(failing).Bytes()
	for name, corrupt := range map[string]func(state.KV) error{
		"no expiry entry": func(kv state.KV) error { return kv.Delete(expiry) },
		"no exclusion (holders ignore it)": func(kv state.KV) error {
			return kv.Delete(excluded)
		},
		"an expiry entry for nothing": func(kv state.KV) error {
			return kv.Set(state.NewKey(resource.ModulePrefix, 0x08).Uint64(9).String("file-0").String("crn-02").Bytes(), []byte{1})
		},
		"an exclusion from an unassigned file": func(kv state.KV) error {
			if err := kv.Set(state.NewKey(resource.ModulePrefix, 0x07).String("file-9").String("crn-00").Bytes(), []byte{5}); err != nil {
				return err
			}
			return kv.Set(state.NewKey(resource.ModulePrefix, 0x08).Uint64(5).String("file-9").String("crn-00").Bytes(), []byte{1})
		},
	} {
		c := state.NewCache(kv)
		if err := corrupt(c); err != nil {
			t.Fatal(err)
		}
		if err := k.Invariants(c); err == nil {
			t.Errorf("%s: the invariants hold", name)
		}
	}
}

// BenchmarkRefreshExcluded is a refresh after one member's weight changed
// (it counts as leaving and joining) on a chain where every one of 2,000
// files has an exclusion (each failed once by one of its holders), over
// 200 members: what the first block of an epoch costs once many nodes
// have failed challenges within the score window.
func BenchmarkRefreshExcluded(b *testing.B) {
	k, nodes, kv := registry(b, 200)
	if _, err := k.Refresh(kv); err != nil {
		b.Fatal(err)
	}
	const files = 2000
	for i := range files {
		if err := k.AddFile(kv, resource.FileInfo{Hash: fmt.Sprint("file-", i), Size: 1 << 20}); err != nil {
			b.Fatal(err)
		}
	}
	var cs []resource.GenesisChallenge
	for i, h := range holders(b, k, kv, files) {
		c := challenge(1, h[0], fmt.Sprint("file-", i), false)
		c.Slot = uint32(i) // one slot each, however many a node fails
		cs = append(cs, c)
	}
	withChallenges(b, k, kv, cs...)
	if err := k.CloseEpoch(kv, 1); err != nil {
		b.Fatal(err)
	}
	if ex, err := k.Exclusions(kv); err != nil || len(ex) != files {
		b.Fatalf("%d exclusions, %v", len(ex), err)
	}
	capacity := uint64(0)
	for b.Loop() {
		b.StopTimer()
		capacity = (capacity + resource.GiB) % (4 * resource.GiB)
		amendCapacity(b, nodes, kv, "crn-07", capacity)
		b.StartTimer()
		if _, err := k.Refresh(kv); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := k.Invariants(kv); err != nil {
		b.Fatal(err)
	}
}

// TestRefreshWithExclusions: with many files excluded from one or two of
// their nodes (some held by an excluded node, when too few others are
// left), members joining, leaving and changing weight move files exactly
// as re-ranking every file would: the invariants (every file held by its
// ranking with its excluded nodes last) hold after each refresh.
func TestRefreshWithExclusions(t *testing.T) {
	k, nodes, kv := registry(t, 6)
	if _, err := k.Refresh(kv); err != nil {
		t.Fatal(err)
	}
	const files = 300
	for i := range files {
		if err := k.AddFile(kv, resource.FileInfo{Hash: fmt.Sprint("file-", i), Size: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	var cs []resource.GenesisChallenge
	for i, h := range holders(t, k, kv, files) {
		file := fmt.Sprint("file-", i)
		switch i % 3 {
		case 0: // one holder failed
			cs = append(cs, challenge(1, h[0], file, false))
		case 1: // both failed
			cs = append(cs, challenge(1, h[0], file, false), challenge(1, h[1], file, false))
		}
		for j := range cs {
			cs[j].Slot = uint32(j) //nolint:gosec // a few hundred
		}
	}
	withChallenges(t, k, kv, cs...)
	if err := k.CloseEpoch(kv, 1); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	linked := []string{"crn-00", "crn-01", "crn-02", "crn-03", "crn-04", "crn-05"}
	idle := []string{"crn-idle"}
	for round := range 40 {
		switch r.IntN(3) {
		case 0:
			amendCapacity(t, nodes, kv, linked[r.IntN(len(linked))], uint64(r.IntN(4))*resource.GiB) //nolint:gosec // small
		case 1:
			if len(linked) > 2 {
				i := r.IntN(len(linked))
				operation(t, nodes, kv, &node.Operation{Action: node.ActionUnlink, Owner: ccnOwner, Ref: linked[i]})
				idle, linked = append(idle, linked[i]), slices.Delete(linked, i, i+1)
			}
		case 2:
			if len(idle) > 0 {
				i := r.IntN(len(idle))
				operation(t, nodes, kv, &node.Operation{Action: node.ActionLink, Owner: ccnOwner, Ref: idle[i]})
				linked, idle = append(linked, idle[i]), slices.Delete(idle, i, i+1)
			}
		}
		if _, err := k.Refresh(kv); err != nil {
			t.Fatal(err)
		}
		if err := k.Invariants(kv); err != nil {
			t.Fatalf("round %d (members %v): %v", round, linked, err)
		}
	}
}
