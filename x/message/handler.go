package message

import (
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// Env is the block context a message is applied in.
type Env struct {
	Height            int64
	TxIndex           uint32
	BlockTimeUnixNano int64
	// StoreAttestBlocks and MaxAggregateBytes are the params of those
	// names (the app caches params).
	StoreAttestBlocks int64
	MaxAggregateBytes uint64
}

// Effects reports what applying a message did to other messages, for the
// query index and the API; it is not state.
type Effects struct {
	// Forgotten lists the messages a FORGET forgot (or forgot again), in
	// order, amends that went with their post included.
	Forgotten []string
	// StatusChanges lists, in order, messages whose status moved without
	// being forgotten: into and out of `removing`, and to `removed`.
	StatusChanges []StatusChange
}

// StatusChange is one message's new status, in pyaleph's words.
type StatusChange struct {
	Hash   string
	Status string
	// Reason says why, for a rejection.
	Reason string
	// Envelope, when set, is the item_hash's message from now on: a
	// contender (contender.go) took the pending record's place. Without
	// content: the index reads that from the record it carried.
	Envelope *pb.AlephMessage
}

// Apply runs the type handler of a message whose envelope and signature
// were already checked, and records it. On error the caller discards kv
// and the effects.
// charge, if any, is who paid, as the payment providers recorded it.
func (k Keeper) Apply(kv state.KV, env Env, m *pb.AlephMessage, c *Content, charge *pb.Charge) (Effects, error) {
	var fx Effects
	return fx, k.apply(kv, env, m, c, charge, &fx)
}

func (k Keeper) apply(kv state.KV, env Env, m *pb.AlephMessage, c *Content, charge *pb.Charge, fx *Effects) error {
	dup, err := k.HasMessage(kv, m.ItemHash)
	if err != nil {
		return err
	}
	if dup {
		if !Inline(m) { // another sender's copy of pending content contends
			rec, err := k.GetMessage(kv, m.ItemHash)
			if err != nil {
				return err
			}
			if rec.Status == pb.MessageStatus_MESSAGE_STATUS_PENDING && !Inline(rec.Message) {
				return k.admitContender(kv, rec, m)
			}
		}
		return errs.Wrapf(ErrDuplicate, "message %s was already accepted", m.ItemHash)
	}
	if !Inline(m) {
		return k.admitPending(kv, env, m)
	}
	return k.applyContent(kv, env, m, c, charge, fx)
}

// applyContent records a message with its content and runs its type
// handler: an inline one on admission, a non-inline one once its content
// is attested.
func (k Keeper) applyContent(kv state.KV, env Env, m *pb.AlephMessage, c *Content, charge *pb.Charge, fx *Effects) error {
	var err error
	status, deadline := pb.MessageStatus_MESSAGE_STATUS_PROCESSED, int64(0)
	if m.Type == TypeStore {
		status, deadline = pb.MessageStatus_MESSAGE_STATUS_PENDING, env.Height+env.StoreAttestBlocks
	}
	rec := &pb.MessageRecord{
		Message:             m,
		Status:              status,
		Height:              env.Height,
		TxIndex:             env.TxIndex,
		BlockTimeUnixNano:   env.BlockTimeUnixNano,
		Owner:               c.Address,
		ContentTimeUnixNano: c.TimeNano,
		ContentSize:         uint64(len(m.ItemContent)),
		Charge:              charge,
		AttestDeadline:      deadline,
	}
	// Saved first: an out-of-order aggregate recompute reads it back. A
	// rejection below discards the whole transaction cache.
	if err := k.SaveMessage(kv, rec); err != nil {
		return err
	}
	switch m.Type {
	case TypePost:
		err = k.applyPost(kv, m, c)
	case TypeAggregate:
		err = k.applyAggregate(kv, env, m, c)
	case TypeStore:
		err = k.applyStore(kv, rec, c)
	case TypeForget:
		err = k.applyForget(kv, m, c, fx)
	default: // PROGRAM and INSTANCE are recorded for resource nodes to read.
		err = k.requireAuthorized(kv, m, c.Address, action{chain: m.Chain, channel: m.Channel, msgType: m.Type})
	}
	return err
}

func (k Keeper) requireAuthorized(kv state.KV, m *pb.AlephMessage, owner string, act action) error {
	ok, err := k.authorized(kv, m.Sender, owner, act)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Wrapf(ErrUnauthorized, "%s is not %s and no authorization in %s's security aggregate allows it %s", m.Sender, owner, owner, describe(act))
	}
	return nil
}

func describe(a action) string {
	s := a.msgType + " on channel " + quote(a.channel) + " (chain " + a.chain
	if a.postType != "" {
		s += ", post type " + quote(a.postType)
	}
	if a.aggregateKey != "" {
		s += ", aggregate key " + quote(a.aggregateKey)
	}
	return s + ")"
}

func quote(s string) string { return "\"" + s + "\"" }

// applyStore queues a STORE for attestation; its record is PENDING.
func (k Keeper) applyStore(kv state.KV, rec *pb.MessageRecord, c *Content) error {
	m := rec.Message
	if err := k.requireAuthorized(kv, m, c.Address, action{chain: m.Chain, channel: m.Channel, msgType: TypeStore}); err != nil {
		return err
	}
	return kv.Set(pendingKey(rec.AttestDeadline, m.ItemHash), present)
}
