package attest

import (
	"bytes"
	"fmt"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
)

// Ethereum balances. Each validator's node reads the token's Transfer logs
// over the next range of final blocks (the one after the last attested)
// and votes {from, to, digest of the net changes}. Once validators with
// more than 2/3 of the power vote the same range and digest, the next
// proposer carries the changes themselves, which every validator hashes
// again; Apply moves the ETH balances and their consequences follow.

// digestLen is a sha256's.
const digestLen = 32

// ethClaim is a validator's vote on a range of Ethereum blocks, or on a
// page of one block's changes.
type ethClaim struct {
	from, to    uint64
	page, pages uint32
	digest      string
}

func ethClaims(ext *pb.VoteExtension) []ethClaim {
	if e := ext.GetEth(); e != nil {
		return []ethClaim{{e.From, e.To, e.Page, e.Pages, string(e.Digest)}}
	}
	return nil
}

// EthClaim is the range (or page) and digest that votes, out of total
// power, attest and state waits for: more than 2/3 of the power behind the
// same claim, which continues the state. With no block in pages, that is
// a range that starts right after the last attested block and ends no
// later than its aligned end (balance.EthParams.RangeEnd), or the first
// page (of at least 2) of that block alone. With a block in pages
// (balance.EthCursor), it is that block's next page, of the same count.
// nil when there is none, or no token is configured. A pure function of
// kv and the votes.
func (k Keeper) EthClaim(kv state.KV, votes []Vote, total int64) (*pb.EthVote, error) {
	if k.eth == nil {
		return nil, nil
	}
	last, err := k.balances.Reported(kv, balance.SourceEth)
	if err != nil {
		return nil, err
	}
	cur, err := balance.EthCursor(kv)
	if err != nil {
		return nil, err
	}
	for _, c := range tally(votes, total, ethClaims, func(ethClaim) string { return "eth" }) {
		var ok bool
		switch {
		case cur != nil:
			ok = c.from == cur.Block && c.to == c.from && c.page == cur.Next && c.pages == cur.Pages
		case c.from != last+1:
		case c.pages == 0:
			ok = c.page == 0 && c.to >= c.from && c.to <= k.eth.RangeEnd(c.from)
		default:
			ok = c.page == 0 && c.pages >= 2 && c.to == c.from
		}
		if ok {
			return &pb.EthVote{From: c.from, To: c.to, Digest: []byte(c.digest), Page: c.page, Pages: c.pages}, nil
		}
	}
	return nil, nil
}

// checkEth returns an error unless u carries exactly the claim the votes
// back: nothing when they back none; else the same range and page,
// changes in canonical form within max_changes (exactly max_changes on a
// page but the last), whose digest is the claim's.
func (k Keeper) checkEth(kv state.KV, u *pb.EthUpdate, votes []Vote, total int64) error {
	want, err := k.EthClaim(kv, votes, total)
	switch {
	case err != nil:
		return err
	case want == nil && u == nil:
		return nil
	case want == nil:
		return fmt.Errorf("%w: it carries Ethereum blocks %d-%d, the evidence attests none", ErrRecordMismatch, u.From, u.To)
	case u == nil:
		return fmt.Errorf("%w: it omits Ethereum blocks %d-%d, which the evidence attests", ErrRecordMismatch, want.From, want.To)
	case u.From != want.From || u.To != want.To:
		return fmt.Errorf("%w: it carries Ethereum blocks %d-%d, the evidence attests %d-%d", ErrRecordMismatch, u.From, u.To, want.From, want.To)
	case u.Page != want.Page || u.Pages != want.Pages:
		return fmt.Errorf("%w: it carries page %d of %d of Ethereum block %d, the evidence attests page %d of %d", ErrRecordMismatch, u.Page, u.Pages, u.From, want.Page, want.Pages)
	}
	if err := balance.CheckEthChanges(u.Changes, k.eth.MaxChanges); err != nil {
		return fmt.Errorf("%w: Ethereum changes: %v", ErrRecordMismatch, err)
	}
	if err := balance.CheckEthPage(u, k.eth.MaxChanges); err != nil {
		return fmt.Errorf("%w: Ethereum changes: %v", ErrRecordMismatch, err)
	}
	if !bytes.Equal(balance.EthDigestOf(u), want.Digest) {
		return fmt.Errorf("%w: the Ethereum changes of blocks %d-%d do not hash to the digest the evidence attests", ErrRecordMismatch, u.From, u.To)
	}
	return nil
}

// applyEth moves the attested balances; their consequences (payments
// re-checked, endorsements shrunk, stakes re-split) follow through the
// app's hook.
func (k *Keeper) applyEth(kv state.KV, env message.Env, u *pb.EthUpdate, fx *message.Effects) error {
	changed, err := k.balances.ApplyEth(kv, u)
	if err != nil || len(changed) == 0 {
		return err
	}
	return k.changed(kv, env, changed, fx)
}
