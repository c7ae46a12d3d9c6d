package simulation

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// epochNode names one node's part of one epoch.
type epochNode struct {
	epoch uint64
	node  string
}

// resourceRun plays resourceSim's nodes in a run and checks, after every
// block, what the chain made of them. A twin chain gets the same blocks
// without the refused proofs: its app hash must stay the main chain's, so
// a refused proof changes nothing.
type resourceRun struct {
	sim  *resourceSim
	twin *apptest.Chain
	// sent are this block's messages and proofs, in block order.
	msgs   []*pb.AlephMessage
	proofs []proofTx
	// answered are the challenges a node answered (validly or not); issued
	// and passed what each node's epochs should tally.
	answered       map[slotID]bool
	issued, passed map[epochNode]uint32
	// judged is each node's epochs as the simulation expects them in its
	// score window; zeros how many judged epochs in a row closed at 0.
	judged   map[string][]*pb.EpochTally
	zeros    map[string]uint32
	unlinked map[string]bool
	storedAt map[string]int64
	// kinds counts proofs sent by kind; held is every file assigned at
	// some epoch's start, counted by holder.
	kinds map[string]int
	held  map[string]int
	// at is when each node answers each liveness slot; up the slots each
	// node was seen up in, by epoch; member whether a node was a member
	// when an epoch opened (it is probed, and judged, only then).
	at     map[liveKey]int64
	up     map[epochNode]uint32
	member map[epochNode]bool
	// challenged is the file of each challenge drawn; proven those a valid
	// proof answered.
	challenged map[slotID]string
	proven     map[slotID]bool
}

