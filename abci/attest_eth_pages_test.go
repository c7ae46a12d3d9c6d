package abci

import (
	"math/big"
	"slices"
	"strings"
	"testing"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/balance"
)

// bigBlock is one Ethereum block in which alice pays n new holders k
// ALEPH each (holder i is 0x…0100+i): n+1 changes, sorted, cut in pages
// of max.
func bigBlock(n int, k int64, max int) (holders []string, pages [][]*pb.EthChange) {
	changes := []*pb.EthChange{ethChange(ethAlice, -int64(n)*k)}
	for i := range n {
		a := strings.ToLower(common.BigToAddress(big.NewInt(int64(0x100 + i))).Hex())
		holders = append(holders, a)
		changes = append(changes, ethChange(a, k))
	}
	slices.SortFunc(changes, func(x, y *pb.EthChange) int { return strings.Compare(x.Address, y.Address) })
	for lo := 0; lo < len(changes); lo += max {
		pages = append(pages, changes[lo:min(lo+max, len(changes))])
	}
	return holders, pages
}

// TestEthBlockInPages: a block whose 7 changes pass max_changes 5 is
// attested in two pages, one per block, the cursor between them in
// state and in every node's next vote (ExtendVote votes page 1 once page
// 0 is applied); the range after it follows. Balances end right.
func TestEthBlockInPages(t *testing.T) {
	vals := []testValidator{newTestValidator("A", 10), newTestValidator("B", 10), newTestValidator("C", 10), newTestValidator("D", 10)}
	c := newValChainWith(t, ethGenesisWith(t, func(p *balance.EthParams) { p.MaxChanges = 5 }), vals...)
	holders, pages := bigBlock(6, 2, 5)
	if len(pages) != 2 || len(pages[0]) != 5 || len(pages[1]) != 2 {
		t.Fatalf("pages of %d and %d", len(pages[0]), len(pages[1]))
	}
	reader := &testEthReader{ranges: map[uint64]ethRange{101: {to: 101, pages: pages}, 102: {to: 110, changes: transfer(5)}}}
	c.s.SetEthReader(reader)
	c.commit(c.propose())
	for page, want := range []struct{ from, to uint64 }{{101, 101}, {101, 101}, {102, 110}} {
		res, err := c.s.ExtendVote(t.Context(), &abcitypes.RequestExtendVote{Height: c.height + 1})
		if err != nil {
			t.Fatal(err)
		}
		ext, err := attest.DecodeVote(res.VoteExtension)
		if err != nil || ext.Eth == nil || ext.Eth.From != want.from || ext.Eth.To != want.to || page < 2 && (ext.Eth.Page != uint32(page) || ext.Eth.Pages != 2) {
			t.Fatalf("step %d: ExtendVote votes %v (%v), want blocks %d-%d page %d", page, ext.GetEth(), err, want.from, want.to, page)
		}
		c.voteEth(vals, ext.Eth)
		c.last = c.sign(c.height, 0, vals, c.exts)
		p := c.propose()
		rec := app.DecodeAttestation(p.Txs[0])
		if rec.GetEth() == nil || rec.Eth.From != want.from || page < 2 && (rec.Eth.Page != uint32(page) || len(rec.Eth.Changes) != len(pages[page])) {
			t.Fatalf("step %d: the record carries %v", page, rec.GetEth())
		}
		c.exts = map[string][]byte{}
		c.commit(p)
		var view app.EthView
		c.s.locked(func() { view, err = c.s.app.Eth() })
		if wantHeight := []uint64{100, 101, 110}[page]; err != nil || view.AttestedHeight != wantHeight {
			t.Fatalf("step %d: attested height %d (%v), want %d", page, view.AttestedHeight, err, wantHeight)
		}
	}
	for _, h := range holders {
		if got := c.ethBalance(h); got != "2" {
			t.Errorf("holder %s: %s, want 2", h, got)
		}
	}
	if got := c.ethBalance(ethAlice) + " " + c.ethBalance(ethBob); got != "33 5" {
		t.Fatalf("alice and bob: %s, want 33 5 (50 - 12 - 5)", got)
	}
}

