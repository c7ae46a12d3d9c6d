package networks_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/crn"
	"github.com/alephd/alephd/keys"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/resource"
)

// The resource network's x/resource params: epochs of 24 blocks with 6
// liveness slots of L = 4 blocks (liveness needs L ≥ 3; each slot open
// 8 blocks; 6 an epoch, so the honest node's 4-epoch window has 24 and
// one slot lost to a stalled validator still leaves it above 95%), 6
// challenges per node answered within 12 blocks, 2 replicas, scores over
// 8 epochs (a failed challenge keeps its node off the file as long), and
// no unlinking at score 0 (the killed node comes back).
const (
	resEpoch  = 24
	resProbes = 6
	resWindow = 8
)

func resourceGenesis(t *testing.T) []byte {
	var g map[string]json.RawMessage
	if err := json.Unmarshal(contentGenesis(t), &g); err != nil {
		t.Fatal(err)
	}
	rg := resource.DefaultGenesis()
	p := &rg.Params
	p.Enabled, p.Replicas, p.EpochBlocks, p.ProofWindowBlocks = true, 2, resEpoch, resEpoch/2
	p.ProbesPerEpoch, p.ChallengesPerEpoch, p.ScoreWindowEpochs, p.ZeroScoreEpochs = resProbes, 6, resWindow, 0
	g["resource"], _ = json.Marshal(rg)
	out, _ := json.Marshal(g)
	return out
}

