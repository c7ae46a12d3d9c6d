package abci

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/balance"
)

// The Ethereum reader here is what each validator's node read of the
// token: ranges by their first block. The tests play Ethereum, not the
// chain: every check below runs on the real adapter and app.

// ethRange is what a reader read of blocks from..to; or, with pages, of
// block from alone, in pages.
type ethRange struct {
	to      uint64
	changes []*pb.EthChange
	pages   [][]*pb.EthChange
}

// update is page of g (the range itself when it has no pages) as a
// record carries it; nil past its last page.
func (g ethRange) update(from uint64, page uint32) *pb.EthUpdate {
	if len(g.pages) == 0 {
		if page != 0 {
			return nil
		}
		return &pb.EthUpdate{From: from, To: g.to, Changes: g.changes}
	}
	if int(page) >= len(g.pages) {
		return nil
	}
	return &pb.EthUpdate{From: from, To: from, Page: page, Pages: uint32(len(g.pages)), Changes: g.pages[page]}
}

// testEthReader is a reader that read ranges.
type testEthReader struct {
	ranges map[uint64]ethRange
	wanted uint64
}

func (r *testEthReader) Want(from uint64) { r.wanted = from }
func (r *testEthReader) Height() uint64   { return 0 }
func (r *testEthReader) Final() uint64    { return 0 }
func (r *testEthReader) Vote(from uint64, page uint32) *pb.EthVote {
	if u := r.ranges[from].update(from, page); u != nil {
		return &pb.EthVote{From: u.From, To: u.To, Digest: balance.EthDigestOf(u), Page: u.Page, Pages: u.Pages}
	}
	return nil
}
func (r *testEthReader) Changes(from, to uint64, digest []byte) ([]*pb.EthChange, bool) {
	g := r.ranges[from]
	for i := uint32(0); ; i++ {
		u := g.update(from, i)
		switch {
		case u == nil:
			return nil, false
		case u.To == to && string(balance.EthDigestOf(u)) == string(digest):
			return u.Changes, true
		}
	}
}

var (
	ethAlice = apptest.Address(apptest.Key("alice"))
	ethBob   = apptest.Address(apptest.Key("bob"))
	ethCarol = apptest.Address(apptest.Key("carol"))
	ethDave  = apptest.Address(apptest.Key("dave"))
)

// ethGenesis is a dev genesis reading a token from block 100 on, ranges of
// at most 10 blocks and 3 changes, alice holding 50 ALEPH on Ethereum.
func ethGenesis(t testing.TB) []byte { return ethGenesisWith(t, nil) }

// ethGenesisWith is ethGenesis with its token params edited.
func ethGenesisWith(t testing.TB, edit func(*balance.EthParams)) []byte {
	var g map[string]json.RawMessage
	if err := json.Unmarshal(storeGenesis(t), &g); err != nil {
		t.Fatal(err)
	}
	bg := balance.DefaultGenesis()
	if err := json.Unmarshal(g["balance"], &bg); err != nil {
		t.Fatal(err)
	}
	bg.Params.Ethereum = &balance.EthParams{ChainID: 1337, Token: "0x5FbDB2315678afecb367f032d93F642f64180aa3", StartBlock: 100,
		Finality: balance.FinalityConfirmations, Confirmations: 2, MaxBlockRange: 10, MaxChanges: 3}
	if edit != nil {
		edit(bg.Params.Ethereum)
	}
	bg.Balances = append(bg.Balances, balance.Entry{Address: ethAlice, Amount: "50000000000000000000", Source: balance.SourceEth})
	g["balance"], _ = json.Marshal(bg)
	doc, _ := json.Marshal(g)
	return doc
}

func ethChange(addr string, delta int64) *pb.EthChange {
	return balance.EthChangeOf(common.HexToAddress(addr), new(big.Int).Mul(big.NewInt(delta), balance.Unit()))
}

// transfer is alice sending bob n ALEPH.
func transfer(n int64) []*pb.EthChange {
	changes := []*pb.EthChange{ethChange(ethAlice, -n), ethChange(ethBob, n)}
	if changes[0].Address > changes[1].Address {
		changes[0], changes[1] = changes[1], changes[0]
	}
	return changes
}

