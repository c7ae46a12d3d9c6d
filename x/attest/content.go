package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
)

// Non-inline content (item_type "storage" or "ipfs"). Validators attest a
// pending message's content as they attest a STORE's file, with one more
// field: the sha256 of the bytes. The state machine needs the bytes
// themselves (a POST's content decides amends, an AGGREGATE's the merge),
// and a node that did not fetch them must still apply them: so once
// attested, the bytes travel in the block, in the proposer's record, and
// every validator checks them against the attested size and sha256 before
// it accepts the block. The sha256 is what makes an "ipfs" CID checkable
// without IPFS in the state machine: more than 2/3 of the power saw bytes
// that import as the CID and hash to it.

// MaxRecordContentBytes bounds the content one record carries: attested
// content beyond it waits for the next block (validators keep attesting
// what is pending). It is half of a 4 MiB block, leaving room for the
// evidence and transactions; a single content never exceeds it
// (message.MaxFetchedContentLimit). A record of a large validator set
// carries less (contentBudget).
const MaxRecordContentBytes = message.MaxFetchedContentLimit

// BlockBytes is the block size of the chains alephd makes
// (app.MaxBlockBytes, which a test keeps equal), and recordReserve what a
// block must keep beside the content its record carries and the extended
// commit: CometBFT's evidence (1 MiB), the largest Ethereum page
// (balance.MaxEthChanges changes, 512 KiB), and the header, the record's
// framing and a margin (256 KiB). voteOverhead is what the extended
// commit adds to each validator's extension: its address, power, flag,
// timestamps and two signatures, rounded up.
const (
	BlockBytes    = 4 << 20
	recordReserve = 1<<20 + 512<<10 + 256<<10
	voteOverhead  = 256
)

// contentBudget is the content one record may carry with votes as its
// evidence: MaxRecordContentBytes, less what the extended commit takes
// beyond the block's other reserves. With many validators voting large
// extensions (up to MaxVoteBytes each, ~46 kB) a fixed 2 MiB of content
// would make a record no block holds: every proposer would propose
// without it, every validator refuse, and the height never end, since all
// its rounds share one extended commit. Content past the budget stays
// attested and pending for a later block's record. It is a pure function
// of the votes, which proposer and checkers read from the same evidence.
func contentBudget(votes []Vote) uint64 {
	used := uint64(recordReserve)
	for _, v := range votes {
		used += uint64(proto.Size(v.Ext)) + voteOverhead
	}
	if used >= BlockBytes {
		return 0
	}
	return min(MaxRecordContentBytes, BlockBytes-used)
}

// Admit applies a pending non-inline message with its attested content,
// through the admission steps its content decides (payment with its size,
// the type handler, the consequences): the app gives it. A registered
// error rejects the message; anything else is a node failure.
type Admit func(kv state.KV, env message.Env, rec *pb.MessageRecord, content []byte, fx *message.Effects) error

// SetAdmit gives the keeper the app's admission of attested content.
func (k *Keeper) SetAdmit(admit Admit) { k.admit = admit }

// carriesContent reports whether a record's entry for a non-inline
// message must carry its content: all but content over the size cap,
// which the record names without it so that Apply rejects the message.
func (k Keeper) carriesContent(f *pb.AttestedFile) bool {
	return len(f.Sha256) == sha256.Size && f.Size <= k.params.MaxFetchedBytes()
}

// claimFits reports whether an attested claim about rec can enter a
// record: a STORE's claim has no digest; a non-inline message's has a
// 32-byte one, and for "storage" it is item_hash itself.
func claimFits(rec *pb.MessageRecord, f fileClaim) bool {
	m := rec.Message
	if message.Inline(m) {
		return f.digest == ""
	}
	if len(f.digest) != sha256.Size || f.size == 0 {
		return false
	}
	if m.ItemType == message.ItemStorage {
		return hex.EncodeToString([]byte(f.digest)) == m.ItemHash
	}
	return rawCIDFits(m.ItemHash, f.digest)
}

