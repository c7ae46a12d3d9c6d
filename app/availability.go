package app

import (
	"fmt"
	"slices"
	"strings"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// STORE availability. A STORE enters PENDING (x/message). Each validator's
// node fetches the file on its own and reports {item_hash, size} in its vote
// extension; the next proposer tallies the extensions of the previous
// height and, for files that validators with more than 2/3 of the voting
// power report with the same size, puts an Availability record first in
// its block, with the extended commit as evidence. ProcessProposal checks
// the evidence (abci/) and that the record is exactly the tally (Tally,
// here). FinalizeBlock then charges and processes each attested STORE
// (ApplyAvailability); EndBlock rejects the ones whose deadline passed.

// MaxVoteFiles bounds the files one vote extension may attest, so an
// extension stays small whatever the backlog.
const MaxVoteFiles = 256

// Errors of availability records.
var (
	ErrAvailabilityTx = errs.Register("app", 2, "availability records are made by block proposers")
)

// ContentUnavailable is the rejection reason of a STORE whose file was not
// attested in time.
const ContentUnavailable = "content unavailable"

// Vote is one validator's vote extension as the tally sees it.
type Vote struct {
	Power int64
	Files []*pb.AttestedFile
}

// Tally returns the files that votes with more than 2/3 of totalPower
// attest with one and the same size, among the STOREs still pending in
// kv, in item_hash order. A validator counts once per file, whatever it
// repeats. It is deterministic: the proposer builds the record with it and
// every validator checks the record against it.
func (a *App) Tally(kv state.KV, votes []Vote, totalPower int64) ([]*pb.AttestedFile, error) {
	type claim struct {
		hash string
		size uint64
	}
	power := map[claim]int64{}
	for _, v := range votes {
		seen := map[string]bool{}
		for _, f := range v.Files {
			if seen[f.ItemHash] {
				continue
			}
			seen[f.ItemHash] = true
			power[claim{f.ItemHash, f.Size}] += v.Power
		}
	}
	var out []*pb.AttestedFile
	for c, p := range power {
		if p*3 > totalPower*2 {
			out = append(out, &pb.AttestedFile{ItemHash: c.hash, Size: c.size})
		}
	}
	// Map order must not leak into state: sort before anything reads it.
	slices.SortFunc(out, func(x, y *pb.AttestedFile) int { return strings.Compare(x.ItemHash, y.ItemHash) })
	kept := out[:0]
	for _, f := range out {
		rec, err := a.messages.GetMessage(kv, f.ItemHash)
		if err != nil {
			return nil, err
		}
		if rec != nil && rec.Status == pb.MessageStatus_MESSAGE_STATUS_PENDING {
			kept = append(kept, f)
		}
	}
	return kept, nil
}

// PendingStores lists STOREs waiting for attestation in the committed
// state, nearest deadline first, at most limit (0: all). The node's fetcher
// and vote extensions read it.
func (a *App) PendingStores(limit int) ([]message.PendingStore, error) {
	if a.store.Version() == 0 {
		return nil, nil
	}
	snap, err := a.store.At(0)
	if err != nil {
		return nil, err
	}
	return a.messages.Pending(snap, limit)
}

// LiveFiles lists the files of live STOREs in the committed state.
func (a *App) LiveFiles() ([]string, error) {
	if a.store.Version() == 0 {
		return nil, nil
	}
	snap, err := a.store.At(0)
	if err != nil {
		return nil, err
	}
	return a.messages.LiveFiles(snap)
}

// TallyCommitted is Tally over the committed state (what PrepareProposal
// and ProcessProposal see: the block before the one they build).
func (a *App) TallyCommitted(votes []Vote, totalPower int64) ([]*pb.AttestedFile, error) {
	snap, err := a.store.At(0)
	if err != nil {
		return nil, err
	}
	return a.Tally(snap, votes, totalPower)
}

// applyAvailability processes the attested STOREs of a record: each is
// charged its attested size and becomes PROCESSED, or REJECTED if the file
// is over the size limit or nobody can pay for it.
func (a *App) applyAvailability(kv state.KV, env message.Env, av *pb.Availability, fx *message.Effects) error {
	for _, f := range av.Files {
		rec, err := a.messages.GetMessage(kv, f.ItemHash)
		if err != nil {
			return err
		}
		if rec == nil || rec.Status != pb.MessageStatus_MESSAGE_STATUS_PENDING {
			continue // forgotten since, or attested twice
		}
		if err := a.attest(kv, env, rec, f.Size, fx); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) attest(kv state.KV, env message.Env, rec *pb.MessageRecord, size uint64, fx *message.Effects) error {
	m := rec.Message
	c, err := message.ParseContent(m.Type, m.ItemContent)
	if err != nil {
		return err
	}
	limit := a.msgParams.MaxFileBytesStorage
	if c.FileType == "ipfs" {
		limit = a.msgParams.MaxFileBytesIPFS
	}
	if size > limit {
		return a.messages.RejectStore(kv, rec, fmt.Sprintf("file too large: %d bytes, the limit for %s files is %d", size, c.FileType, limit), fx)
	}
	item := payment.Item{
		Hash: m.ItemHash, Type: m.Type, Sender: m.Sender, Owner: c.Address, Channel: m.Channel,
		Size: uint64(len(m.ItemContent)), FileSize: size, Height: rec.Height, TxIndex: rec.TxIndex,
	}
	// The payer is decided with the attested size, in a cache of its own: a
	// refusal must leave nothing behind but the rejection.
	try := state.NewCache(kv)
	payer, err := a.registers.Incoming(try, item)
	var charge *pb.Charge
	if err == nil {
		charge, err = payer.Charge(try, item)
	}
	switch {
	case err == nil:
		if err := try.Write(); err != nil {
			return err
		}
		return a.messages.ProcessStore(kv, rec, size, charge, fx)
	case errs.IsRegistered(err):
		return a.messages.RejectStore(kv, rec, err.Error(), fx)
	default:
		return err
	}
}

// expireStores rejects the pending STOREs whose deadline is height.
func (a *App) expireStores(kv state.KV, height int64, fx *message.Effects) error {
	due, err := a.messages.Due(kv, height)
	if err != nil {
		return err
	}
	for _, hash := range due {
		rec, err := a.messages.GetMessage(kv, hash)
		if err != nil {
			return err
		}
		reason := fmt.Sprintf("%s: validators holding more than 2/3 of the voting power did not attest file of %s within %d blocks", ContentUnavailable, hash, a.msgParams.StoreAttestBlocks)
		if err := a.messages.RejectStore(kv, rec, reason, fx); err != nil {
			return err
		}
	}
	return nil
}
