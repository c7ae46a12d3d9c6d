package abci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	alephclient "github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/message"
)

// The tests here drive the adapter as CometBFT would, with validators whose
// keys they hold: each height, every validator of the height before signs
// its vote extension, and the test hands that extended commit to
// PrepareProposal and the block it makes to ProcessProposal. A proposer
// that lies is the same proposal, altered on its way to ProcessProposal.

const testChainID = "attest-test"

// testValidator is a validator whose consensus key the test holds.
type testValidator struct {
	key   ed25519.PrivKey
	power int64
}

func newTestValidator(seed string, power int64) testValidator {
	return testValidator{key: ed25519.GenPrivKeyFromSecret([]byte(seed)), power: power}
}

func (v testValidator) address() []byte { return v.key.PubKey().Address() }

func (v testValidator) update(power int64) app.Validator {
	pk := v.key.PubKey().Bytes()
	return app.Validator{Address: app.Ed25519Address(pk), PubKeyType: app.PubKeyEd25519, PubKey: pk, Power: power}
}

// valChain is an adapter over a fresh app, with the validator sets that
// sign each height as CometBFT would apply them: updates made at height h
// sign from h+2 on.
type valChain struct {
	t      testing.TB
	s      *Application
	height int64 // last committed
	sets   map[int64][]testValidator
	// updates are what the test module makes each height (by height).
	updates map[int64][]app.Validator
	// last is the extended commit of the last committed height.
	last abcitypes.ExtendedCommitInfo
	// exts are the extensions each validator (by address) votes next.
	exts map[string][]byte
}

func newValChain(t testing.TB, vals ...testValidator) *valChain {
	t.Helper()
	return newValChainWith(t, storeGenesis(t), vals...)
}

