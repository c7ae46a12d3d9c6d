package message

import (
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/chains"
)

// AmendType is the POST type that replaces the content of the post in ref.
const AmendType = "amend"

func (k Keeper) applyPost(kv state.KV, m *pb.AlephMessage, c *Content) error {
	if c.PostType != AmendType {
		return k.requireAuthorized(kv, m, c.Address, action{chain: m.Chain, channel: m.Channel, msgType: TypePost, postType: c.PostType})
	}
	orig, err := k.GetMessage(kv, c.Ref)
	if err != nil {
		return err
	}
	if orig == nil || orig.Message.Type != TypePost || !Live(orig.Status) {
		return errs.Wrapf(ErrAmendTarget, "ref %s names no live POST; post the original first", c.Ref)
	}
	origContent, err := ParseContent(TypePost, orig.Message.ItemContent)
	if err != nil {
		return err
	}
	if origContent.PostType == AmendType {
		return errs.Wrapf(ErrAmendOfAmend, "ref %s is itself an amend; amend the original post %s instead", c.Ref, origContent.Ref)
	}
	if !chains.SameAddress(c.Address, orig.Owner) {
		return errs.Wrapf(ErrAmendOwner, "amend is for %s but post %s belongs to %s", c.Address, c.Ref, orig.Owner)
	}
	// The right to amend is the right to create the original.
	act := action{chain: orig.Message.Chain, channel: orig.Message.Channel, msgType: TypePost, postType: origContent.PostType}
	if err := k.requireAuthorized(kv, m, orig.Owner, act); err != nil {
		return err
	}
	if err := kv.Set(amendKey(c.Ref, m.ItemHash), encodeHead(c.TimeNano, m.ItemHash)); err != nil {
		return err
	}
	head, err := kv.Get(postHeadKey(c.Ref))
	if err != nil {
		return err
	}
	if t, h := decodeHead(head); head == nil || later(c.TimeNano, m.ItemHash, t, h) {
		return kv.Set(postHeadKey(c.Ref), encodeHead(c.TimeNano, m.ItemHash))
	}
	return nil
}

// refreshHead recomputes which amend of original is the latest, after one
// was forgotten.
func (k Keeper) refreshHead(kv state.KV, original string) error {
	var bestTime int64
	var bestHash string
	var found bool
	err := state.IteratePrefix(kv, amendPrefix(original), false, func(_, v []byte) bool {
		t, h := decodeHead(v)
		if !found || later(t, h, bestTime, bestHash) {
			bestTime, bestHash, found = t, h, true
		}
		return true
	})
	if err != nil {
		return err
	}
	if !found {
		return kv.Delete(postHeadKey(original))
	}
	return kv.Set(postHeadKey(original), encodeHead(bestTime, bestHash))
}

// amendsOf lists the amends of original, in key order.
func (k Keeper) amendsOf(kv state.KV, original string) ([]string, error) {
	var out []string
	err := state.IteratePrefix(kv, amendPrefix(original), false, func(_, v []byte) bool {
		_, h := decodeHead(v)
		out = append(out, h)
		return true
	})
	return out, err
}