// voteEth makes vals vote v next.
func (c *valChain) voteEth(vals []testValidator, v *pb.EthVote) {
	ext := attest.EncodeVote(&pb.VoteExtension{Eth: v})
	for _, val := range vals {
		c.exts[string(val.address())] = ext
	}
}

func (c *valChain) ethBalance(addr string) string {
	c.t.Helper()
	res, err := c.s.app.Query(app.PathBalance, []byte(addr), 0, false)
	if err != nil {
		c.t.Fatal(err)
	}
	var v struct {
		BalanceAleph string `json:"balance_aleph"`
	}
	if err := json.Unmarshal(res.Value, &v); err != nil {
		c.t.Fatal(err)
	}
	return v.BalanceAleph
}

// TestEthRangeAttested: validators extend their votes with the range their
// readers read; once more than 2/3 of the power vote it, the next block
// carries its changes, and balances move. The next range continues from
// there; a range voted by less than 2/3 enters nothing.
func TestEthRangeAttested(t *testing.T) {
	a, b, cv, d := newTestValidator("A", 10), newTestValidator("B", 10), newTestValidator("C", 10), newTestValidator("D", 10)
	vals := []testValidator{a, b, cv, d}
	c := newValChainWith(t, ethGenesis(t), vals...)
	reader := &testEthReader{ranges: map[uint64]ethRange{101: {to: 110, changes: transfer(20)}, 111: {to: 120, changes: transfer(5)}}}
	c.s.SetEthReader(reader)
	c.commit(c.propose())

	// The proposer's own vote extension is what its reader read.
	res, err := c.s.ExtendVote(t.Context(), &abcitypes.RequestExtendVote{Height: c.height + 1})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := attest.DecodeVote(res.VoteExtension)
	if err != nil || ext.Eth == nil || ext.Eth.From != 101 || ext.Eth.To != 110 || reader.wanted != 101 {
		t.Fatalf("ExtendVote: %v, %v (reader wants %d)", ext, err, reader.wanted)
	}

	c.voteEth(vals, reader.Vote(101, 0))
	c.last = c.sign(c.height, 0, vals, c.exts)
	p := c.propose()
	rec := app.DecodeAttestation(p.Txs[0])
	if rec.GetEth() == nil || rec.Eth.From != 101 || rec.Eth.To != 110 || len(rec.Eth.Changes) != 2 {
		t.Fatalf("the record does not carry blocks 101-110: %v", rec)
	}
	c.exts = map[string][]byte{}
	c.commit(p)
	if got := c.ethBalance(ethAlice) + " " + c.ethBalance(ethBob); got != "30 20" {
		t.Fatalf("alice and bob after 101-110: %s", got)
	}

	// 3 of 4 vote the next range: enough.
	c.voteEth(vals[1:], reader.Vote(111, 0))
	c.last = c.sign(c.height, 0, vals, c.exts)
	c.exts = map[string][]byte{}
	c.commit(c.propose())
	if got := c.ethBalance(ethAlice) + " " + c.ethBalance(ethBob); got != "25 25" {
		t.Fatalf("alice and bob after 111-120: %s", got)
	}

	// 2 of 4 vote the next: nothing.
	reader.ranges[121] = ethRange{to: 130, changes: transfer(1)}
	c.voteEth(vals[2:], reader.Vote(121, 0))
	c.last = c.sign(c.height, 0, vals, c.exts)
	p = c.propose()
	if rec := app.DecodeAttestation(p.Txs[0]); rec.GetEth() != nil {
		t.Fatalf("a range half the power voted is carried: %v", rec.Eth)
	}
	c.commit(p)
	if got := c.ethBalance(ethAlice); got != "25" {
		t.Fatalf("alice after a range without 2/3: %s", got)
	}
}

// carry makes p open with a record of its evidence carrying u, as a lying
// proposer would (an honest one's self-check refuses to).
func carry(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal, u *pb.EthUpdate) {
	t.Helper()
	var rec *pb.Attestation
	if len(p.Txs) > 0 {
		rec = app.DecodeAttestation(p.Txs[0])
	}
	if rec == nil {
		rec = &pb.Attestation{ExtendedCommit: mustMarshal(t, c.last)}
		p.Txs = append([][]byte{nil}, p.Txs...)
	}
	rec.Eth = u
	p.Txs[0] = app.EncodeAttestation(rec)
}