// newValChainWith is newValChain over the genesis app_state appState.
func newValChainWith(t testing.TB, appState []byte, vals ...testValidator) *valChain {
	t.Helper()
	c := &valChain{t: t, sets: map[int64][]testValidator{1: vals, 2: vals}, updates: map[int64][]app.Validator{}, exts: map[string][]byte{}}
	changer := app.Module{Name: "validator-changer", EndBlock: func(_ state.KV, b app.Block, out *app.BlockEffects) error {
		out.ValidatorUpdates = append(out.ValidatorUpdates, c.updates[b.Height]...)
		return nil
	}}
	store, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(store, app.Options{Modules: []app.Module{changer}})
	if err != nil {
		t.Fatal(err)
	}
	c.s = New(a, Snapshots{})
	var genesis []abcitypes.ValidatorUpdate
	for _, v := range vals {
		genesis = append(genesis, abcitypes.ValidatorUpdate{PubKey: cmtcrypto.PublicKey{Sum: &cmtcrypto.PublicKey_Ed25519{Ed25519: v.key.PubKey().Bytes()}}, Power: v.power})
	}
	if _, err := c.s.InitChain(context.Background(), &abcitypes.RequestInitChain{
		ChainId: testChainID, InitialHeight: 1, Time: time.Now(), AppStateBytes: appState, Validators: genesis,
		ConsensusParams: &cmtproto.ConsensusParams{Abci: &cmtproto.ABCIParams{VoteExtensionsEnableHeight: 1}},
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// storeGenesis is a dev genesis whose STOREs may wait 20 blocks.
func storeGenesis(t testing.TB) []byte {
	var g map[string]json.RawMessage
	if err := json.Unmarshal(app.DevGenesis(), &g); err != nil {
		t.Fatal(err)
	}
	mg := message.DefaultGenesis()
	mg.Params.StoreAttestBlocks = 20
	g["message"], _ = json.Marshal(mg)
	doc, _ := json.Marshal(g)
	return doc
}

// set is the validator set that signs height h.
func (c *valChain) set(h int64) []testValidator {
	for ; h > 0; h-- {
		if s, ok := c.sets[h]; ok {
			return s
		}
	}
	c.t.Fatalf("no validator set for height %d", h)
	return nil
}

// sign makes the extended commit of height h, round round: every validator
// of h votes for the block with its extension in exts.
func (c *valChain) sign(h int64, round int32, vals []testValidator, exts map[string][]byte) abcitypes.ExtendedCommitInfo {
	ec := abcitypes.ExtendedCommitInfo{Round: round}
	for _, v := range vals {
		ext := exts[string(v.address())]
		sig, err := v.key.Sign(cmttypes.VoteExtensionSignBytes(testChainID, &cmtproto.Vote{Type: cmtproto.PrecommitType, Height: h, Round: round, Extension: ext}))
		if err != nil {
			c.t.Fatal(err)
		}
		ec.Votes = append(ec.Votes, abcitypes.ExtendedVoteInfo{
			Validator:   abcitypes.Validator{Address: v.address(), Power: v.power},
			BlockIdFlag: cmtproto.BlockIDFlagCommit, VoteExtension: ext, ExtensionSignature: sig,
		})
	}
	return ec
}

// propose is the block an honest proposer of the next height makes.
func (c *valChain) propose(txs ...[]byte) *abcitypes.RequestProcessProposal {
	c.t.Helper()
	h := c.height + 1
	res, err := c.s.PrepareProposal(context.Background(), &abcitypes.RequestPrepareProposal{
		Height: h, Txs: txs, MaxTxBytes: app.MaxBlockBytes, LocalLastCommit: c.last, Time: time.Now(),
	})
	if err != nil {
		c.t.Fatalf("prepare %d: %v", h, err)
	}
	return &abcitypes.RequestProcessProposal{Height: h, Txs: res.Txs, ProposedLastCommit: commitInfoOf(c.last), Time: time.Now()}
}

// verdict is ProcessProposal's answer to p, and the error behind a refusal.
func (c *valChain) verdict(p *abcitypes.RequestProcessProposal) (bool, error) {
	c.t.Helper()
	res, err := c.s.ProcessProposal(context.Background(), p)
	if err != nil {
		c.t.Fatalf("process %d returned an error: %v", p.Height, err)
	}
	return res.Status == abcitypes.ResponseProcessProposal_ACCEPT, c.s.checkProposal(p.Height, p.Txs, p.ProposedLastCommit)
}

// commit runs an accepted proposal and signs the height's extended commit
// with the extensions in c.exts.
func (c *valChain) commit(p *abcitypes.RequestProcessProposal) *abcitypes.ResponseFinalizeBlock {
	c.t.Helper()
	if ok, err := c.verdict(p); !ok {
		c.t.Fatalf("an honest proposal at %d was refused: %v", p.Height, err)
	}
	res, err := c.s.FinalizeBlock(context.Background(), &abcitypes.RequestFinalizeBlock{Height: p.Height, Txs: p.Txs, Time: p.Time})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.s.Commit(context.Background(), &abcitypes.RequestCommit{}); err != nil {
		c.t.Fatal(err)
	}
	c.height = p.Height
	if len(res.ValidatorUpdates) > 0 { // CometBFT applies them from height+2
		next := slices.Clone(c.set(c.height + 1))
		for _, u := range res.ValidatorUpdates {
			addr := ed25519.PubKey(u.PubKey.GetEd25519()).Address()
			at := slices.IndexFunc(next, func(v testValidator) bool { return bytes.Equal(v.address(), addr) })
			switch {
			case u.Power == 0:
				next = slices.Delete(next, at, at+1)
			case at >= 0:
				next[at].power = u.Power
			default:
				next = append(next, c.byAddress(addr, u.Power))
			}
		}
		c.sets[c.height+2] = next
	}
	c.last = c.sign(c.height, 0, c.set(c.height), c.exts)
	return res
}

// known are the validators a test may add, by address.
var known []testValidator

func (c *valChain) byAddress(addr []byte, power int64) testValidator {
	for _, v := range known {
		if bytes.Equal(v.address(), addr) {
			v.power = power
			return v
		}
	}
	c.t.Fatalf("unknown validator %X", addr)
	return testValidator{}
}

// attestAll makes every validator attest file next.
func (c *valChain) attestAll(vals []testValidator, files ...*pb.AttestedFile) {
	ext := attest.EncodeVote(&pb.VoteExtension{Files: files})
	for _, v := range vals {
		c.exts[string(v.address())] = ext
	}
}

// pendingStore commits a block with a new STORE and returns it.
func (c *valChain) pendingStore(name string) *pb.AlephMessage {
	c.t.Helper()
	m, err := alephclient.Sign(apptest.Key(name), alephclient.Store("TEST", strings.Repeat("ab", 32), "storage", 0))
	if err != nil {
		c.t.Fatal(err)
	}
	res := c.commit(c.propose(app.EncodeTx(m)))
	if r := res.TxResults[len(res.TxResults)-1]; r.Code != 0 {
		c.t.Fatalf("STORE refused: %s", r.Log)
	}
	return m
}

func (c *valChain) status(hash string) string {
	c.t.Helper()
	res, err := c.s.app.Query(app.PathMessage, []byte(hash), 0, false)
	if err != nil {
		c.t.Fatal(err)
	}
	rec, err := app.DecodeMessageRecord(res.Value)
	if err != nil {
		c.t.Fatal(err)
	}
	return message.StatusName(rec.Status)
}

// TestValidatorSetChangeMidChain: a module changes the set at height 3 (E
// joins, A leaves); from height 5 on the new set signs. Records keep
// verifying across the change, each against the set of its own height, and
// a record whose evidence the removed validator signed is refused.
func TestValidatorSetChangeMidChain(t *testing.T) {
	a, b, cv, d, e := newTestValidator("A", 10), newTestValidator("B", 10), newTestValidator("C", 10), newTestValidator("D", 10), newTestValidator("E", 10)
	known = []testValidator{a, b, cv, d, e}
	c := newValChain(t, a, b, cv, d)
	c.updates[3] = []app.Validator{e.update(10), a.update(0)}

	c.commit(c.propose()) // 1: no last commit, no record
	store := c.pendingStore("alice")
	c.commit(c.propose()) // 3
	if got := c.set(5); len(got) != 4 || !slices.ContainsFunc(got, func(v testValidator) bool { return bytes.Equal(v.address(), e.address()) }) ||
		slices.ContainsFunc(got, func(v testValidator) bool { return bytes.Equal(v.address(), a.address()) }) {
		t.Fatalf("FinalizeBlock at 3 did not return E joining and A leaving: the set of 5 has %d validators", len(got))
	}
	for c.height < 5 {
		c.commit(c.propose())
	}
	// Height 5 was signed by B, C, D, E. Every one attests the file; the
	// record of height 6 carries it, checked against the set of 5.
	file := &pb.AttestedFile{ItemHash: store.ItemHash, Size: 64}
	c.attestAll(c.set(5), file)
	c.last = c.sign(5, 0, c.set(5), c.exts)
	p := c.propose()
	rec := app.DecodeAttestation(p.Txs[0])
	if rec == nil || len(rec.Files) != 1 || rec.Files[0].ItemHash != store.ItemHash {
		t.Fatalf("the proposal does not open with the attested file: %v", rec)
	}
	// The removed validator's signature in place of E's: refused, even with
	// a last commit that names it.
	old := c.sign(5, 0, []testValidator{a, b, cv, d}, c.exts)
	forged := &abcitypes.RequestProcessProposal{Height: 6, ProposedLastCommit: commitInfoOf(old),
		Txs: [][]byte{app.EncodeAttestation(&pb.Attestation{Files: rec.Files, ExtendedCommit: mustMarshal(t, old)})}}
	if ok, err := c.verdict(forged); ok || !strings.Contains(errString(err), "did not sign height 5") {
		t.Fatalf("a record signed by a removed validator: accepted %v (%v)", ok, err)
	}
	c.commit(p)
	if got := c.status(store.ItemHash); got != "processed" {
		t.Fatalf("the STORE attested under the new set is %s", got)
	}
}

func mustMarshal(t *testing.T, ec abcitypes.ExtendedCommitInfo) []byte {
	t.Helper()
	b, err := ec.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// forgery alters an honest proposal (its record's evidence, its last
// commit, its transactions) the way a lying proposer might.
type forgery struct {
	name string
	// want is a piece of the refusal's words: the check that refuses it.
	want  string
	alter func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal)
}

// withEvidence re-encodes p's record with ec changed by f.
func withEvidence(f func(c *valChain, ec *abcitypes.ExtendedCommitInfo)) func(*testing.T, *valChain, *abcitypes.RequestProcessProposal) {
	return func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal) {
		rec := app.DecodeAttestation(p.Txs[0])
		var ec abcitypes.ExtendedCommitInfo
		if err := ec.Unmarshal(rec.ExtendedCommit); err != nil {
			t.Fatal(err)
		}
		f(c, &ec)
		rec.ExtendedCommit = mustMarshal(t, ec)
		p.Txs[0] = app.EncodeAttestation(rec)
	}
}

// withRecord changes p's record's claims.
func withRecord(f func(rec *pb.Attestation)) func(*testing.T, *valChain, *abcitypes.RequestProcessProposal) {
	return func(t *testing.T, _ *valChain, p *abcitypes.RequestProcessProposal) {
		rec := app.DecodeAttestation(p.Txs[0])
		f(rec)
		p.Txs[0] = app.EncodeAttestation(rec)
	}
}

// TestProcessProposalRefusesForgedEvidence: each way a proposer may lie
// about the vote extensions is refused, by the check named in want; the
// honest proposal it starts from is accepted.
func TestProcessProposalRefusesForgedEvidence(t *testing.T) {
	a, b, cv, d := newTestValidator("A", 10), newTestValidator("B", 20), newTestValidator("C", 30), newTestValidator("D", 40)
	vals := []testValidator{a, b, cv, d}
	forgeries := []forgery{
		{"forged extension signature", "does not verify", withEvidence(func(_ *valChain, ec *abcitypes.ExtendedCommitInfo) {
			ec.Votes[1].ExtensionSignature[0] ^= 1
		})},
		{"extension swapped under a signature", "does not verify", withEvidence(func(_ *valChain, ec *abcitypes.ExtendedCommitInfo) {
			ec.Votes[2].VoteExtension = attest.EncodeVote(&pb.VoteExtension{Files: []*pb.AttestedFile{{ItemHash: "cafe", Size: 1}}})
		})},
		{"extension dropped", "does not verify", withEvidence(func(_ *valChain, ec *abcitypes.ExtendedCommitInfo) {
			ec.Votes[3].VoteExtension = nil
		})},
		{"signature replayed from the height before", "does not verify", withEvidence(func(c *valChain, ec *abcitypes.ExtendedCommitInfo) {
			replay := c.sign(c.height-1, 0, vals, c.exts)
			ec.Votes[0].ExtensionSignature = replay.Votes[0].ExtensionSignature
		})},
		{"evidence signed for the wrong height", "does not verify", withEvidence(func(c *valChain, ec *abcitypes.ExtendedCommitInfo) {
			*ec = c.sign(c.height+1, 0, vals, c.exts)
		})},
		{"evidence of another round", "round 1", withEvidence(func(c *valChain, ec *abcitypes.ExtendedCommitInfo) {
			*ec = c.sign(c.height, 1, vals, c.exts)
		})},
		{"inflated power in the evidence", "not the last commit's", withEvidence(func(_ *valChain, ec *abcitypes.ExtendedCommitInfo) {
			ec.Votes[0].Validator.Power = 1000
		})},
		{"inflated power in evidence and last commit", "has power 1000, not 10", func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal) {
			withEvidence(func(_ *valChain, ec *abcitypes.ExtendedCommitInfo) { ec.Votes[0].Validator.Power = 1000 })(t, c, p)
			p.ProposedLastCommit.Votes[0].Validator.Power = 1000
		}},
		{"votes reordered", "not the last commit's", withEvidence(func(_ *valChain, ec *abcitypes.ExtendedCommitInfo) {
			ec.Votes[0], ec.Votes[1] = ec.Votes[1], ec.Votes[0]
		})},
		{"a validator left out", "3 votes", func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal) {
			withEvidence(func(_ *valChain, ec *abcitypes.ExtendedCommitInfo) { ec.Votes = ec.Votes[:3] })(t, c, p)
			p.ProposedLastCommit.Votes = p.ProposedLastCommit.Votes[:3]
		}},
		{"a validator that never was", "did not sign height", func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal) {
			stranger := newTestValidator("stranger", 10)
			withEvidence(func(c *valChain, ec *abcitypes.ExtendedCommitInfo) {
				*ec = c.sign(c.height, 0, []testValidator{stranger, b, cv, d}, c.exts)
			})(t, c, p)
			p.ProposedLastCommit.Votes[0].Validator.Address = stranger.address()
		}},
		{"a validator voting twice", "votes twice", func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal) {
			withEvidence(func(c *valChain, ec *abcitypes.ExtendedCommitInfo) {
				*ec = c.sign(c.height, 0, []testValidator{a, a, cv, d}, c.exts)
			})(t, c, p)
			p.ProposedLastCommit.Votes[1].Validator = p.ProposedLastCommit.Votes[0].Validator
		}},
		{"a nil vote carrying an extension", "did not vote for the block", func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal) {
			withEvidence(func(_ *valChain, ec *abcitypes.ExtendedCommitInfo) { ec.Votes[0].BlockIdFlag = cmtproto.BlockIDFlagNil })(t, c, p)
			p.ProposedLastCommit.Votes[0].BlockIdFlag = cmtproto.BlockIDFlagNil
		}},
		{"evidence that does not decode", "does not decode", func(_ *testing.T, _ *valChain, p *abcitypes.RequestProcessProposal) {
			rec := app.DecodeAttestation(p.Txs[0])
			rec.ExtendedCommit = []byte{0xff, 0xff, 0xff}
			p.Txs[0] = app.EncodeAttestation(rec)
		}},
		{"a file added", "lists 2 files, the evidence attests 1", withRecord(func(rec *pb.Attestation) {
			rec.Files = append(rec.Files, &pb.AttestedFile{ItemHash: "ffff", Size: 1})
		})},
		{"the file dropped", "lists 0 files, the evidence attests 1", withRecord(func(rec *pb.Attestation) { rec.Files = nil })},
		{"the file resized", "file 0 is", withRecord(func(rec *pb.Attestation) { rec.Files[0].Size++ })},
		{"the record missing", "does not open with the attestation record", func(_ *testing.T, _ *valChain, p *abcitypes.RequestProcessProposal) {
			p.Txs = p.Txs[1:]
		}},
		{"the record not first", "transaction 1 is an attestation record", func(t *testing.T, _ *valChain, p *abcitypes.RequestProcessProposal) {
			m, _ := alephclient.Sign(apptest.Key("bob"), alephclient.Post("TEST", "note", "x", ""))
			p.Txs = [][]byte{app.EncodeTx(m), p.Txs[0]}
		}},
		{"an extra record", "transaction 1 is an attestation record", func(_ *testing.T, _ *valChain, p *abcitypes.RequestProcessProposal) {
			p.Txs = [][]byte{p.Txs[0], p.Txs[0]}
		}},
	}
	for _, f := range forgeries {
		t.Run(f.name, func(t *testing.T) {
			c := newValChain(t, vals...)
			c.commit(c.propose())
			store := c.pendingStore("alice")
			c.attestAll(vals, &pb.AttestedFile{ItemHash: store.ItemHash, Size: 64})
			c.last = c.sign(c.height, 0, vals, c.exts)
			honest := c.propose()
			if ok, err := c.verdict(honest); !ok {
				t.Fatalf("the honest proposal was refused: %v", err)
			}
			if rec := app.DecodeAttestation(honest.Txs[0]); rec == nil || len(rec.Files) != 1 {
				t.Fatalf("the honest proposal does not attest the file: %v", rec)
			}
			f.alter(t, c, honest)
			ok, err := c.verdict(honest)
			if ok || !errors.Is(err, errRefused) || !strings.Contains(err.Error(), f.want) {
				t.Fatalf("accepted %v, refused with %v; want a refusal saying %q", ok, err, f.want)
			}
		})
	}
}

