package message

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// Contenders. A non-inline message is admitted before anyone knows its
// content, and so its owner: whoever sees an item_hash (in the mempool, or
// uploaded through the public /storage/add_json) could sign a message with
// it first and, keyed by item_hash, take it from the real sender for good.
// So a non-inline message whose item_hash is PENDING from another sender
// is admitted as a contender, one per sender, counted against that
// sender's pending bound. Once the content is attested, the pending
// message is tried first, then each contender in key order (sender key),
// each in a cache of its own: the first that passes (payment,
// authorization for content.address, the type's rules) becomes the record.
// Contenders leave with the record from the queue.

func contenderPrefix(hash string) []byte {
	return state.NewKey(ModulePrefix, prefixContender).String(hash).Bytes()
}

func contenderKey(hash, sender string) []byte {
	return state.NewKey(ModulePrefix, prefixContender).String(hash).String(ownerKey(sender)).Bytes()
}

// Contenders returns the contenders of a pending item_hash, in key order:
// the order they are tried in.
func (Keeper) Contenders(kv state.KV, hash string) ([]*pb.AlephMessage, error) {
	var out []*pb.AlephMessage
	var bad error
	err := state.IteratePrefix(kv, contenderPrefix(hash), false, func(_, v []byte) bool {
		m := new(pb.AlephMessage)
		if err := proto.Unmarshal(v, m); err != nil {
			bad = fmt.Errorf("decode contender of %s: %w", hash, err)
			return false
		}
		out = append(out, m)
		return true
	})
	return out, errors.Join(err, bad)
}

// checkPendingRoom refuses a sender at its pending bound.
func (k Keeper) checkPendingRoom(kv state.KV, sender string) error {
	n, err := k.PendingBy(kv, sender)
	if err != nil {
		return err
	}
	if n >= MaxPendingPerSender {
		return errs.Wrapf(ErrTooManyPending, "%s already has %d messages waiting for their content (item_type storage or ipfs), the limit is %d; send more once they are processed or rejected", sender, n, MaxPendingPerSender)
	}
	return nil
}

// admitContender records m, a non-inline message whose item_hash rec
// (PENDING, non-inline) already holds. The same sender twice is a
// duplicate.
func (k Keeper) admitContender(kv state.KV, rec *pb.MessageRecord, m *pb.AlephMessage) error {
	if ownerKey(rec.Message.Sender) == ownerKey(m.Sender) {
		return errs.Wrapf(ErrDuplicate, "message %s was already accepted from %s and is waiting for its content", m.ItemHash, m.Sender)
	}
	key := contenderKey(m.ItemHash, m.Sender)
	has, err := kv.Has(key)
	if err != nil {
		return err
	}
	if has {
		return errs.Wrapf(ErrDuplicate, "message %s from %s was already accepted and is waiting for its content", m.ItemHash, m.Sender)
	}
	if err := k.checkPendingRoom(kv, m.Sender); err != nil {
		return err
	}
	if err := countPending(kv, m.Sender, 1); err != nil {
		return err
	}
	return kv.Set(key, marshal(m))
}

// dropContenders deletes the contenders of hash and their counts: the
// record left the queue.
func dropContenders(kv state.KV, hash string) error {
	cs, err := Keeper{}.Contenders(kv, hash)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := countPending(kv, c.Sender, -1); err != nil {
			return err
		}
		if err := kv.Delete(contenderKey(hash, c.Sender)); err != nil {
			return err
		}
	}
	return nil
}

// promoteContender replaces rec, a PENDING non-inline message its sender
// forgets, with its first contender, which keeps the record's place in the
// queue (height and deadline). Forgetting a copy must not take the real
// sender's message with it. It reports whether there was one.
func (k Keeper) promoteContender(kv state.KV, rec *pb.MessageRecord, fx *Effects) (bool, error) {
	cs, err := k.Contenders(kv, rec.Message.ItemHash)
	if err != nil || len(cs) == 0 {
		return false, err
	}
	first := cs[0]
	// The forgotten message stops counting; the contender's count now
	// counts the record.
	if err := countPending(kv, rec.Message.Sender, -1); err != nil {
		return false, err
	}
	if err := kv.Delete(contenderKey(first.ItemHash, first.Sender)); err != nil {
		return false, err
	}
	rec.Message, rec.Owner = first, first.Sender
	fx.StatusChanges = append(fx.StatusChanges, contenderChange(first, pb.MessageStatus_MESSAGE_STATUS_PENDING))
	return true, k.SaveMessage(kv, rec)
}

func contenderChange(m *pb.AlephMessage, status pb.MessageStatus) StatusChange {
	env := proto.Clone(m).(*pb.AlephMessage)
	env.ItemContent = nil
	return StatusChange{Hash: m.ItemHash, Status: StatusName(status), Envelope: env}
}