// TestProcessProposalRefusesForgedEthRanges: each way a proposer may lie
// about an Ethereum range, or validators vote one state does not wait
// for, is refused by the check named in want.
func TestProcessProposalRefusesForgedEthRanges(t *testing.T) {
	a, b, cv, d := newTestValidator("A", 10), newTestValidator("B", 20), newTestValidator("C", 30), newTestValidator("D", 40)
	vals := []testValidator{a, b, cv, d}
	honest := &pb.EthVote{From: 101, To: 110, Digest: balance.EthDigest(101, 110, transfer(20))}
	// voted makes validators vote v, and the proposer carry changes for it.
	voted := func(v *pb.EthVote, changes []*pb.EthChange) func(*testing.T, *valChain, *abcitypes.RequestProcessProposal) {
		return func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal) {
			c.voteEth(vals, v)
			c.last = c.sign(c.height, 0, vals, c.exts)
			*p = *c.propose()
			carry(t, c, p, &pb.EthUpdate{From: v.From, To: v.To, Changes: changes})
		}
	}
	four := append(transfer(1), ethChange(ethCarol, 1), ethChange(ethDave, 1))
	for _, ch := range four[2:] {
		ch.Negative = false
	}
	forgeries := []forgery{
		{"the changes altered", "do not hash to the digest", withRecord(func(rec *pb.Attestation) {
			rec.Eth.Changes[1].Amount = new(big.Int).Add(new(big.Int).SetBytes(rec.Eth.Changes[1].Amount), big.NewInt(1)).Bytes()
		})},
		{"a change dropped", "do not hash to the digest", withRecord(func(rec *pb.Attestation) { rec.Eth.Changes = rec.Eth.Changes[:1] })},
		{"changes out of order", "is not after", withRecord(func(rec *pb.Attestation) {
			rec.Eth.Changes[0], rec.Eth.Changes[1] = rec.Eth.Changes[1], rec.Eth.Changes[0]
		})},
		{"a digest swapped under a signature", "does not verify", withEvidence(func(_ *valChain, ec *abcitypes.ExtendedCommitInfo) {
			ec.Votes[3].VoteExtension = attest.EncodeVote(&pb.VoteExtension{Eth: &pb.EthVote{From: 101, To: 110, Digest: balance.EthDigest(101, 110, transfer(21))}})
		})},
		{"the range shifted (a gap)", "carries Ethereum blocks 102-110, the evidence attests 101-110", withRecord(func(rec *pb.Attestation) { rec.Eth.From = 102 })},
		{"the range extended", "carries Ethereum blocks 101-111", withRecord(func(rec *pb.Attestation) { rec.Eth.To = 111 })},
		{"the range omitted", "omits Ethereum blocks 101-110", withRecord(func(rec *pb.Attestation) { rec.Eth = nil })},
		{"the record omitted", "does not open with the attestation record", func(_ *testing.T, _ *valChain, p *abcitypes.RequestProcessProposal) {
			p.Txs = p.Txs[1:]
		}},
		{"a range voted past a gap", "the evidence attests none", voted(&pb.EthVote{From: 102, To: 110, Digest: balance.EthDigest(102, 110, nil)}, nil)},
		{"a range voted over the last attested one", "the evidence attests none", voted(&pb.EthVote{From: 91, To: 110, Digest: balance.EthDigest(91, 110, nil)}, nil)},
		{"a range voted past its aligned end", "the evidence attests none", voted(&pb.EthVote{From: 101, To: 111, Digest: balance.EthDigest(101, 111, nil)}, nil)},
		{"more changes than max_changes", "4 changes, at most 3", voted(&pb.EthVote{From: 101, To: 110, Digest: balance.EthDigest(101, 110, four)}, four)},
		{"power inflated to pass 2/3", "has power 1000, not 20", func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal) {
			// Only A and B (30 of 100) vote the range; the proposer claims B
			// holds 1000 and carries it.
			c.voteEth(vals[:2], honest)
			c.last = c.sign(c.height, 0, vals, c.exts)
			*p = *c.propose()
			withEvidence(func(_ *valChain, ec *abcitypes.ExtendedCommitInfo) { ec.Votes[1].Validator.Power = 1000 })(t, c, p)
			p.ProposedLastCommit.Votes[1].Validator.Power = 1000
			carry(t, c, p, &pb.EthUpdate{From: 101, To: 110, Changes: transfer(20)})
		}},
		{"a range less than 2/3 voted", "the evidence attests none", func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal) {
			c.voteEth(vals[2:3], honest) // C: 30 of 100
			c.exts[string(d.address())] = nil
			c.last = c.sign(c.height, 0, vals, c.exts)
			*p = *c.propose()
			carry(t, c, p, &pb.EthUpdate{From: 101, To: 110, Changes: transfer(20)})
		}},
	}
	for _, f := range forgeries {
		t.Run(f.name, func(t *testing.T) {
			c := newValChainWith(t, ethGenesis(t), vals...)
			c.s.SetEthReader(&testEthReader{ranges: map[uint64]ethRange{101: {to: 110, changes: transfer(20)}}})
			c.commit(c.propose())
			c.voteEth(vals, honest)
			c.last = c.sign(c.height, 0, vals, c.exts)
			p := c.propose()
			if ok, err := c.verdict(p); !ok {
				t.Fatalf("the honest proposal was refused: %v", err)
			}
			if rec := app.DecodeAttestation(p.Txs[0]); rec.GetEth() == nil {
				t.Fatalf("the honest proposal does not carry the range: %v", rec)
			}
			f.alter(t, c, p)
			ok, err := c.verdict(p)
			if ok || err == nil || !strings.Contains(err.Error(), f.want) {
				t.Fatalf("accepted %v, refused with %v; want a refusal saying %q", ok, err, f.want)
			}
		})
	}
}