// TestProcessProposalRefusesForgedEthPages: each way a proposer may lie
// about a page, or validators vote one the state does not wait for, is
// refused. The block is 7 changes under max_changes 3: pages of 3, 3, 1.
func TestProcessProposalRefusesForgedEthPages(t *testing.T) {
	vals := []testValidator{newTestValidator("A", 10), newTestValidator("B", 20), newTestValidator("C", 30), newTestValidator("D", 40)}
	_, pages := bigBlock(6, 1, 3)
	pageVote := func(page, count uint32, changes []*pb.EthChange) *pb.EthVote {
		return &pb.EthVote{From: 101, To: 101, Page: page, Pages: count, Digest: balance.EthPageDigest(101, page, count, changes)}
	}
	// voted makes validators vote v, and the proposer carry u for it.
	voted := func(v *pb.EthVote, u *pb.EthUpdate) func(*testing.T, *valChain, *abcitypes.RequestProcessProposal) {
		return func(t *testing.T, c *valChain, p *abcitypes.RequestProcessProposal) {
			c.voteEth(vals, v)
			c.last = c.sign(c.height, 0, vals, c.exts)
			*p = *c.propose()
			carry(t, c, p, u)
		}
	}
	page := func(i, count uint32, changes []*pb.EthChange) *pb.EthUpdate {
		return &pb.EthUpdate{From: 101, To: 101, Page: i, Pages: count, Changes: changes}
	}
	forgeries := []struct {
		name, want string
		atPage     uint32 // the pages applied before
		alter      func(*testing.T, *valChain, *abcitypes.RequestProcessProposal)
	}{
		{"the wrong page carried", "carries page 1 of 3 of Ethereum block 101, the evidence attests page 0 of 3", 0,
			withRecord(func(rec *pb.Attestation) { *rec.Eth = *page(1, 3, pages[1]) })},
		{"the page count lied", "carries page 0 of 2 of Ethereum block 101, the evidence attests page 0 of 3", 0,
			withRecord(func(rec *pb.Attestation) { rec.Eth.Pages = 2 })},
		{"pages dropped from a range", "the evidence attests page 0 of 3", 0,
			withRecord(func(rec *pb.Attestation) { rec.Eth.Page, rec.Eth.Pages = 0, 0 })},
		{"a page skipped", "the evidence attests none", 1,
			voted(pageVote(2, 3, pages[2]), page(2, 3, pages[2]))},
		{"a page voted before the first", "the evidence attests none", 0,
			voted(pageVote(1, 3, pages[1]), page(1, 3, pages[1]))},
		{"the page count changed midway", "the evidence attests none", 1,
			voted(pageVote(1, 2, pages[1]), page(1, 2, pages[1]))},
		{"a single page", "the evidence attests none", 0,
			voted(pageVote(0, 1, pages[0]), page(0, 1, pages[0]))},
		{"a page of a range of blocks", "the evidence attests none", 0,
			voted(&pb.EthVote{From: 101, To: 102, Page: 0, Pages: 3, Digest: balance.EthPageDigest(101, 0, 3, pages[0])}, &pb.EthUpdate{From: 101, To: 102, Pages: 3, Changes: pages[0]})},
		{"a short page but the last", "every page but the last has max_changes", 0,
			voted(pageVote(0, 3, pages[0][:2]), page(0, 3, pages[0][:2]))},
		{"a page past max_changes", "4 changes, at most 3", 0,
			voted(pageVote(0, 2, append(slices.Clone(pages[0]), pages[1][0])), page(0, 2, append(slices.Clone(pages[0]), pages[1][0])))},
		{"a page's changes altered", "do not hash to the digest", 0,
			withRecord(func(rec *pb.Attestation) { rec.Eth.Changes = pages[1] })},
	}
	for _, f := range forgeries {
		t.Run(f.name, func(t *testing.T) {
			c := newValChainWith(t, ethGenesis(t), vals...)
			reader := &testEthReader{ranges: map[uint64]ethRange{101: {to: 101, pages: pages}}}
			c.s.SetEthReader(reader)
			c.commit(c.propose())
			for i := range f.atPage + 1 {
				c.voteEth(vals, reader.Vote(101, i))
				c.last = c.sign(c.height, 0, vals, c.exts)
				p := c.propose()
				if ok, err := c.verdict(p); !ok {
					t.Fatalf("the honest proposal of page %d was refused: %v", i, err)
				}
				if rec := app.DecodeAttestation(p.Txs[0]); rec.GetEth() == nil || rec.Eth.Page != i {
					t.Fatalf("the honest proposal does not carry page %d: %v", i, rec)
				}
				if i == f.atPage {
					f.alter(t, c, p)
					ok, err := c.verdict(p)
					if ok || err == nil || !strings.Contains(err.Error(), f.want) {
						t.Fatalf("accepted %v, refused with %v; want a refusal saying %q", ok, err, f.want)
					}
					return
				}
				c.exts = map[string][]byte{}
				c.commit(p)
			}
		})
	}
}
