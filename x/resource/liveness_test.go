package resource_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/internal/jsonobj"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// TestSlotSchedule: slot s starts at the epoch's first height plus s·L and
// its answers count until the end of the next slot, never past the epoch;
// a slot no record could name (L < 3 at the end) does not open.
func TestSlotSchedule(t *testing.T) {
	p := resource.DefaultParams()
	p.Enabled = true
	for _, c := range []struct {
		blocks       int64
		probes       uint32
		epoch        uint64
		slot         uint32
		start, until int64
		ok           bool
	}{
		{600, 10, 0, 0, 1, 120, true},
		{600, 10, 0, 8, 481, 600, true},
		{600, 10, 0, 9, 541, 600, true},
		{600, 10, 2, 1, 1261, 1380, true},
		{600, 10, 0, 10, 0, 0, false},
		{20, 5, 0, 4, 17, 20, true},
		{10, 5, 0, 4, 9, 10, false}, // L = 2: the last slot has one block after its start
		{10, 10, 0, 0, 1, 2, false}, // L = 1: no slot can be answered
		{600, 0, 0, 0, 0, 0, false}, // liveness off
	} {
		p.EpochBlocks, p.ProbesPerEpoch = c.blocks, c.probes
		start, until, ok := p.SlotSpan(c.epoch, c.slot)
		if ok != c.ok || ok && (start != c.start || until != c.until) {
			t.Errorf("%d blocks, %d probes: slot %d/%d = %d..%d %v, want %d..%d %v", c.blocks, c.probes, c.epoch, c.slot, start, until, ok, c.start, c.until, c.ok)
		}
	}
	p.EpochBlocks, p.ProbesPerEpoch = 10, 5
	if n := p.SlotsOpened(0); n != 4 {
		t.Fatalf("10 blocks, 5 probes: %d slots open, want 4", n)
	}
	p.Enabled = false
	if _, _, ok := p.SlotSpan(0, 0); ok || p.SlotsOpened(0) != 0 {
		t.Fatal("a disabled module opens slots")
	}
}

