package message

import (
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// applyForget removes the content of each target. The sender must be
// allowed to act for the FORGET's own address, and the right to forget a
// message is the right to have created it (pyaleph's forget.py): the sender
// must be allowed for each target's owner, for the target's type, channel,
// chain, post type and aggregate key. Every target is checked against the
// state before the FORGET, so the order of the lists never matters.
func (k Keeper) applyForget(kv state.KV, m *pb.AlephMessage, c *Content, fx *Effects) error {
	if err := k.requireAuthorized(kv, m, c.Address, action{chain: m.Chain, channel: m.Channel, msgType: TypeForget}); err != nil {
		return err
	}
	targets, err := k.forgetTargets(kv, c)
	if err != nil {
		return err
	}
	for _, h := range targets {
		if err := k.checkForgettable(kv, m, h); err != nil {
			return err
		}
	}
	var stale staleAggregates
	for _, h := range targets {
		if err := k.forgetOne(kv, m, h, fx, &stale); err != nil {
			return err
		}
	}
	return k.rebuild(kv, &stale)
}

// staleAggregates are the aggregates that lost elements, each rebuilt once
// after all of them are gone: rebuilding after each would make a FORGET of
// a whole aggregate quadratic in its elements. The result is the same, as
// a rebuild reads only the elements left.
type staleAggregates struct {
	seen map[aggregateID]bool
	list []aggregateID // in the order first touched
}

type aggregateID struct{ owner, key string }

func (s *staleAggregates) add(owner, key string) {
	id := aggregateID{owner, key}
	if s.seen[id] {
		return
	}
	if s.seen == nil {
		s.seen = map[aggregateID]bool{}
	}
	s.seen[id] = true
	s.list = append(s.list, id)
}

func (k Keeper) rebuild(kv state.KV, s *staleAggregates) error {
	for _, id := range s.list {
		if err := k.recomputeAggregate(kv, id.owner, id.key); err != nil {
			return err
		}
	}
	return nil
}

// forgetTargets resolves hashes and aggregate keys to message hashes, in the
// order given; an aggregate key stands for every element of that key owned
// by the FORGET's address.
func (k Keeper) forgetTargets(kv state.KV, c *Content) ([]string, error) {
	targets := append([]string(nil), c.Hashes...)
	for _, key := range c.Aggregates {
		hashes, err := k.aggregateElements(kv, c.Address, key)
		if err != nil {
			return nil, err
		}
		if len(hashes) == 0 {
			return nil, errs.Wrapf(ErrForgetTarget, "%s has no aggregate %q", c.Address, key)
		}
		targets = append(targets, hashes...)
	}
	return targets, nil
}

// checkForgettable checks that sender m may forget target hash.
func (k Keeper) checkForgettable(kv state.KV, m *pb.AlephMessage, hash string) error {
	if hash == m.ItemHash {
		return errs.Wrapf(ErrForgetNotAllowed, "a FORGET cannot name itself")
	}
	rec, err := k.GetMessage(kv, hash)
	if err != nil {
		return err
	}
	if rec == nil {
		return errs.Wrapf(ErrForgetTarget, "no message %s; a FORGET can only name accepted messages", hash)
	}
	if rec.Message.Type == TypeForget {
		return errs.Wrapf(ErrForgetForget, "%s is a FORGET", hash)
	}
	act := action{chain: rec.Message.Chain, channel: rec.Message.Channel, msgType: rec.Message.Type}
	if Live(rec.Status) {
		content, err := ParseContent(rec.Message.Type, rec.Message.ItemContent)
		if err != nil {
			return err
		}
		act.postType, act.aggregateKey = content.PostType, content.Key
	}
	ok, err := k.authorized(kv, m.Sender, rec.Owner, act)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Wrapf(ErrForgetNotAllowed, "%s may not forget %s: it belongs to %s, and no authorization allows %s", m.Sender, hash, rec.Owner, describe(act))
	}
	return nil
}

