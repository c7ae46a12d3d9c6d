package attest

import (
	"fmt"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// STORE availability. A STORE enters PENDING (x/message). Each validator's
// node fetches the file on its own and reports {item_hash, size} in its
// vote extension. Once validators with more than 2/3 of the power report
// the same size, the next block's record names it, and Apply charges and
// processes it; if no record names it by its deadline, EndBlock rejects it.

// ContentUnavailable is the rejection reason of a STORE whose file was not
// attested in time.
const ContentUnavailable = "content unavailable"

// Apply carries out an attested record (checked by the proposal check)
// in the block it heads.
func (k *Keeper) Apply(kv state.KV, env message.Env, rec *pb.Attestation, fx *message.Effects) error {
	for _, f := range rec.Files {
		m, err := k.messages.GetMessage(kv, f.ItemHash)
		if err != nil {
			return err
		}
		if m == nil || m.Status != pb.MessageStatus_MESSAGE_STATUS_PENDING {
			continue // forgotten since, or attested twice
		}
		if !message.Inline(m.Message) {
			if err := k.applyContent(kv, env, m, f, fx); err != nil {
				return err
			}
			continue
		}
		if err := k.attestFile(kv, m, f, fx); err != nil {
			return err
		}
	}
	if k.live != nil && len(rec.Live) > 0 {
		// Slots seen up (x/resource): checked against the evidence, so
		// marked as they are.
		if err := k.live.ApplyLive(kv, rec.Live); err != nil {
			return err
		}
	}
	if rec.Eth != nil {
		return k.applyEth(kv, env, rec.Eth, fx)
	}
	return nil
}

// attestFile processes a STORE whose file is attested (f): charged and
// PROCESSED, or REJECTED if the file is over the limit or nobody pays. A
// sha256 file attested with a chunk root (validators compute one when
// x/resource asks: PendingStore.RootChunkSize) keeps it in its record,
// which x/resource challenges the file against, and an IPFS file its DAG
// size (PendingStore.DAGBytes), which x/resource assigns it by; without
// them, the record is as before they existed.
func (k *Keeper) attestFile(kv state.KV, rec *pb.MessageRecord, f *pb.AttestedFile, fx *message.Effects) error {
	size, chunkRoot := f.Size, f.ChunkRoot
	m := rec.Message
	c, err := message.ParseContent(m.Type, m.ItemContent)
	if err != nil {
		return err
	}
	limit := k.params.MaxFileBytesStorage
	if c.FileType == "ipfs" {
		limit = k.params.MaxFileBytesIPFS
	}
	if size > limit {
		return k.messages.RejectStore(kv, rec, fmt.Sprintf("file too large: %d bytes, the limit for %s files is %d", size, c.FileType, limit), fx)
	}
	item := payment.Item{
		Hash: m.ItemHash, Type: m.Type, Sender: m.Sender, Owner: c.Address, Channel: m.Channel,
		Size: uint64(len(m.ItemContent)), FileSize: size, Height: rec.Height, TxIndex: rec.TxIndex,
	}
	// The payer is decided with the attested size, in a cache of its own: a
	// refusal must leave nothing behind but the rejection.
	try := state.NewCache(kv)
	payer, err := k.payments.Incoming(try, item)
	var charge *pb.Charge
	if err == nil {
		charge, err = payer.Charge(try, item)
	}
	switch {
	case err == nil:
		if err := try.Write(); err != nil {
			return err
		}
		if len(chunkRoot) > 0 && c.FileType == message.ItemStorage {
			rec.FileChunkRoot = chunkRoot // ProcessStore saves the record
		}
		if f.DagBytes > 0 && c.FileType == message.ItemIPFS {
			rec.FileDagBytes = f.DagBytes
		}
		return k.messages.ProcessStore(kv, rec, size, charge, fx)
	case errs.IsRegistered(err):
		return k.messages.RejectStore(kv, rec, err.Error(), fx)
	default:
		return err
	}
}

// EndBlock rejects the pending STOREs whose deadline is height.
func (k *Keeper) EndBlock(kv state.KV, height int64, fx *message.Effects) error {
	due, err := k.messages.Due(kv, height)
	if err != nil {
		return err
	}
	for _, hash := range due {
		rec, err := k.messages.GetMessage(kv, hash)
		if err != nil {
			return err
		}
		reason := fmt.Sprintf("%s: validators holding more than 2/3 of the voting power did not attest file of %s within %d blocks", ContentUnavailable, hash, k.params.StoreAttestBlocks)
		if !message.Inline(rec.Message) {
			reason = message.UnavailableReason(rec, k.params.StoreAttestBlocks)
		}
		if err := k.messages.RejectStore(kv, rec, reason, fx); err != nil {
			return err
		}
	}
	return nil
}