// TestRecordOnlyWithVoteExtensions: the chain's first block has no last
// commit, so a record there is refused; so is one on a chain whose votes
// carry no extensions.
func TestRecordOnlyWithVoteExtensions(t *testing.T) {
	c := newValChain(t, newTestValidator("A", 10))
	p := c.propose()
	if len(p.Txs) != 0 {
		t.Fatalf("the first block has %d transactions; want no record", len(p.Txs))
	}
	p.Txs = [][]byte{app.EncodeAttestation(&pb.Attestation{})}
	if ok, err := c.verdict(p); ok || !strings.Contains(errString(err), "carry no vote extensions") {
		t.Fatalf("a record in the first block: accepted %v (%v)", ok, err)
	}
}

// panickingAttester stands for a bug in the node's fetcher.
type panickingAttester struct{}

func (panickingAttester) Verified([]message.PendingStore) []*pb.AttestedFile { panic("fetcher bug") }

// TestVoteExtensionCallsNeverFail: a panic under ExtendVote is an empty
// extension, a malformed extension a refusal, neither an error (CometBFT
// v0.38 panics on an error from either).
func TestVoteExtensionCallsNeverFail(t *testing.T) {
	c := newValChain(t, newTestValidator("A", 10))
	c.commit(c.propose())
	c.pendingStore("alice")
	c.s.SetAttester(panickingAttester{})
	res, err := c.s.ExtendVote(context.Background(), &abcitypes.RequestExtendVote{Height: c.height + 1})
	if err != nil || len(res.VoteExtension) != 0 {
		t.Fatalf("ExtendVote under a panicking fetcher: %v, %x", err, res.GetVoteExtension())
	}
	for _, ext := range [][]byte{{0xff, 0x01}, attest.EncodeVote(&pb.VoteExtension{Files: make([]*pb.AttestedFile, attest.MaxVoteFiles+1)})} {
		v, err := c.s.VerifyVoteExtension(context.Background(), &abcitypes.RequestVerifyVoteExtension{VoteExtension: ext})
		if err != nil || v.Status != abcitypes.ResponseVerifyVoteExtension_REJECT {
			t.Fatalf("VerifyVoteExtension(%x): %v, %v", ext[:2], v.GetStatus(), err)
		}
	}
	// An adapter whose app is missing panics on its first read: the
	// proposal calls answer anyway, PrepareProposal with the mempool's
	// transactions and no record, ProcessProposal with a refusal.
	broken := New(nil, Snapshots{})
	m, _ := alephclient.Sign(apptest.Key("bob"), alephclient.Post("TEST", "note", "x", ""))
	tx := app.EncodeTx(m)
	prep, err := broken.PrepareProposal(context.Background(), &abcitypes.RequestPrepareProposal{Height: 5, Txs: [][]byte{tx}, MaxTxBytes: app.MaxBlockBytes, LocalLastCommit: c.last})
	if err != nil || len(prep.Txs) != 1 || !bytes.Equal(prep.Txs[0], tx) {
		t.Fatalf("PrepareProposal that panicked: %v, %d txs", err, len(prep.GetTxs()))
	}
	proc, err := broken.ProcessProposal(context.Background(), &abcitypes.RequestProcessProposal{Height: 5, Txs: prep.Txs, ProposedLastCommit: commitInfoOf(c.last)})
	if err != nil || proc.Status != abcitypes.ResponseProcessProposal_REJECT {
		t.Fatalf("ProcessProposal that panicked: %v, %v", proc.GetStatus(), err)
	}
}