// rawCIDFits reports whether a claimed sha256 can be the content of an
// "ipfs" item_hash. A CID of one raw block hashed with sha2-256 (what
// kubo's add makes of content up to a chunk with raw leaves, and every
// CIDv1 "bafkrei...") names the sha256 of the bytes themselves, so the
// state machine checks it as it checks a "storage" item_hash, without
// trusting the fetchers. Any other CID (dag-pb, UnixFS) depends on how the
// bytes were chunked, which the CID does not say: recomputing it with one
// chunker could refuse honest content made with another, so those rest on
// the attestation alone (more than 2/3 of the power, hence at least one
// honest node under CometBFT's assumption, read bytes that import as the
// CID and hash to the claimed sha256).
func rawCIDFits(itemHash, digest string) bool {
	c, err := cid.Decode(itemHash)
	if err != nil {
		return false // admission refuses such an item_hash: nothing to attest
	}
	if c.Prefix().Codec != cid.Raw {
		return true
	}
	d, err := mh.Decode(c.Hash())
	if err != nil || d.Code != mh.SHA2_256 {
		return true
	}
	return string(d.Digest) == digest
}

// checkContent checks the content a record's entry carries: exactly the
// attested bytes where the entry must carry them (NeedsContent), none
// elsewhere.
func (k Keeper) checkContent(i int, f *pb.AttestedFile) error {
	if !k.carriesContent(f) {
		if len(f.Content) != 0 {
			return fmt.Errorf("%w: file %d (%s) carries %d bytes of content, which nothing attested", ErrRecordMismatch, i, f.ItemHash, len(f.Content))
		}
		return nil
	}
	if uint64(len(f.Content)) != f.Size {
		return fmt.Errorf("%w: file %d (%s) carries %d bytes of content, validators attested %d", ErrRecordMismatch, i, f.ItemHash, len(f.Content), f.Size)
	}
	if sum := sha256.Sum256(f.Content); !bytes.Equal(sum[:], f.Sha256) {
		return fmt.Errorf("%w: file %d (%s) carries content whose sha256 is %x, validators attested %x", ErrRecordMismatch, i, f.ItemHash, sum, f.Sha256)
	}
	return nil
}

// NeedsContent lists the entries of a tallied record whose content the
// proposer must add (Fill) before the record passes Check.
func (k Keeper) NeedsContent(rec *pb.Attestation) []*pb.AttestedFile {
	var out []*pb.AttestedFile
	for _, f := range rec.Files {
		if k.carriesContent(f) {
			out = append(out, f)
		}
	}
	return out
}

// applyContent applies an attested non-inline message: with its content
// through the app's admission, or rejected if the content is over the cap
// (its entry carries none).
func (k *Keeper) applyContent(kv state.KV, env message.Env, rec *pb.MessageRecord, f *pb.AttestedFile, fx *message.Effects) error {
	if !k.carriesContent(f) {
		err := errs.Wrapf(message.ErrTooLarge, "content of %s is %d bytes, the limit for content that is not inline is %d", f.ItemHash, f.Size, k.params.MaxFetchedBytes())
		return k.messages.RejectStore(kv, rec, rejectionOf(err), fx)
	}
	try := state.NewCache(kv)
	var got message.Effects
	err := k.admit(try, env, rec, f.Content, &got)
	switch {
	case err == nil:
		if err := try.Write(); err != nil {
			return err
		}
		fx.Forgotten = append(fx.Forgotten, got.Forgotten...)
		fx.StatusChanges = append(fx.StatusChanges, got.StatusChanges...)
		return nil
	case errs.IsRegistered(err):
		return k.messages.RejectStore(kv, rec, rejectionOf(err), fx)
	default:
		return err
	}
}

// rejectionOf is a rejection's reason with its code, as a client reads it
// from the message's status: "message/14 ...: why".
func rejectionOf(err error) string {
	cs, code, log := errs.ABCIInfo(err)
	return fmt.Sprintf("%s/%d %s", cs, code, log)
}