func newResourceRun(t *testing.T, seed int64) *resourceRun {
	t.Helper()
	sim, err := newResourceSim(seed, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &resourceRun{sim: sim, answered: map[slotID]bool{}, issued: map[epochNode]uint32{}, passed: map[epochNode]uint32{},
		judged: map[string][]*pb.EpochTally{}, zeros: map[string]uint32{}, unlinked: map[string]bool{},
		storedAt: map[string]int64{}, kinds: map[string]int{}, held: map[string]int{},
		at: map[liveKey]int64{}, up: map[epochNode]uint32{}, member: map[epochNode]bool{},
		challenged: map[slotID]string{}, proven: map[slotID]bool{}}
}

// start opens the main chain and its twin from the generator's genesis
// with the scenario added.
func (r *resourceRun) start(t *testing.T, _ Config, doc json.RawMessage) *apptest.Chain {
	t.Helper()
	doc = r.sim.genesis(doc)
	ci := app.ChainInfo{ChainID: resourceChainID}
	r.twin = apptest.NewWith(t, doc, app.Options{}, ci)
	return apptest.NewWith(t, doc, app.Options{}, ci)
}

// txs are the scenario's transactions for block b, after the
// generator's: its messages, then its nodes' proofs (from c's committed
// state, as a node reads its challenges), each checked by CheckTx first
// with the outcome the block must give it.
func (r *resourceRun) txs(t *testing.T, c *apptest.Chain, b, blocks int, at time.Time) [][]byte {
	t.Helper()
	r.msgs = r.sim.messages(b, blocks, at)
	r.proofs = nil
	if c.Height > 0 { // nothing committed before the first block
		snap, err := c.Store.At(0)
		if err != nil {
			t.Fatal(err)
		}
		if r.proofs, err = r.sim.proofs(snap, c.Height+1, r.answered); err != nil {
			t.Fatal(err)
		}
	}
	var out [][]byte
	for _, m := range r.msgs {
		out = append(out, apptest.Tx(m))
	}
	for _, p := range r.proofs {
		// the mempool decides as the block will (one Deliver for both)
		res := c.App.CheckTx(c.App.Parse(p.tx), func() error { return nil })
		if p.want == nil && res.Code != 0 || p.want != nil && (res.Codespace != p.want.Codespace || res.Code != p.want.Code) {
			t.Fatalf("height %d: CheckTx of node %s's %s proof of %d/%d: %s/%d %s", c.Height+1, p.sp.Node, p.kind, p.sp.Epoch, p.sp.Slot, res.Codespace, res.Code, res.Log)
		}
		out = append(out, p.tx)
	}
	return out
}

// after checks the block c just committed: base are the generator's
// transactions (record first), mine the results of the scenario's.
func (r *resourceRun) after(t *testing.T, c *apptest.Chain, base [][]byte, mine []app.TxResult) {
	t.Helper()
	h := c.Height
	twin := slices.Clone(base)
	for i, m := range r.msgs {
		if res := mine[i]; res.Code != 0 {
			t.Fatalf("height %d: the scenario's message %s was refused: %s/%d %s", h, m.ItemHash, res.Codespace, res.Code, res.Log)
		}
		twin = append(twin, apptest.Tx(m))
		if m.Type == message.TypeStore {
			r.storedAt[m.ItemHash] = h
		}
	}
	for i, p := range r.proofs {
		res := mine[len(r.msgs)+i]
		r.kinds[p.kind]++
		switch {
		case p.want == nil && res.Code != 0:
			t.Fatalf("height %d: node %s's valid proof of challenge %d/%d was refused: %s/%d %s", h, p.sp.Node, p.sp.Epoch, p.sp.Slot, res.Codespace, res.Code, res.Log)
		case p.want != nil && (res.Codespace != p.want.Codespace || res.Code != p.want.Code):
			t.Fatalf("height %d: a lie (%s) for node %s's challenge %d/%d got %s/%d (%s), want %s/%d", h, p.kind, p.sp.Node, p.sp.Epoch, p.sp.Slot, res.Codespace, res.Code, res.Log, p.want.Codespace, p.want.Code)
		case p.want == nil:
			r.kinds[map[bool]string{true: "honest (sha256 file)", false: "honest (IPFS file)"}[p.sp.Chunk != nil]]++
			r.passed[epochNode{p.sp.Epoch, p.sp.Node}]++
			r.proven[slotID{p.sp.Epoch, p.sp.Node, p.sp.Slot}] = true
			r.sim.accepted = append(r.sim.accepted, p)
			twin = append(twin, p.tx)
		}
	}
	r.twin.BlockTxs(twin...)
	if !bytes.Equal(r.twin.Hash, c.Hash) {
		t.Fatalf("height %d: the refused proofs changed the app hash: %s with them, %s without", h, hex.EncodeToString(c.Hash), hex.EncodeToString(r.twin.Hash))
	}
	for _, f := range r.sim.files[:r.sim.next] {
		if f.processedAt == 0 && r.storedAt[f.store] < h {
			if s := c.Status(f.store); s != "processed" {
				t.Fatalf("height %d: the STORE of %s, attested at its size, is %s", h, f.hash, s)
			}
			f.processedAt = h
		}
		if f.forgotten && f.forgottenAt == 0 {
			f.forgottenAt = h
		}
	}
	r.checkState(t, c)
}

// checkState checks x/resource's state after block c.Height: every
// assigned file has min(replicas, members) holders, all members; scores
// are within 0..10,000; at an epoch's first height the assigned files are
// the live ones, each node is challenged over what it holds, and the
// epoch before was tallied and judged as the nodes behaved.
func (r *resourceRun) checkState(t *testing.T, c *apptest.Chain) {
	t.Helper()
	h := c.Height
	snap, err := c.Store.At(0)
	if err != nil {
		t.Fatal(err)
	}
	k := resource.NewKeeper(nil, nil)
	if err := k.LoadParams(snap); err != nil {
		t.Fatal(err)
	}
	g, err := k.Export(snap)
	if err != nil {
		t.Fatal(err)
	}
	members := map[string]bool{}
	for _, m := range g.Members {
		members[m.Node] = true
	}
	holds := map[string][]string{} // node -> files
	assigned := map[string]bool{}
	for _, f := range g.Files {
		a := new(pb.FileAssignment)
		if err := protojson.Unmarshal(f.Assignment, a); err != nil {
			t.Fatal(err)
		}
		if want := min(int(r.sim.params.Replicas), len(members)); len(a.Nodes) != want {
			t.Fatalf("height %d: file %s has %d holders, want min(replicas, %d members) = %d", h, f.Hash, len(a.Nodes), len(members), want)
		}
		for _, n := range a.Nodes {
			if !members[n] {
				t.Fatalf("height %d: file %s is held by %s, not a member", h, f.Hash, n)
			}
			holds[n] = append(holds[n], f.Hash)
		}
		assigned[f.Hash] = true
	}
	for _, w := range g.Windows {
		sw := new(pb.ScoreWindow)
		if err := protojson.Unmarshal(w.Window, sw); err != nil {
			t.Fatal(err)
		}
		if sw.ScoreBps > resource.BPS {
			t.Fatalf("height %d: node %s scores %d", h, w.Node, sw.ScoreBps)
		}
	}
	e, first := r.sim.params.Epoch(h)
	if h != first {
		return
	}
	for m := range members {
		if !slices.ContainsFunc(r.sim.crns, func(n *crn) bool { return n.hash == m }) {
			r.kinds["member-epochs of the mix's CRNs"]++ // a keyless CRN of the message mix, linked to an active CCN
		}
	}
	for _, f := range r.sim.files {
		live := f.processedAt > 0 && f.processedAt < h && (f.forgottenAt == 0 || f.forgottenAt >= h)
		if live != assigned[f.hash] {
			t.Fatalf("height %d (epoch %d opens): file %s live %v, assigned %v", h, e, f.hash, live, assigned[f.hash])
		}
		delete(assigned, f.hash)
	}
	if len(assigned) > 0 {
		t.Fatalf("height %d: files assigned that no live STORE names: %v", h, assigned)
	}
	if e > 0 {
		r.judge(t, snap, k, e-1, members)
		r.gaveUp(t, snap, k, e-1, members, holds)
	}
	for _, n := range r.sim.crns {
		var issued uint32
		for slot := range r.sim.params.ChallengesPerEpoch {
			ch, err := k.Challenge(snap, e, n.hash, slot)
			if err != nil {
				t.Fatal(err)
			}
			if ch == nil {
				continue
			}
			if !slices.Contains(holds[n.hash], ch.File) {
				t.Fatalf("height %d: %s is challenged on %s, which it does not hold", h, n.hash, ch.File)
			}
			r.challenged[slotID{e, n.hash, slot}] = ch.File
			issued++
		}
		if want := uint32(0); len(holds[n.hash]) > 0 {
			want = r.sim.params.ChallengesPerEpoch
			if issued != want {
				t.Fatalf("height %d: %s holds %d files and has %d challenges, want %d", h, n.hash, len(holds[n.hash]), issued, want)
			}
		} else if issued != 0 {
			t.Fatalf("height %d: %s holds nothing and has %d challenges", h, n.hash, issued)
		}
		r.issued[epochNode{e, n.hash}] = issued
		r.member[epochNode{e, n.hash}] = members[n.hash]
		r.held[n.does.String()] += len(holds[n.hash])
	}
}

// judge checks, when epoch e+1 opens, how e ended for each node: its
// window took e's challenges and the proofs the chain accepted, its score
// is what its epochs in the window give (10,000 for an honest node, 0 for
// a silent one), and a node whose score closed at 0 for zero_score_epochs
// judged epochs in a row is unlinked from its CCN and no longer a member.
func (r *resourceRun) judge(t *testing.T, snap state.KV, k *resource.Keeper, e uint64, members map[string]bool) {
	t.Helper()
	nk := node.NewKeeper(nil)
	for _, n := range r.sim.crns {
		w, err := k.Window(snap, n.hash)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := nk.Node(snap, n.hash)
		if err != nil || rec == nil {
			t.Fatalf("node %s: %v, %v", n.hash, rec, err)
		}
		r.judgeNode(t, n, w, rec.Parent, e, members[n.hash])
	}
}

// gaveUp checks, when epoch e+1 opens, that every node which failed a
// challenge of e gave the file up: it is excluded from the file, and no
// longer holds it unless too few members are left that are not excluded
// (then the file stays with it rather than lose a replica).
func (r *resourceRun) gaveUp(t *testing.T, snap state.KV, k *resource.Keeper, e uint64, members map[string]bool, holds map[string][]string) {
	t.Helper()
	for _, n := range r.sim.crns {
		for slot := range r.sim.params.ChallengesPerEpoch {
			id := slotID{e, n.hash, slot}
			file, ok := r.challenged[id]
			if !ok || r.proven[id] {
				continue
			}
			a, err := k.Assignment(snap, file)
			if err != nil {
				t.Fatal(err)
			}
			if a == nil { // released since
				continue
			}
			excluded, err := k.Excluded(snap, file)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(excluded, n.hash) {
				t.Fatalf("epoch %d: %s (%s) failed its challenge %d on %s and is not excluded from it (%v)", e, n.hash, n.does, slot, file, excluded)
			}
			others := 0
			for m := range members {
				if !slices.Contains(excluded, m) {
					others++
				}
			}
			if others >= int(r.sim.params.Replicas) && slices.Contains(holds[n.hash], file) {
				t.Fatalf("epoch %d: %s (%s) failed its challenge on %s and still holds it, with %d members not excluded", e, n.hash, n.does, file, others)
			}
			r.kinds["files given up"]++
		}
	}
}

// judgeNode is the per-node part of judge.
func (r *resourceRun) judgeNode(t *testing.T, n *crn, w *pb.ScoreWindow, parent string, e uint64, member bool) {
	t.Helper()
	id := epochNode{e, n.hash}
	want := &pb.EpochTally{Epoch: e, Issued: r.issued[id], Passed: r.passed[id], Up: r.up[id]}
	if r.member[id] {
		want.Slots = r.sim.params.SlotsOpened(e)
	}
	if want.Issued == 0 && want.Slots == 0 {
		if want.Passed != 0 || want.Up != 0 {
			t.Fatalf("epoch %d: %s passed %d challenges and %d slots it did not have", e, n.hash, want.Passed, want.Up)
		}
		return
	}
	r.judged[n.hash] = append(r.judged[n.hash], want)
	var window []*pb.EpochTally
	for _, x := range r.judged[n.hash] {
		if x.Epoch+uint64(r.sim.params.ScoreWindowEpochs) > e {
			window = append(window, x)
		}
	}
	var got *pb.EpochTally
	for _, x := range w.Epochs {
		if x.Epoch == e {
			got = x
		}
	}
	if got == nil || got.Issued != want.Issued || got.Passed != want.Passed || got.Slots != want.Slots || got.Up != want.Up {
		t.Fatalf("epoch %d: %s (%s) tallied %v, want %v", e, n.hash, n.does, got, want)
	}
	score := resource.Score(window)
	if w.ScoreBps != score {
		t.Fatalf("epoch %d: %s (%s) scores %d, want %d", e, n.hash, n.does, w.ScoreBps, score)
	}
	if n.revived {
		r.kinds["revived epochs"]++
	}
	switch n.does {
	case honest: // every proof passed: only a slot too few validators saw up costs it
		if want.Passed != want.Issued {
			t.Fatalf("epoch %d: honest %s passed %d of %d challenges", e, n.hash, want.Passed, want.Issued)
		}
		if !n.revived { // a revived node's window still holds its silent epochs
			r.kinds["honest epochs"]++
			if score == resource.BPS {
				r.kinds["honest epochs at 10,000"]++
			}
		}
	case silent:
		if score != 0 {
			t.Fatalf("epoch %d: silent %s scores %d", e, n.hash, score)
		}
	}
	if score > 0 {
		r.zeros[n.hash] = 0
		return
	}
	r.zeros[n.hash]++
	if r.zeros[n.hash] < r.sim.params.ZeroScoreEpochs {
		return
	}
	r.zeros[n.hash] = 0
	if parent != "" || member {
		t.Fatalf("epoch %d: %s (%s) closed at 0 for %d epochs and is still linked (%q) or a member (%v)", e, n.hash, n.does, r.sim.params.ZeroScoreEpochs, parent, member)
	}
	r.unlinked[n.hash] = true
	if n.does == silent {
		r.sim.restart(n)
	}
}

// live is the record's live slots for the block after c's last: the
// validators' simulated probe answers (liveVotes) tallied by the app as a
// proposer would (TallyCommitted), which must be exactly the slots the
// simulation expects up, and which the app's ProcessProposal check
// accepts; a record that also claims a silent node up is refused.
func (r *resourceRun) live(t *testing.T, c *apptest.Chain) []*pb.ProbeSlot {
	t.Helper()
	if c.Height == 0 {
		return nil
	}
	snap, err := c.Store.At(0)
	if err != nil {
		t.Fatal(err)
	}
	votes, want, err := r.sim.liveVotes(snap, c.Height+1, r.at)
	if err != nil {
		t.Fatal(err)
	}
	if len(votes) == 0 {
		return nil
	}
	rec, err := c.App.TallyCommitted(votes, resValidators)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Live) != len(want) {
		t.Fatalf("height %d: the record shows %v up, want %v", c.Height+1, rec.Live, want)
	}
	for i := range want {
		if !proto.Equal(rec.Live[i], want[i]) {
			t.Fatalf("height %d: the record shows %v up, want %v", c.Height+1, rec.Live, want)
		}
	}
	if err := c.App.CheckAttestation(&pb.Attestation{Live: rec.Live}, votes, resValidators); err != nil {
		t.Fatalf("height %d: the tallied record is refused: %v", c.Height+1, err)
	}
	for _, n := range r.sim.crns {
		if n.does != silent || len(want) == 0 {
			continue
		}
		forged := append(slices.Clone(rec.Live), &pb.ProbeSlot{Node: n.hash, Epoch: want[0].Epoch, Slot: want[0].Slot})
		if err := c.App.CheckAttestation(&pb.Attestation{Live: forged}, votes, resValidators); !errors.Is(err, attest.ErrRecordMismatch) {
			t.Fatalf("height %d: a record claiming silent %s up: %v", c.Height+1, n.hash, err)
		}
		r.kinds["forged live records"]++
		break
	}
	for _, s := range rec.Live {
		r.up[epochNode{s.Epoch, s.Node}]++
	}
	r.kinds["live slots"] += len(rec.Live)
	return rec.Live
}