// crnKey is a resource node's key, fixed by its name.
func crnKey(t testing.TB, name string) *ecdsa.PrivateKey {
	t.Helper()
	seed := sha256.Sum256([]byte(name))
	key, err := crypto.ToECDSA(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// setPubkey registers a CRN's key with an amend, as its owner would.
func setPubkey(t *testing.T, nodes *node.Keeper, kv state.KV, crn string, key *ecdsa.PrivateKey) {
	t.Helper()
	operation(t, nodes, kv, &node.Operation{Action: "amend", Owner: crnOwner, Ref: crn,
		Details: jsonobj.Object{"pubkey": json.RawMessage(fmt.Sprintf("%q", hex.EncodeToString(crypto.CompressPubkey(&key.PublicKey))))}})
}

// liveChain is a registry of 3 linked CRNs with keys (crn-00 and crn-01
// answer, crn-02 stays silent), one linked without a key (crn-nokey,
// registered the pyaleph way: no member) and an unlinked one with a key
// (crn-idle), x/resource on with epochs of 20 blocks, proofs due by 10, 5
// slots of 4 blocks, and zero_score_epochs 2.
func liveChain(t *testing.T) (*resource.Keeper, *node.Keeper, state.KV, map[string]*ecdsa.PrivateKey) {
	t.Helper()
	k, nodes, kv := registry(t, 3)
	createCRN(t, nodes, kv, "crn-nokey", false)
	g := resource.DefaultGenesis()
	g.Params = k.Params()
	g.Params.EpochBlocks, g.Params.ProofWindowBlocks, g.Params.ProbesPerEpoch, g.Params.ZeroScoreEpochs = 20, 10, 5, 2
	if err := k.Init(kv, g); err != nil {
		t.Fatal(err)
	}
	keys := map[string]*ecdsa.PrivateKey{}
	for _, n := range []string{"crn-00", "crn-01", "crn-idle"} { // registry's keys
		keys[n] = crnKey(t, n)
	}
	return k, nodes, kv, keys
}

func appHash(h int64) []byte {
	s := sha256.Sum256([]byte(fmt.Sprint("app hash ", h)))
	return s[:]
}

// answer is crn's signed answer to a slot, with the nonce state has.
func answer(t *testing.T, k *resource.Keeper, kv state.KV, key *ecdsa.PrivateKey, crn string, epoch uint64, slot uint32) *pb.ProbeAnswer {
	t.Helper()
	nonce, err := k.SlotNonceAt(kv, epoch, slot)
	if err != nil {
		t.Fatal(err)
	}
	if nonce == nil {
		nonce = []byte("no nonce")
	}
	sig, err := resource.SignProbe(key, "test", crn, epoch, slot, nonce)
	if err != nil {
		t.Fatal(err)
	}
	return &pb.ProbeAnswer{Node: crn, Epoch: epoch, Slot: slot, Signature: sig}
}

// TestLivenessEpoch runs an epoch block by block: nonces are recorded at
// each slot's start from the previous app hash, ProbeTargets lists the
// members with keys not yet up, a slot is up only with more than 2/3 of
// the power answering validly, and at the epoch's end every member's window
// takes its slots and ups, the slot state is gone, and each node is judged
// once (proofs at the deadline and liveness at the end together).
func TestLivenessEpoch(t *testing.T) {
	k, _, kv, keys := liveChain(t)
	p := k.Params()
	var challenged bool
	for h := int64(1); h <= p.EpochBlocks; h++ {
		// The record heading block h is tallied over the state of h-1:
		// crn-00 is answered by 3 validators of 4, crn-01 by 2.
		var votes []resource.LiveVote
		if h > 1 {
			targets, err := k.ProbeTargets(kv, h-1, "test")
			if err != nil {
				t.Fatal(err)
			}
			var answers []*pb.ProbeAnswer
			for _, tg := range targets {
				if tg.Node == "crn-nokey" || tg.Node == "crn-idle" {
					t.Fatalf("height %d: %s is a target: no key or not a member", h, tg.Node)
				}
				if tg.Node == "crn-02" { // silent: no validator has its answer
					continue
				}
				if tg.Until < h {
					t.Fatalf("height %d: target %+v has expired", h, tg)
				}
				nonce, _ := k.SlotNonceAt(kv, tg.Epoch, tg.Slot)
				if !bytes.Equal(tg.Nonce, nonce) || tg.URL == "" || len(tg.Pubkey) != 33 {
					t.Fatalf("height %d: target %+v", h, tg)
				}
				answers = append(answers, answer(t, k, kv, keys[tg.Node], tg.Node, tg.Epoch, tg.Slot))
			}
			only00 := func() []*pb.ProbeAnswer {
				var out []*pb.ProbeAnswer
				for _, a := range answers {
					if a.Node == "crn-00" {
						out = append(out, a)
					}
				}
				return out
			}
			votes = []resource.LiveVote{{Power: 1, Answers: answers}, {Power: 1, Answers: answers}, {Power: 1, Answers: only00()}, {Power: 1}}
		}
		live, err := k.TallyLive(kv, "test", votes, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range live {
			if s.Node != "crn-00" {
				t.Fatalf("height %d: %v is up with 2 of 4 answering", h, s)
			}
		}
		if err := k.BeginBlock(kv, h, "test", appHash(h-1)); err != nil {
			t.Fatal(err)
		}
		if h == 1 { // files after the refresh, challenged for this epoch
			for i := range 6 {
				if err := k.AddFile(kv, resource.FileInfo{Hash: fmt.Sprint("file-", i), Size: 1 << 20}); err != nil {
					t.Fatal(err)
				}
			}
			hs, err := k.Holdings(kv)
			if err != nil {
				t.Fatal(err)
			}
			if err := k.OpenEpoch(kv, 0, resource.EpochSeed("test", 0, appHash(0)), hs); err != nil {
				t.Fatal(err)
			}
			challenged = true
		}
		if (h-1)%4 == 0 {
			slot := uint32((h - 1) / 4)
			nonce, err := k.SlotNonceAt(kv, 0, slot)
			if err != nil || !bytes.Equal(nonce, resource.SlotNonce("test", 0, slot, appHash(h-1))) {
				t.Fatalf("height %d: slot %d's nonce %x, %v", h, slot, nonce, err)
			}
		}
		if err := k.ApplyLive(kv, live); err != nil {
			t.Fatal(err)
		}
		if err := k.EndBlock(kv, h); err != nil {
			t.Fatal(err)
		}
		if err := k.Invariants(kv); err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
	}
	if !challenged {
		t.Fatal("no challenges")
	}
	want := map[string][2]uint32{"crn-00": {5, 5}, "crn-01": {5, 0}, "crn-02": {5, 0}}
	for n, w := range want {
		win, err := k.Window(kv, n)
		if err != nil || len(win.Epochs) != 1 {
			t.Fatalf("%s: %v %v", n, win, err)
		}
		e := win.Epochs[0]
		if e.Slots != w[0] || e.Up != w[1] {
			t.Errorf("%s: %d slots, %d up; want %d, %d", n, e.Slots, e.Up, w[0], w[1])
		}
		// Challenged and unanswered: proofs 0, so every score is 0 and
		// each node is judged once: one epoch at 0, not two.
		if z, err := k.ZeroEpochs(kv, n); err != nil || z != 1 || win.ScoreBps != 0 || e.Issued == 0 {
			t.Errorf("%s: zero epochs %d (%v), score %d, issued %d; want judged once at 0", n, z, err, win.ScoreBps, e.Issued)
		}
	}
	for _, n := range []string{"crn-idle", "crn-nokey"} {
		if w, _ := k.Window(kv, n); len(w.Epochs) != 0 {
			t.Fatalf("%s, no member, has a window: %v", n, w)
		}
		if z, _ := k.ZeroEpochs(kv, n); z != 0 {
			t.Fatalf("%s, no member, was judged: %d epochs at 0", n, z)
		}
	}
	exp, err := k.Export(kv)
	if err != nil {
		t.Fatal(err)
	}
	if len(exp.Slots) != 0 || len(exp.Up) != 0 {
		t.Fatalf("slot state left after the epoch: %v %v", exp.Slots, exp.Up)
	}
}

// TestTallyLiveRefuses: every answer that must not count does not: a
// forged signature, another node's, a node that is no member, one without
// a key, a closed slot, a slot already up, a repeated answer from one
// validator; and exactly 2/3 of the power is not enough.
func TestTallyLiveRefuses(t *testing.T) {
	k, _, kv, keys := liveChain(t)
	for h := int64(1); h <= 5; h++ { // slots 0 and 1 open
		if err := k.BeginBlock(kv, h, "test", appHash(h-1)); err != nil {
			t.Fatal(err)
		}
		if err := k.EndBlock(kv, h); err != nil {
			t.Fatal(err)
		}
	}
	good := answer(t, k, kv, keys["crn-00"], "crn-00", 0, 0)
	tally := func(answers ...*pb.ProbeAnswer) []*pb.ProbeSlot {
		t.Helper()
		var votes []resource.LiveVote
		for range 3 {
			votes = append(votes, resource.LiveVote{Power: 1, Answers: answers})
		}
		live, err := k.TallyLive(kv, "test", votes, 4)
		if err != nil {
			t.Fatal(err)
		}
		return live
	}
	if live := tally(good); len(live) != 1 || live[0].Node != "crn-00" || live[0].Slot != 0 {
		t.Fatalf("a valid answer from 3 of 4: %v", live)
	}
	forged := &pb.ProbeAnswer{Node: "crn-00", Epoch: 0, Slot: 0, Signature: bytes.Clone(good.Signature)}
	forged.Signature[5] ^= 1
	wrongKey := answer(t, k, kv, keys["crn-01"], "crn-00", 0, 0)
	for name, a := range map[string]*pb.ProbeAnswer{
		"forged signature":  forged,
		"another node's":    wrongKey,
		"not a member":      answer(t, k, kv, keys["crn-idle"], "crn-idle", 0, 0),
		"no key":            answer(t, k, kv, keys["crn-01"], "crn-nokey", 0, 0),
		"not open yet":      answer(t, k, kv, keys["crn-00"], "crn-00", 0, 2),
		"another epoch":     answer(t, k, kv, keys["crn-00"], "crn-00", 1, 0),
		"short signature":   {Node: "crn-00", Slot: 0, Signature: good.Signature[:63]},
		"another slot's":    {Node: "crn-00", Slot: 1, Signature: good.Signature},
		"no such node name": {Node: "", Slot: 0, Signature: good.Signature},
	} {
		if live := tally(a); len(live) != 0 {
			t.Errorf("%s: %v is up", name, live)
		}
	}
	// Two of three validators: 2/3 exactly, not more.
	live, err := k.TallyLive(kv, "test", []resource.LiveVote{{Power: 1, Answers: []*pb.ProbeAnswer{good}}, {Power: 1, Answers: []*pb.ProbeAnswer{good}}, {Power: 1}}, 3)
	if err != nil || len(live) != 0 {
		t.Fatalf("2/3 of the power: %v %v", live, err)
	}
	// A validator carrying a bad answer and a good one for a slot backs
	// it; garbage from one validator beside the others' answers changes
	// nothing.
	live, err = k.TallyLive(kv, "test", []resource.LiveVote{{Power: 1, Answers: []*pb.ProbeAnswer{forged, good}}, {Power: 1, Answers: []*pb.ProbeAnswer{good}}, {Power: 1, Answers: []*pb.ProbeAnswer{wrongKey, forged}}}, 3)
	if err != nil || len(live) != 0 {
		t.Fatalf("2 of 3 valid, one of them after a forgery: %v %v", live, err)
	}
	live, err = k.TallyLive(kv, "test", []resource.LiveVote{{Power: 1, Answers: []*pb.ProbeAnswer{forged, good}}, {Power: 1, Answers: []*pb.ProbeAnswer{good}}, {Power: 1, Answers: []*pb.ProbeAnswer{wrongKey, good}}, {Power: 1, Answers: []*pb.ProbeAnswer{forged}}}, 4)
	if err != nil || len(live) != 1 {
		t.Fatalf("3 of 4 valid beside forgeries: %v %v", live, err)
	}
	// One validator repeating an answer counts once.
	live, err = k.TallyLive(kv, "test", []resource.LiveVote{{Power: 1, Answers: []*pb.ProbeAnswer{good, good, good}}, {Power: 1}, {Power: 1}}, 3)
	if err != nil || len(live) != 0 {
		t.Fatalf("one validator repeating: %v %v", live, err)
	}
	// Up once: answering again counts no more, and applying twice changes
	// nothing.
	if err := k.ApplyLive(kv, tally(good)); err != nil {
		t.Fatal(err)
	}
	if up, _ := k.IsUp(kv, 0, "crn-00", 0); !up {
		t.Fatal("not up after applying")
	}
	if live := tally(good); len(live) != 0 {
		t.Fatalf("a slot already up: %v", live)
	}
	if err := k.ApplyLive(kv, []*pb.ProbeSlot{{Node: "crn-00", Slot: 0}, {Node: "crn-idle", Slot: 0}, {Node: "crn-00", Slot: 3}}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*pb.ProbeSlot{{Node: "crn-idle", Slot: 0}, {Node: "crn-00", Slot: 3}} {
		if up, _ := k.IsUp(kv, 0, s.Node, s.Slot); up {
			t.Fatalf("applied %v: not a member or not open", s)
		}
	}
	// An export with slots open and up marks imports to the same state.
	exp, err := k.Export(kv)
	if err != nil || len(exp.Slots) != 2 || len(exp.Up) != 1 {
		t.Fatalf("export: %d slots, %d up, %v", len(exp.Slots), len(exp.Up), err)
	}
	s2, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	k2 := resource.NewKeeper(nil, nil)
	if err := k2.Init(s2.Working(), exp); err != nil {
		t.Fatal(err)
	}
	again, err := k2.Export(s2.Working())
	if err != nil || fmt.Sprint(again.Slots, again.Up) != fmt.Sprint(exp.Slots, exp.Up) {
		t.Fatalf("re-export: %v %v, first %v %v (%v)", again.Slots, again.Up, exp.Slots, exp.Up, err)
	}
	bad := exp
	bad.Slots = []resource.GenesisSlot{{Epoch: 0, Slot: 9, Nonce: exp.Slots[0].Nonce}}
	if err := resource.NewKeeper(nil, nil).Init(state.NewCache(s2.Working()), bad); err == nil {
		t.Fatal("imported a slot the params never open")
	}
	// Slot 0 closes at the end of height 8 (the end of slot 1).
	late := answer(t, k, kv, keys["crn-01"], "crn-01", 0, 0)
	if live := tally(late); len(live) != 1 {
		t.Fatalf("crn-01 in slot 0 before it closes: %v", live)
	}
	for h := int64(6); h <= 8; h++ {
		if err := k.BeginBlock(kv, h, "test", appHash(h-1)); err != nil {
			t.Fatal(err)
		}
		if err := k.EndBlock(kv, h); err != nil {
			t.Fatal(err)
		}
	}
	if live := tally(late); len(live) != 0 {
		t.Fatalf("an answer to a closed slot: %v", live)
	}
	if tg, err := k.ProbeTargets(kv, 8, "test"); err != nil || len(tg) != 3 || tg[0].Slot != 1 || tg[1].Slot != 1 || tg[2].Slot != 1 {
		t.Fatalf("targets after slot 0 closed: %+v %v", tg, err)
	}
}

// TestLivenessDisabled: with probes_per_epoch 0 nothing is recorded, no
// target listed, no answer counted.
func TestLivenessDisabled(t *testing.T) {
	k, _, kv, keys := liveChain(t)
	g := resource.DefaultGenesis()
	g.Params = k.Params()
	g.Params.ProbesPerEpoch = 0
	if err := k.Init(kv, g); err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= 20; h++ {
		if err := k.BeginBlock(kv, h, "test", appHash(h-1)); err != nil {
			t.Fatal(err)
		}
		if err := k.EndBlock(kv, h); err != nil {
			t.Fatal(err)
		}
		if n, _ := k.SlotNonceAt(kv, 0, 0); n != nil {
			t.Fatal("a nonce with liveness off")
		}
		if tg, err := k.ProbeTargets(kv, h, "test"); err != nil || len(tg) != 0 {
			t.Fatalf("targets with liveness off: %v %v", tg, err)
		}
	}
	a := answer(t, k, kv, keys["crn-00"], "crn-00", 1, 0)
	if live, err := k.TallyLive(kv, "test", []resource.LiveVote{{Power: 1, Answers: []*pb.ProbeAnswer{a}}}, 1); err != nil || len(live) != 0 {
		t.Fatalf("tally with liveness off: %v %v", live, err)
	}
	if w, _ := k.Window(kv, "crn-00"); len(w.Epochs) != 0 {
		t.Fatalf("a window from liveness off and no challenges: %v", w)
	}
}
