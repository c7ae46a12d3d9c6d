package abci

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
)

// liveKey is a CRN's key, fixed by its name.
func liveKey(t testing.TB, name string) *ecdsa.PrivateKey {
	t.Helper()
	seed := sha256.Sum256([]byte("live " + name))
	key, err := crypto.ToECDSA(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// liveGenesis is storeGenesis with an active CCN linking crn-0..crn-2
// (each with its registered key), an unlinked crn-idle with a key, and
// x/resource on: epochs of 12 blocks (proofs by 6), 2 liveness slots of
// 6 blocks (slot 0 from height 1, slot 1 from 7, both counting to 12).
func liveGenesis(t testing.TB) []byte {
	t.Helper()
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(storeGenesis(t), &parts); err != nil {
		t.Fatal(err)
	}
	bg := balance.DefaultGenesis()
	if err := json.Unmarshal(parts["balance"], &bg); err != nil {
		t.Fatal(err)
	}
	ccnOwner, staker := apptest.Address(apptest.Key("ccn")), apptest.Address(apptest.Key("staker"))
	bg.Balances = append(bg.Balances, balance.Entry{Address: ccnOwner, Amount: "300000000000000000000000"},
		balance.Entry{Address: staker, Amount: "600000000000000000000000"})
	ng := node.DefaultGenesis()
	if err := json.Unmarshal(parts["node"], &ng); err != nil {
		t.Fatal(err)
	}
	ccn := &pb.NodeRecord{Hash: "ccn", Kind: pb.NodeKind_NODE_KIND_CORE, Owner: ccnOwner, Multiaddress: "/ip4/10.0.0.1/tcp/4025"}
	add := func(n *pb.NodeRecord) {
		b, err := protojson.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		ng.Nodes = append(ng.Nodes, b)
	}
	for _, h := range []string{"crn-0", "crn-1", "crn-2", "crn-idle"} {
		if h != "crn-idle" {
			ccn.ResourceNodes = append(ccn.ResourceNodes, h)
		}
		k := liveKey(t, h)
		add(&pb.NodeRecord{Hash: h, Kind: pb.NodeKind_NODE_KIND_RESOURCE, Owner: staker, Type: "compute",
			Address: "https://" + h + ".example", Pubkey: crypto.CompressPubkey(&k.PublicKey)})
	}
	add(ccn)
	ng.Stakes = append(ng.Stakes, node.GenesisStake{Staker: staker, Nodes: []string{"ccn"}})
	rg := resource.DefaultGenesis()
	rg.Params.Enabled = true
	rg.Params.EpochBlocks, rg.Params.ProofWindowBlocks, rg.Params.ProbesPerEpoch = 12, 6, 2
	for name, v := range map[string]any{"balance": bg, "node": ng, "resource": rg} {
		parts[name], _ = json.Marshal(v)
	}
	doc, _ := json.Marshal(parts)
	return doc
}

// liveTest is a chain of 4 validators of power 10 over liveGenesis, with
// the nonces of the slots it has seen open.
type liveTest struct {
	*valChain
	vals   []testValidator
	nonces map[[2]uint64][]byte
}

func newLiveTest(t *testing.T) *liveTest {
	vals := []testValidator{newTestValidator("A", 10), newTestValidator("B", 10), newTestValidator("C", 10), newTestValidator("D", 10)}
	return &liveTest{valChain: newValChainWith(t, liveGenesis(t), vals...), vals: vals, nonces: map[[2]uint64][]byte{}}
}

// next commits an honest block, then learns the open slots' nonces.
func (c *liveTest) next() {
	c.t.Helper()
	c.commit(c.propose())
	targets, err := c.s.ProbeTargets()
	if err != nil {
		c.t.Fatal(err)
	}
	for _, tg := range targets {
		c.nonces[[2]uint64{tg.Epoch, uint64(tg.Slot)}] = tg.Nonce
	}
}

// answer is crn's valid answer to slot (epoch, slot), signed with the
// nonce the chain recorded.
func (c *liveTest) answer(crn string, epoch uint64, slot uint32) *pb.ProbeAnswer {
	c.t.Helper()
	nonce := c.nonces[[2]uint64{epoch, uint64(slot)}]
	if nonce == nil {
		c.t.Fatalf("no nonce seen for slot %d/%d", epoch, slot)
	}
	sig, err := resource.SignProbe(liveKey(c.t, crn), testChainID, crn, epoch, slot, nonce)
	if err != nil {
		c.t.Fatal(err)
	}
	return &pb.ProbeAnswer{Node: crn, Epoch: epoch, Slot: slot, Signature: sig}
}

// vote makes the first n validators carry answers in their next
// extensions, and the others none.
func (c *liveTest) vote(n int, answers ...*pb.ProbeAnswer) {
	for i, v := range c.vals {
		var ext []byte
		if i < n {
			ext = attest.EncodeVote(&pb.VoteExtension{Probes: answers})
		}
		c.exts[string(v.address())] = ext
	}
}

// record is the attestation record an honest proposer heads p with.
func record(t *testing.T, p *abcitypes.RequestProcessProposal) *pb.Attestation {
	t.Helper()
	rec := app.DecodeAttestation(p.Txs[0])
	if rec == nil {
		t.Fatal("the proposal has no record")
	}
	return rec
}

// refusesLive checks that p with its record's live slots replaced by live
// is refused as a record mismatch.
func (c *liveTest) refusesLive(t *testing.T, name string, p *abcitypes.RequestProcessProposal, live ...*pb.ProbeSlot) {
	t.Helper()
	rec := record(t, p)
	rec.Live = live
	forged := &abcitypes.RequestProcessProposal{Height: p.Height, Txs: append([][]byte{app.EncodeAttestation(rec)}, p.Txs[1:]...), ProposedLastCommit: p.ProposedLastCommit, Time: p.Time}
	ok, err := c.verdict(forged)
	if ok || !errors.Is(err, attest.ErrRecordMismatch) {
		t.Errorf("%s: accepted %v, %v", name, ok, err)
	}
}

func slotOf(node string, epoch uint64, slot uint32) *pb.ProbeSlot {
	return &pb.ProbeSlot{Node: node, Epoch: epoch, Slot: slot}
}

func liveOf(t *testing.T, p *abcitypes.RequestProcessProposal) string {
	t.Helper()
	var out []string
	for _, s := range record(t, p).Live {
		out = append(out, fmt.Sprintf("%s/%d/%d", s.Node, s.Epoch, s.Slot))
	}
	return fmt.Sprint(out)
}

// TestLivenessForgedRecords: a record's live slots are exactly what more
// than 2/3 of the power answered validly in its evidence. A proposer
// claiming a slot up without 2/3, on forged signatures, for a node that
// is no member, for a closed slot or one already up, dropping, changing
// or reordering backed slots, is refused; the honest record is accepted,
// the slots it names are up, and the epoch's close puts them in the
// nodes' windows.
func TestLivenessForgedRecords(t *testing.T) {
	c := newLiveTest(t)
	c.next() // height 1: epoch 0 and slot 0 open
	if tg, _ := c.s.ProbeTargets(); len(tg) != 3 || tg[0].Node != "crn-0" || tg[0].URL != "https://crn-0.example" || tg[0].Until != 12 {
		t.Fatalf("targets after height 1: %+v", tg)
	}

	// 3 of 4 answer for crn-0, 2 of 4 for crn-1; all 4 carry a forged
	// answer for crn-2 and a valid one for crn-idle (no member).
	forged := c.answer("crn-2", 0, 0)
	forged.Signature[10] ^= 1
	a0, a1, idle := c.answer("crn-0", 0, 0), c.answer("crn-1", 0, 0), c.answer("crn-idle", 0, 0)
	for i, v := range c.vals {
		ext := &pb.VoteExtension{Probes: []*pb.ProbeAnswer{forged, idle}}
		if i < 3 {
			ext.Probes = append(ext.Probes, a0)
		}
		if i < 2 {
			ext.Probes = append(ext.Probes, a1)
		}
		c.exts[string(v.address())] = attest.EncodeVote(ext)
	}
	c.next() // height 2: its votes carry the answers
	p := c.propose()
	if got := liveOf(t, p); got != "[crn-0/0/0]" {
		t.Fatalf("the honest record: %s", got)
	}
	c.refusesLive(t, "a slot up without 2/3 of the power", p, slotOf("crn-0", 0, 0), slotOf("crn-1", 0, 0))
	c.refusesLive(t, "forged signatures", p, slotOf("crn-0", 0, 0), slotOf("crn-2", 0, 0))
	c.refusesLive(t, "a node that is no member", p, slotOf("crn-0", 0, 0), slotOf("crn-idle", 0, 0))
	c.refusesLive(t, "a backed slot dropped", p)
	c.refusesLive(t, "a backed slot changed", p, slotOf("crn-0", 0, 1))
	c.refusesLive(t, "a slot not open", p, slotOf("crn-0", 0, 0), slotOf("crn-0", 0, 1))
	c.refusesLive(t, "a backed slot twice", p, slotOf("crn-0", 0, 0), slotOf("crn-0", 0, 0))
	c.commit(p) // height 3: crn-0 is up in slot 0; the same answers ride again
	if tg, _ := c.s.ProbeTargets(); len(tg) != 2 || tg[0].Node != "crn-1" {
		t.Fatalf("targets once crn-0 is up: %+v", tg)
	}
	p = c.propose()
	if got := liveOf(t, p); got != "[]" {
		t.Fatalf("answers for a slot already up: %s", got)
	}
	c.refusesLive(t, "a slot already up", p, slotOf("crn-0", 0, 0))

	// Two slots backed by all: reordered, they are refused.
	c.vote(4, c.answer("crn-1", 0, 0), c.answer("crn-2", 0, 0))
	c.commit(p)
	p = c.propose()
	if got := liveOf(t, p); got != "[crn-1/0/0 crn-2/0/0]" {
		t.Fatalf("two backed slots: %s", got)
	}
	c.refusesLive(t, "backed slots reordered", p, slotOf("crn-2", 0, 0), slotOf("crn-1", 0, 0))
	c.vote(0)
	c.commit(p)
	for c.height < 8 { // slot 1 opens at height 7
		c.next()
	}
	// Slot 1: crn-0 answered by 3 of 4 again; crn-1 and crn-2 by none.
	c.vote(3, c.answer("crn-0", 0, 1))
	c.next()
	c.vote(0)
	c.next()
	for c.height < 12 {
		c.next()
	}
	// Epoch 0 closed at 12: its slots closed with it.
	late := c.answer("crn-1", 0, 1)
	c.vote(4, late)
	c.next() // 13
	p = c.propose()
	if got := liveOf(t, p); got != "[]" {
		t.Fatalf("answers to a closed epoch's slot: %s", got)
	}
	c.refusesLive(t, "a closed slot", p, slotOf("crn-1", 0, 1))
	c.vote(0)
	c.commit(p)

	for crn, want := range map[string][2]uint32{"crn-0": {2, 2}, "crn-1": {2, 1}, "crn-2": {2, 1}} {
		res, err := c.s.app.Query(app.PathResourceScore, []byte(crn), 0, false)
		if err != nil {
			t.Fatal(err)
		}
		var v app.ResourceScoreView
		if err := json.Unmarshal(res.Value, &v); err != nil || len(v.Epochs) != 1 {
			t.Fatalf("%s: %s %v", crn, res.Value, err)
		}
		if e := v.Epochs[0]; e.Slots != want[0] || e.Up != want[1] {
			t.Errorf("%s: epoch 0 had %d slots, %d up; want %d, %d", crn, e.Slots, e.Up, want[0], want[1])
		}
	}
	if res, err := c.s.app.Query(app.PathResourceScore, []byte("crn-idle"), 0, false); err != nil || string(res.Value) != "null" {
		t.Fatalf("crn-idle, no member, was scored: %s %v", res.Value, err)
	}
}

// TestLivenessExtensionBounds: VerifyVoteExtension refuses an extension
// with more answers than MaxVoteProbes, an answer outside the bounds, or
// answers in a non-canonical encoding, and accepts their honest twins.
func TestLivenessExtensionBounds(t *testing.T) {
	c := newLiveTest(t)
	c.next()
	a := c.answer("crn-0", 0, 0)
	many := make([]*pb.ProbeAnswer, attest.MaxVoteProbes+1)
	for i := range many {
		many[i] = a
	}
	if ext := attest.EncodeVote(&pb.VoteExtension{Probes: many[:attest.MaxVoteProbes]}); !c.verifyExt(ext) {
		t.Fatalf("%d answers refused", attest.MaxVoteProbes)
	}
	if ext := attest.EncodeVote(&pb.VoteExtension{Probes: many}); c.verifyExt(ext) {
		t.Fatalf("%d answers accepted", len(many))
	}
	for name, bad := range map[string]*pb.ProbeAnswer{
		"a 65-byte signature": {Node: "crn-0", Signature: make([]byte, 65)},
		"no signature":        {Node: "crn-0"},
		"a 129-byte node":     {Node: string(bytes.Repeat([]byte("n"), 129)), Signature: make([]byte, 64)},
	} {
		if c.verifyExt(attest.EncodeVote(&pb.VoteExtension{Probes: []*pb.ProbeAnswer{bad}})) {
			t.Errorf("%s accepted", name)
		}
	}
	canonical := attest.EncodeVote(&pb.VoteExtension{Probes: []*pb.ProbeAnswer{a}})
	inner, err := proto.MarshalOptions{Deterministic: true}.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	wrap := func(inner []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, 3, protowire.BytesType), inner)
	}
	if !bytes.Equal(wrap(inner), canonical) || !c.verifyExt(canonical) {
		t.Fatal("the hand-made encoding is not the canonical one, or it is refused")
	}
	twice := append(bytes.Clone(inner), protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte("crn-0"))...)
	unknown := protowire.AppendVarint(protowire.AppendTag(bytes.Clone(inner), 9, protowire.VarintType), 1)
	for name, ext := range map[string][]byte{
		"a field repeated": wrap(twice),
		"an unknown field": wrap(unknown),
	} {
		if c.verifyExt(ext) {
			t.Errorf("%s accepted", name)
		}
	}

	// ExtendVote carries what the prober gives, within the bounds.
	c.s.SetProber(fixedProber{a, {Node: "crn-1", Signature: make([]byte, 3)}})
	res, err := c.s.ExtendVote(t.Context(), &abcitypes.RequestExtendVote{Height: c.height + 1})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := attest.DecodeVote(res.VoteExtension)
	if err != nil || len(ext.Probes) != 1 || !proto.Equal(ext.Probes[0], a) || !c.verifyExt(res.VoteExtension) {
		t.Fatalf("extension with the prober's answers: %v %v", ext, err)
	}
	c.s.SetProber(panicProber{})
	if res, err := c.s.ExtendVote(t.Context(), &abcitypes.RequestExtendVote{Height: c.height + 1}); err != nil || len(res.VoteExtension) != 0 {
		t.Fatalf("a panicking prober: %x %v", res.GetVoteExtension(), err)
	}
}

type fixedProber []*pb.ProbeAnswer

func (p fixedProber) Answers(limit int) []*pb.ProbeAnswer { return p[:min(limit, len(p))] }

type panicProber struct{}

func (panicProber) Answers(int) []*pb.ProbeAnswer { panic("prober bug") }