// forgetOne forgets a target whose permission was checked: its own, or for
// an amend, that of the post it goes with.
func (k Keeper) forgetOne(kv state.KV, m *pb.AlephMessage, hash string, fx *Effects, stale *staleAggregates) error {
	rec, err := k.GetMessage(kv, hash)
	if err != nil {
		return err
	}
	for _, by := range rec.ForgottenBy {
		if by == m.ItemHash {
			return nil // named twice, or went with its post
		}
	}
	if rec.Status == pb.MessageStatus_MESSAGE_STATUS_PENDING && !Inline(rec.Message) {
		// A copy withdrawn by its sender leaves the item_hash to the
		// first contender, not to nobody.
		if promoted, err := k.promoteContender(kv, rec, fx); promoted || err != nil {
			return err
		}
	}
	rec.ForgottenBy = append(rec.ForgottenBy, m.ItemHash)
	fx.Forgotten = append(fx.Forgotten, hash)
	if rec.Status == pb.MessageStatus_MESSAGE_STATUS_PENDING { // nothing indexed or charged yet
		if err := k.dequeue(kv, rec); err != nil {
			return err
		}
		rec.Status, rec.Message.ItemContent = pb.MessageStatus_MESSAGE_STATUS_FORGOTTEN, nil
		return k.SaveMessage(kv, rec)
	}
	if !Live(rec.Status) { // already forgotten or removed: record who forgot it again
		return k.SaveMessage(kv, rec)
	}
	content, err := ParseContent(rec.Message.Type, rec.Message.ItemContent)
	if err != nil {
		return err
	}
	rec.Status = pb.MessageStatus_MESSAGE_STATUS_FORGOTTEN
	rec.Message.ItemContent = nil
	if err := k.SaveMessage(kv, rec); err != nil {
		return err
	}
	return k.unindex(kv, rec, content, stale, func(amend string) error { return k.forgetOne(kv, m, amend, fx, stale) })
}

// Remove ends messages whose payer stopped paying (garbage collection), in
// order: each becomes REMOVED, loses its content and leaves the derived
// state, like a forgotten one. A removed post's amends stay, each paid for
// on its own, but no longer amend anything. The aggregates that lose
// elements are rebuilt once, at the end: a payer's whole history often goes
// at once.
func (k Keeper) Remove(kv state.KV, recs []*pb.MessageRecord, fx *Effects) error {
	var stale staleAggregates
	for _, rec := range recs {
		if err := k.remove(kv, rec, &stale, fx); err != nil {
			return err
		}
	}
	return k.rebuild(kv, &stale)
}

func (k Keeper) remove(kv state.KV, rec *pb.MessageRecord, stale *staleAggregates, fx *Effects) error {
	content, err := ParseContent(rec.Message.Type, rec.Message.ItemContent)
	if err != nil {
		return err
	}
	rec.Message.ItemContent = nil
	if err := k.SetStatus(kv, rec, pb.MessageStatus_MESSAGE_STATUS_REMOVED, fx); err != nil {
		return err
	}
	return k.unindex(kv, rec, content, stale, func(amend string) error {
		if err := kv.Delete(amendKey(rec.Message.ItemHash, amend)); err != nil {
			return err
		}
		return k.refreshHead(kv, rec.Message.ItemHash)
	})
}

// SetStatus saves rec with a new status and reports the change.
func (k Keeper) SetStatus(kv state.KV, rec *pb.MessageRecord, s pb.MessageStatus, fx *Effects) error {
	rec.Status = s
	fx.StatusChanges = append(fx.StatusChanges, StatusChange{Hash: rec.Message.ItemHash, Status: StatusName(s)})
	return k.SaveMessage(kv, rec)
}

// Live reports whether a message in status s is served and counts in the
// derived state: processed, or removing (in its payer's grace period).
func Live(s pb.MessageStatus) bool {
	return s == pb.MessageStatus_MESSAGE_STATUS_PROCESSED || s == pb.MessageStatus_MESSAGE_STATUS_REMOVING
}

// unindex removes what a forgotten or removed message contributed to
// derived state; dropAmend deals with each amend of a post, and an
// aggregate element's aggregate goes to stale, for the caller to rebuild.
func (k Keeper) unindex(kv state.KV, rec *pb.MessageRecord, c *Content, stale *staleAggregates, dropAmend func(hash string) error) error {
	hash := rec.Message.ItemHash
	switch rec.Message.Type {
	case TypePost:
		if c.PostType == AmendType {
			if err := kv.Delete(amendKey(c.Ref, hash)); err != nil {
				return err
			}
			return k.refreshHead(kv, c.Ref)
		}
		amends, err := k.amendsOf(kv, hash)
		if err != nil {
			return err
		}
		for _, a := range amends {
			if err := dropAmend(a); err != nil {
				return err
			}
		}
		return nil
	case TypeAggregate:
		if err := kv.Delete(aggElementKey(c.Address, c.Key, c.TimeNano, hash)); err != nil {
			return err
		}
		stale.add(c.Address, c.Key)
		return nil
	case TypeStore:
		return kv.Delete(fileKey(c.FileHash, hash))
	}
	return nil
}