// TestProposalFitsABlock: a mempool reap that fills the block to
// MaxTxBytes, as CometBFT's counts it (the Data protobuf, tags and lengths
// included), still makes a proposal CometBFT accepts once the record goes
// first: transactions are dropped from the end to make room. (A proposal
// over the limit halts a CometBFT v0.38 node: "transaction data size
// exceeds maximum".)
func TestProposalFitsABlock(t *testing.T) {
	vals := []testValidator{newTestValidator("A", 10)}
	c := newValChain(t, vals...)
	c.commit(c.propose())
	var reap []cmttypes.Tx
	for i := 0; ; i++ {
		m, err := alephclient.Sign(apptest.Key("bob"), alephclient.Post("TEST", "note", strings.Repeat("x", 100+i%7), ""))
		if err != nil {
			t.Fatal(err)
		}
		if reap = append(reap, app.EncodeTx(m)); len(reap) == 500 {
			break
		}
	}
	// The reap fills the block exactly.
	maxTxBytes := cmttypes.ComputeProtoSizeForTxs(reap)
	txs := make([][]byte, len(reap))
	for i, tx := range reap {
		txs[i] = tx
	}
	res, err := c.s.PrepareProposal(context.Background(), &abcitypes.RequestPrepareProposal{
		Height: c.height + 1, Txs: txs, MaxTxBytes: maxTxBytes, LocalLastCommit: c.last, Time: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]cmttypes.Tx, len(res.Txs))
	for i, tx := range res.Txs {
		out[i] = tx
	}
	if size := cmttypes.ComputeProtoSizeForTxs(out); size > maxTxBytes {
		t.Fatalf("the proposal takes %d bytes; CometBFT allows %d", size, maxTxBytes)
	}
	if app.DecodeAttestation(res.Txs[0]) == nil || len(res.Txs) >= len(txs)+1 {
		t.Fatalf("the proposal does not open with the record, or drops no transaction to make room: %d of %d", len(res.Txs), len(txs)+1)
	}
}