// TestProposerWithoutTheRange: a proposer whose reader lacks the range the
// others attest cannot carry it; its block is refused (the next round's
// proposer carries it), never accepted without it.
func TestProposerWithoutTheRange(t *testing.T) {
	vals := []testValidator{newTestValidator("A", 10), newTestValidator("B", 10), newTestValidator("C", 10)}
	c := newValChainWith(t, ethGenesis(t), vals...)
	c.commit(c.propose())
	c.voteEth(vals, &pb.EthVote{From: 101, To: 110, Digest: balance.EthDigest(101, 110, transfer(2))})
	c.last = c.sign(c.height, 0, vals, c.exts)
	p := c.propose() // no reader at all
	if ok, err := c.verdict(p); ok || !strings.Contains(errString(err), "does not open with the attestation record") {
		t.Fatalf("a proposal without the attested range: accepted %v (%v)", ok, err)
	}
	c.s.SetEthReader(&testEthReader{ranges: map[uint64]ethRange{101: {to: 110, changes: transfer(3)}}}) // read something else
	if ok, _ := c.verdict(c.propose()); ok {
		t.Fatal("a proposal whose reader read another range was accepted")
	}
}

// TestVerifyEthVoteShape: an Ethereum vote of the wrong shape (a range
// ending before it starts, a digest not a sha256) is refused in
// VerifyVoteExtension; a well-formed one is accepted whatever it claims.
func TestVerifyEthVoteShape(t *testing.T) {
	c := newValChainWith(t, ethGenesis(t), newTestValidator("A", 10))
	for _, v := range []struct {
		vote *pb.EthVote
		ok   bool
	}{
		{&pb.EthVote{From: 101, To: 110, Digest: make([]byte, 32)}, true},
		{&pb.EthVote{From: 1, To: 1 << 60, Digest: make([]byte, 32)}, true}, // counts only with 2/3 and state behind it
		{&pb.EthVote{From: 110, To: 101, Digest: make([]byte, 32)}, false},
		{&pb.EthVote{From: 101, To: 110, Digest: make([]byte, 31)}, false},
		{&pb.EthVote{From: 101, To: 110}, false},
	} {
		res, err := c.s.VerifyVoteExtension(t.Context(), &abcitypes.RequestVerifyVoteExtension{VoteExtension: attest.EncodeVote(&pb.VoteExtension{Eth: v.vote})})
		if err != nil || (res.Status == abcitypes.ResponseVerifyVoteExtension_ACCEPT) != v.ok {
			t.Errorf("%v: %v, %v", v.vote, res.GetStatus(), err)
		}
	}
}