// resourceConfig sizes the resource scenario: longer than the message
// mix's default run (9 epochs of 8 blocks), with fewer messages a block
// beside the nodes'. SIM_SEED and SIM_BLOCKS apply as to the others.
func resourceConfig(t *testing.T) Config {
	cfg := config(t)
	if os.Getenv("SIM_BLOCKS") == "" {
		cfg.Blocks = 72
	}
	cfg.MsgsPerBlock = 15
	return cfg
}

// TestSimulationResources runs the message mix with x/resource on and six
// resource nodes registered (secp256k1 keys, capacities) and linked to
// three CCNs through messages: two honest, two liars (tampered chunks,
// other chunks' paths, another chain's signature, replays, other nodes'
// challenges, the next epoch's, and valid proofs after the deadline of
// the challenges they lied on), two silent. The
// uploader stores IPFS files imported into the embedded store and sha256
// files, attested through the record at their size (and chunk root), and
// forgets some. Four validators carry the nodes' signed liveness answers;
// the record's live slots are what the app tallies from them. Every
// block, beside every invariant: each file has min(replicas, members)
// holders, all members; scores stay in 0..10,000; each valid proof is
// accepted, each lie refused with its code, and the same chain without the
// lies has the same app hash; the record shows up exactly the slots more
// than 2/3 carried, and one that claims a silent node up is refused. At
// each epoch's start the assigned files are the live ones and every holder
// has its challenges, a node that failed a challenge of the epoch before
// gave the file up (excluded from it, and moved off it unless too few
// members are left), and that epoch tallied each node's proofs and slots
// as it behaved: honest nodes pass every challenge (10,000 unless a
// slot went unseen), silent ones score 0 and are unlinked after
// zero_score_epochs; then they restart (honest), their CCN links them
// again, and their score climbs back as the silent epochs leave the
// window.
func TestSimulationResources(t *testing.T) {
	cfg := resourceConfig(t)
	r := newResourceRun(t, cfg.Seed)
	c, _, _ := runWith(t, cfg, r)
	r.kinds["forged live answers"] = r.sim.forged
	snap, err := c.Store.At(0)
	if err != nil {
		t.Fatal(err)
	}
	var scores []string // each node's score at the end
	for _, n := range r.sim.crns {
		if n.revived {
			r.kinds["revived nodes"]++
		}
		w, err := resource.NewKeeper(nil, nil).Window(snap, n.hash)
		if err != nil {
			t.Fatal(err)
		}
		scores = append(scores, fmt.Sprintf("%s%s %d", n.does, map[bool]string{true: " (revived)"}[n.revived], w.ScoreBps))
	}
	t.Logf("seed %d: scores at the end: %s", cfg.Seed, strings.Join(scores, ", "))
	t.Logf("seed %d: %d blocks; sent: %v; files held by behaviour (summed over epochs): %v; unlinked: %d; app hash %X", cfg.Seed, cfg.Blocks, r.kinds, r.held, len(r.unlinked), c.Hash)
	for _, kind := range []string{"honest", "honest (sha256 file)", "honest (IPFS file)", "tampered chunk", "wrong path", "another chain", "replay",
		"another node's challenge", "live slots", "forged live answers", "forged live records", "revived nodes", "revived epochs",
		"files given up", "late", "next epoch"} {
		if r.kinds[kind] == 0 {
			t.Errorf("seed %d: no %q in the run; it should have every kind", cfg.Seed, kind)
		}
	}
	for _, n := range r.sim.crns {
		if n.does == silent && len(r.judged[n.hash]) > 0 && !r.unlinked[n.hash] && len(r.judged[n.hash]) >= int(r.sim.params.ZeroScoreEpochs) {
			t.Errorf("seed %d: silent node %s was judged %d times and is still linked", cfg.Seed, n.hash, len(r.judged[n.hash]))
		}
	}
	for _, does := range []behaviour{honest, liar, silent} {
		if r.held[does.String()] == 0 {
			t.Errorf("seed %d: no %s node ever held a file", cfg.Seed, does)
		}
	}
	exported, _, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	// The imported chain starts again at height 1, epoch 0's first: a
	// block would open an epoch over the imported one, so its state is
	// read before any block (the import checks x/resource's invariants
	// itself).
	d := apptest.NewWith(t, exported, app.Options{}, app.ChainInfo{ChainID: resourceChainID})
	k := resource.NewKeeper(nil, nil)
	if err := k.LoadParams(snap); err != nil {
		t.Fatal(err)
	}
	want, err := k.Export(snap)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.Export(d.Store.Working())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) || len(want.Windows) == 0 || len(want.Files) == 0 {
		t.Fatalf("seed %d: the imported chain's resource state differs from the exported one, or is empty:\n%s\n%s", cfg.Seed, a, b)
	}
}