// TestResourceNodes: 4 validators (alephd start) and 3 resource nodes
// (alephd crn start, each its own home and key, registered and linked to a
// validator's CCN by the CCN's owner). Six files (three IPFS, three sha256)
// are STOREd and each assigned to two nodes, which fetch them, prove them
// and answer the validators' liveness probes. Then:
//   - a node deletes a sha256 file it holds: its next challenge on the file
//     fails, its epoch closes with fewer passed than issued, its score falls,
//     and the file is re-assigned to the third node, which fetches it and
//     passes a challenge on it;
//   - a node is killed (SIGKILL) once it has answered its epoch's
//     challenges: the epoch closes with fewer liveness slots up than opened
//     and its score falls; restarted, it answers again, and a later epoch
//     has every slot up and every challenge passed;
//   - the node left alone scores at least 9,500 bps over its window, with
//     proofs and liveness slots counted;
//   - all validators hold the same app hash at every height.
func TestResourceNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a network of alephd processes; make test runs it")
	}
	began := time.Now()
	var owners []*ecdsa.PrivateKey
	for i := range 4 {
		owners = append(owners, keys.FromSeed(fmt.Sprintf("res-ccn-owner-%d", i)))
	}
	nw := newNetworkEdited(t, 4, resourceGenesis(t), ownedBy(t, owners))
	nw.waitHeight(2, 60*time.Second, all(4)...)

	// Three resource nodes, node k following validator k and linked to its
	// CCN by the CCN's owner.
	crns := make([]*crnNode, 3)
	for k := range crns {
		crns[k] = nw.addCRN(fmt.Sprintf("crn%d", k), fmt.Sprintf("127.0.0.%d", k+2), k, owners[k])
		crns[k].start()
	}
	t.Cleanup(func() {
		for _, c := range crns {
			c.signal(syscall.SIGKILL)
		}
	})
	t.Logf("3 resource nodes registered and linked by height %d", nw.height(0))

	// Six files: a 3-leaf IPFS DAG, two single-block IPFS files, three
	// sha256 files of 300-500 kB (challenged in 4 KiB chunks).
	rng := rand.New(rand.NewSource(22))
	specs := []struct {
		engine string
		size   int
	}{{"ipfs", 600 << 10}, {"ipfs", 120 << 10}, {"ipfs", 90 << 10}, {"storage", 500 << 10}, {"storage", 400 << 10}, {"storage", 300 << 10}}
	var stores []*pb.AlephMessage
	var hashes []string
	for j, s := range specs {
		data := make([]byte, s.size)
		rng.Read(data)
		h := nw.uploadTo(j%4, s.engine, data)
		m := signStore(t, fmt.Sprintf("res-user-%d", j), h)
		nw.submitStore(j%4, m)
		stores, hashes = append(stores, m), append(hashes, h)
	}
	for j, m := range stores {
		if rec, _ := nw.waitSettled(0, m.ItemHash, hashes[j], 90*time.Second); rec.Status != pb.MessageStatus_MESSAGE_STATUS_PROCESSED {
			t.Fatalf("STORE of %s: %s (%s)", hashes[j], rec.Status, rec.Rejection)
		}
	}
	t.Logf("6 STOREs processed by height %d", nw.height(0))

	// Every file is assigned twice; every node fetches what it is assigned
	// and goes through an epoch with every challenge passed and every
	// liveness slot up.
	holders := func(file string) []int {
		var out []int
		for k, c := range crns {
			if slices.ContainsFunc(nw.files(c.ccn, c.hash).Files, func(f app.ResourceFileView) bool { return f.Hash == file }) {
				out = append(out, k)
			}
		}
		return out
	}
	for end := time.Now().Add(120 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		n := 0
		for _, h := range hashes {
			n += len(holders(h))
		}
		if n == 2*len(hashes) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("after 120 s, %d of %d replicas are assigned", n, 2*len(hashes))
		}
	}
	for _, c := range crns {
		st := c.waitStatus(120*time.Second, "held all its files", func(s crn.Status) bool {
			return s.Files.Assigned > 0 && s.Files.Held == s.Files.Assigned && s.Files.Missing == 0
		})
		v := nw.waitScore(c, 180*time.Second, "had a clean epoch", func(v *app.ResourceScoreView) bool {
			return slices.ContainsFunc(v.Epochs, clean)
		})
		t.Logf("%s holds %d files (%d bytes); score %d bps over %d epochs", c.name, st.Files.Held, st.Files.HeldBytes, v.ScoreBps, len(v.Epochs))
	}

	// Roles: crn0 is left alone; the deleter is a node holding a sha256
	// file (crn1 if it holds one); the third is killed.
	honest, deleter, killed := crns[0], crns[1], crns[2]
	file := largestSha256(nw.files(deleter.ccn, deleter.hash))
	if file == "" {
		deleter, killed = crns[2], crns[1]
		file = largestSha256(nw.files(deleter.ccn, deleter.hash))
	}
	if file == "" {
		t.Fatal("neither crn1 nor crn2 holds a sha256 file, though each of 3 has 2 of 3 holders")
	}

	var newHolder *crnNode // who took the deleted file, from the epoch after movedAfter
	var movedAfter uint64
	t.Run("a deleted file fails its challenge and moves", func(t *testing.T) {
		was := holders(file)
		before := nw.waitScore(deleter, 30*time.Second, "answered", anyScore)
		seen := map[[2]uint64]bool{}
		st, _ := deleter.status()
		for _, p := range st.Proofs {
			seen[[2]uint64{p.Epoch, uint64(p.Slot)}] = true
		}
		if err := os.Remove(filepath.Join(deleter.home, "data", "content", file[:2], file)); err != nil {
			t.Fatal(err)
		}
		deleted := nw.height(0)
		var missing crn.ProofResult
		deleter.waitStatus(180*time.Second, "reported the deleted file missing", func(s crn.Status) bool {
			for _, p := range slices.Backward(s.Proofs) {
				if p.Result == "missing" && p.File == file && !seen[[2]uint64{p.Epoch, uint64(p.Slot)}] {
					missing = p
					return true
				}
			}
			return false
		})
		after := nw.waitScore(deleter, 60*time.Second, "closed the failed epoch", func(v *app.ResourceScoreView) bool {
			e := epochOf(v, missing.Epoch)
			return e != nil && e.Issued > 0
		})
		e := epochOf(after, missing.Epoch)
		t.Logf("%s deleted %s at height %d; challenge %d/%d found it missing; epoch %d: %d of %d passed; score %d -> %d bps",
			deleter.name, file, deleted, missing.Epoch, missing.Slot, e.Epoch, e.Passed, e.Issued, before.ScoreBps, after.ScoreBps)
		if e.Passed >= e.Issued || after.ScoreBps >= before.ScoreBps {
			t.Fatalf("epoch %d closed with %d of %d passed; score %d bps, was %d", e.Epoch, e.Passed, e.Issued, after.ScoreBps, before.ScoreBps)
		}

		// Re-assigned away from the deleter, to the node that did not
		// hold it, which fetches it and proves it.
		var now []int
		for end := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
			if now = holders(file); len(now) == 2 && !slices.Contains(now, slices.Index(crns, deleter)) {
				break
			}
			if time.Now().After(end) {
				t.Fatalf("%s is still held by %v (was %v)", file, now, was)
			}
		}
		var taker *crnNode
		for _, k := range now {
			if !slices.Contains(was, k) {
				taker = crns[k]
			}
		}
		if taker == nil {
			t.Fatalf("holders %v -> %v: no new holder", was, now)
		}
		moved := nw.height(0)
		deleter.waitStatus(60*time.Second, "let the moved file go", func(s crn.Status) bool {
			has := func(f crn.FileState) bool { return f.Hash == file }
			return !slices.ContainsFunc(s.Held, has) && !slices.ContainsFunc(s.Missing, has)
		})
		taker.waitStatus(60*time.Second, "fetched the re-assigned file", func(s crn.Status) bool {
			return slices.ContainsFunc(s.Held, func(f crn.FileState) bool { return f.Hash == file })
		})
		t.Logf("%s: holders %v -> %v by height %d; %s fetched it", file, names(crns, was), names(crns, now), moved, taker.name)
		newHolder, movedAfter = taker, missing.Epoch
	})

	t.Run("a killed node loses liveness and recovers", func(t *testing.T) {
		// Killed once it has answered every challenge of the open epoch,
		// so it loses slots, not proofs (and keeps its files).
		var epoch uint64
		for end := time.Now().Add(120 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			ch := nw.challenges(killed.ccn, killed.hash)
			if len(ch.Challenges) > 0 && !slices.ContainsFunc(ch.Challenges, func(c app.ResourceChallengeView) bool { return !c.Passed }) {
				epoch = ch.Challenges[0].Epoch
				break
			}
			if time.Now().After(end) {
				t.Fatalf("%s never had an epoch's challenges all passed: %+v\n%s", killed.name, ch, killed.tail())
			}
		}
		before := nw.waitScore(killed, 30*time.Second, "answered", anyScore)
		killed.signal(syscall.SIGKILL)
		at := nw.height(0)
		var lost app.EpochScoreView
		down := nw.waitScore(killed, 120*time.Second, "lost a liveness slot", func(v *app.ResourceScoreView) bool {
			for _, e := range v.Epochs {
				if e.Epoch >= epoch && e.Slots > 0 && e.Up < e.Slots {
					lost = e
					return true
				}
			}
			return false
		})
		t.Logf("%s killed at height %d (epoch %d answered); epoch %d: %d of %d slots up, %d of %d challenges passed; score %d -> %d bps",
			killed.name, at, epoch, lost.Epoch, lost.Up, lost.Slots, lost.Passed, lost.Issued, before.ScoreBps, down.ScoreBps)
		if down.ScoreBps >= before.ScoreBps {
			t.Fatalf("score %d bps after losing slots, was %d", down.ScoreBps, before.ScoreBps)
		}

		killed.start()
		restarted := nw.height(0)
		killed.waitStatus(60*time.Second, "answered after its restart", func(crn.Status) bool { return true })
		// Usually the next epoch; if the restart came too late for its
		// challenges, the node's files move away until the exclusions
		// expire (score_window_epochs), hence the long deadline.
		back := nw.waitScore(killed, 300*time.Second, "had a clean epoch after its restart", func(v *app.ResourceScoreView) bool {
			return slices.ContainsFunc(v.Epochs, func(e app.EpochScoreView) bool { return e.Epoch > lost.Epoch && clean(e) })
		})
		e := back.Epochs[slices.IndexFunc(back.Epochs, func(e app.EpochScoreView) bool { return e.Epoch > lost.Epoch && clean(e) })]
		t.Logf("%s restarted at height %d; epoch %d: %d of %d slots up, %d of %d passed; score %d bps", killed.name, restarted, e.Epoch, e.Up, e.Slots, e.Passed, e.Issued, back.ScoreBps)
	})

	// The deleted file's new holder proves it (checked last: challenges
	// find it while the killed node goes down and comes back).
	if newHolder != nil {
		proved := nw.waitProof(newHolder, file, movedAfter+1, 240*time.Second)
		t.Logf("%s proved %s in epoch %d", newHolder.name, file, proved)
	}

	// The node left alone: at least 95% over its window, on proofs and
	// liveness both.
	v := nw.waitScore(honest, 30*time.Second, "answered", anyScore)
	var issued, passed, slots, up uint32
	for _, e := range v.Epochs {
		issued, passed, slots, up = issued+e.Issued, passed+e.Passed, slots+e.Slots, up+e.Up
	}
	t.Logf("%s: %d bps over %d epochs: %d of %d challenges passed, %d of %d slots up", honest.name, v.ScoreBps, len(v.Epochs), passed, issued, up, slots)
	if v.ScoreBps < 9500 || issued == 0 || slots == 0 {
		t.Fatalf("the honest node's window: %+v", v)
	}

	top := nw.height(0)
	nw.waitHeight(top+1, 60*time.Second, all(4)...)
	nw.agree(top, all(4)...)
	t.Logf("4 validators agree on heights 1..%d; %s in all", top, time.Since(began).Round(time.Second))
}

