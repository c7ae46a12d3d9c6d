package message

import (
	"errors"
	"fmt"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// A STORE is accepted PENDING: its file's existence and size are not one
// node's say-so but what validators with more than 2/3 of the voting power
// attest in their vote extensions (see app/availability.go). Until then it
// waits in a queue ordered by deadline; at the deadline it is REJECTED.
// Attested, it is PROCESSED and its file indexed (which is what pins it).

// pendingKey orders the queue: deadline height, then item_hash.
func pendingKey(deadline int64, hash string) []byte {
	return state.NewKey(ModulePrefix, prefixPending).Uint64(uint64(deadline)).String(hash).Bytes()
}

// PendingStore is a STORE, or a non-inline message, waiting for
// attestation.
type PendingStore struct {
	ItemHash string
	FileHash string // sha256 hex or CID
	FileType string // "storage" (sha256) or "ipfs" (CID)
	Deadline int64  // rejected at the end of this height unless attested
	// Content is set for a message whose content is not inline: FileHash
	// is its own item_hash, and what is attested is its content (with its
	// sha256), which the proposer then carries in its block.
	Content bool
	// RootChunkSize is set, for a sha256 ("storage") STORE file on a chain
	// whose x/resource is enabled, to the chunk size its chunk root is
	// attested over (AttestedFile.chunk_root).
	RootChunkSize uint64
	// DAGBytes is set, for an IPFS ("ipfs") STORE file on a chain whose
	// x/resource is enabled, to ask for the size of the file's DAG
	// (AttestedFile.dag_bytes), which the chain assigns it by.
	DAGBytes bool
}

func (k Keeper) dequeue(kv state.KV, rec *pb.MessageRecord) error {
	if !Inline(rec.Message) {
		if err := countPending(kv, rec.Message.Sender, -1); err != nil {
			return err
		}
		if err := dropContenders(kv, rec.Message.ItemHash); err != nil {
			return err
		}
	}
	return kv.Delete(pendingKey(rec.AttestDeadline, rec.Message.ItemHash))
}

// Pending returns up to limit STOREs waiting for attestation, nearest
// deadline first (limit 0: all).
func (k Keeper) Pending(kv state.KV, limit int) ([]PendingStore, error) {
	var out []PendingStore
	var bad error
	prefix := []byte{ModulePrefix, prefixPending}
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		dl, hash := int64(r.Uint64()), r.String()
		if bad = r.Err(); bad != nil {
			return false
		}
		rec, err := k.GetMessage(kv, hash)
		if err != nil || rec == nil {
			bad = errors.Join(err, fmt.Errorf("pending queue names %s, which has no record", hash))
			return false
		}
		if !Inline(rec.Message) { // the content is what is fetched
			out = append(out, PendingStore{ItemHash: hash, FileHash: hash, FileType: rec.Message.ItemType, Deadline: dl, Content: true})
			return limit == 0 || len(out) < limit
		}
		c, err := ParseContent(TypeStore, rec.Message.ItemContent)
		if bad = err; err != nil {
			return false
		}
		out = append(out, PendingStore{ItemHash: hash, FileHash: c.FileHash, FileType: c.FileType, Deadline: dl})
		return limit == 0 || len(out) < limit
	})
	return out, errors.Join(err, bad)
}

// Due returns the pending STOREs whose deadline is at or before height.
func (k Keeper) Due(kv state.KV, height int64) ([]string, error) {
	var out []string
	var bad error
	prefix := []byte{ModulePrefix, prefixPending}
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		dl, hash := int64(r.Uint64()), r.String()
		if bad = r.Err(); bad != nil || dl > height {
			return false
		}
		out = append(out, hash)
		return true
	})
	return out, errors.Join(err, bad)
}

// ProcessStore makes a pending STORE PROCESSED: attested at size, paid by
// charge. Its file joins the file index.
func (k Keeper) ProcessStore(kv state.KV, rec *pb.MessageRecord, size uint64, charge *pb.Charge, fx *Effects) error {
	c, err := ParseContent(TypeStore, rec.Message.ItemContent)
	if err != nil {
		return err
	}
	if err := k.dequeue(kv, rec); err != nil {
		return err
	}
	rec.FileSize, rec.FileHash, rec.Charge = size, c.FileHash, charge
	if err := kv.Set(fileKey(c.FileHash, rec.Message.ItemHash), present); err != nil {
		return err
	}
	return k.SetStatus(kv, rec, pb.MessageStatus_MESSAGE_STATUS_PROCESSED, fx)
}

// RejectStore makes a pending STORE REJECTED, saying why.
func (k Keeper) RejectStore(kv state.KV, rec *pb.MessageRecord, reason string, fx *Effects) error {
	if err := k.dequeue(kv, rec); err != nil {
		return err
	}
	rec.Rejection = reason
	rec.Message.ItemContent = nil // nobody pays to keep it
	if err := k.SetStatus(kv, rec, pb.MessageStatus_MESSAGE_STATUS_REJECTED, fx); err != nil {
		return err
	}
	fx.StatusChanges[len(fx.StatusChanges)-1].Reason = reason
	return nil
}

// LiveFiles lists, once each and in key order, the files that processed
// (or removing) STOREs name: what a node must keep pinned.
func (k Keeper) LiveFiles(kv state.KV) ([]string, error) {
	prefix := []byte{ModulePrefix, prefixFile}
	var out []string
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		file := r.String()
		if bad = r.Err(); bad != nil {
			return false
		}
		if len(out) == 0 || out[len(out)-1] != file {
			out = append(out, file)
		}
		return true
	})
	return out, errors.Join(err, bad)
}

// FileStores lists the processed (or removing) STOREs of a file: while
// there is one, the file stays pinned.
func (k Keeper) FileStores(kv state.KV, fileHash string) ([]string, error) {
	prefix := state.NewKey(ModulePrefix, prefixFile).String(fileHash).Bytes()
	var out []string
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		out = append(out, r.String())
		bad = r.Err()
		return bad == nil
	})
	return out, errors.Join(err, bad)
}