// anyScore accepts every score window: waitScore then only waits for an answer.
func anyScore(*app.ResourceScoreView) bool { return true }

// clean: an epoch with challenges, all passed, and liveness slots, all up.
func clean(e app.EpochScoreView) bool {
	return e.Issued > 0 && e.Passed == e.Issued && e.Slots > 0 && e.Up == e.Slots
}

func epochOf(v *app.ResourceScoreView, epoch uint64) *app.EpochScoreView {
	for i := range v.Epochs {
		if v.Epochs[i].Epoch == epoch {
			return &v.Epochs[i]
		}
	}
	return nil
}

// largestSha256 is the largest sha256 file among those listed, or "".
func largestSha256(v app.ResourceFilesView) string {
	var best app.ResourceFileView
	for _, f := range v.Files {
		if f.Type == "storage" && f.Size > best.Size {
			best = f
		}
	}
	return best.Hash
}

func names(crns []*crnNode, idx []int) []string {
	var out []string
	for _, k := range idx {
		out = append(out, crns[k].name)
	}
	return out
}

// waitProof waits for c to prove file in an epoch from `from` on: a proof
// the chain marked passed, or one submitted in an epoch that closed with
// every challenge passed. It returns the epoch.
func (nw *network) waitProof(c *crnNode, file string, from uint64, timeout time.Duration) uint64 {
	nw.t.Helper()
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		st, ok := c.status()
		if !ok {
			continue
		}
		v := nw.score(c.ccn, c.hash)
		for _, p := range st.Proofs {
			if p.File != file || p.Epoch < from {
				continue
			}
			if p.Result == "passed" {
				return p.Epoch
			}
			if p.Result != "submitted" || v == nil {
				continue
			}
			if e := epochOf(v, p.Epoch); e != nil && e.Issued > 0 && e.Passed == e.Issued {
				return p.Epoch
			}
		}
	}
	st, _ := c.status()
	b, _ := json.Marshal(st.Proofs)
	nw.t.Fatalf("%s never proved %s from epoch %d on: %s\n%s", c.name, file, from, b, c.tail())
	return 0
}
