package message

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// Content that is not inline. The Aleph SDKs move a POST's, AGGREGATE's or
// PROGRAM's content of 50,000 bytes or more (or any content, when the
// caller sets a storage engine) out of the message: item_type "storage"
// (item_hash is the sha256 hex of the content) or "ipfs" (item_hash is its
// CID), and no item_content. The signature covers item_hash, so the
// message is checked, paid for and signature-verified on admission as any
// other, and recorded PENDING in the queue STOREs wait in. Each
// validator's node fetches the content outside the state machine; once
// validators with more than 2/3 of the power attest it (x/attest), the
// next block carries the bytes in its attestation record and every
// validator applies the message with them (ApplyFetched), exactly as if it
// had come inline. Not attested by its deadline, it is REJECTED
// (ErrContentUnavailable).

// Item types of a message.
const (
	ItemInline  = "inline"
	ItemStorage = "storage"
	ItemIPFS    = "ipfs"
)

// Inline reports whether m carries its content.
func Inline(m *pb.AlephMessage) bool { return m.ItemType == ItemInline }

// parseNonInline checks a message whose content is elsewhere: no
// item_content (pyaleph: "%s messages cannot define item_content"), and an
// item_hash of its item_type's kind.
func parseNonInline(m *pb.AlephMessage) (*Content, int64, error) {
	if m.ItemType != ItemStorage && m.ItemType != ItemIPFS {
		return nil, 0, errs.Wrapf(ErrItemType, "item_type %q is not one of inline, storage, ipfs", m.ItemType)
	}
	if m.Type == TypeStore {
		// Its file is attested after its content: two waits in one
		// message, which no SDK sends.
		return nil, 0, errs.Wrapf(ErrItemType, "a STORE's content must be inline (item_type \"inline\"); its file may be storage or ipfs")
	}
	if len(m.ItemContent) != 0 {
		return nil, 0, errs.Wrapf(ErrContent, "%s messages cannot define item_content: item_hash names the content", m.ItemType)
	}
	if kind := fileHashKind(m.ItemHash); kind != m.ItemType {
		return nil, 0, errs.Wrapf(ErrItemType, "item_type is %q but item_hash %q is not a %s hash (a sha256 hex for storage, a CID for ipfs)", m.ItemType, m.ItemHash, m.ItemType)
	}
	if m.ItemType == ItemIPFS {
		if _, err := cid.Decode(m.ItemHash); err != nil {
			return nil, 0, errs.Wrapf(ErrItemType, "item_hash %q is not a CID: %v", m.ItemHash, err)
		}
	}
	t, err := ParseTime(m.Time)
	if err != nil {
		return nil, 0, err
	}
	// The content, and with it the owner, is not known yet.
	return &Content{}, t, nil
}

// ParseFetched checks attested content of a pending non-inline message as
// inline content is checked, the hash aside (attested): UTF-8, the size
// limit, the shape of its type. It returns the message with the content.
func ParseFetched(m *pb.AlephMessage, content []byte, p Params) (*pb.AlephMessage, *Content, error) {
	if n := uint64(len(content)); n > p.MaxFetchedBytes() {
		return nil, nil, errs.Wrapf(ErrTooLarge, "content of %s is %d bytes, the limit for content that is not inline is %d", m.ItemHash, n, p.MaxFetchedBytes())
	}
	if !utf8.Valid(content) {
		return nil, nil, errs.Wrapf(ErrContent, "content of %s is not valid UTF-8", m.ItemHash)
	}
	c, err := ParseContent(m.Type, content)
	if err != nil {
		return nil, nil, err
	}
	full := &pb.AlephMessage{
		Chain: m.Chain, Sender: m.Sender, Type: m.Type, Channel: m.Channel, Time: m.Time,
		ItemType: m.ItemType, ItemHash: m.ItemHash, ItemContent: content, Signature: m.Signature,
	}
	return full, c, nil
}

// MaxPendingPerSender bounds the non-inline messages one sender may have
// pending. Nothing is charged while a message waits for its content (its
// size and owner are in it), and a free message's rate limit (core
// channels, FORGETs) is counted when it is charged: without a bound, one
// key could queue any number of messages naming content nobody holds, each
// a record kept for good and a fetch every validator's node tries until
// the deadline. The SDKs send one message at a time; 100 is the default
// core rate limit per window.
const MaxPendingPerSender = 100

func pendingByKey(sender string) []byte {
	return state.NewKey(ModulePrefix, prefixPendingBy).String(ownerKey(sender)).Bytes()
}

// PendingBy returns how many non-inline messages sender has pending.
func (Keeper) PendingBy(kv state.KV, sender string) (uint64, error) {
	b, err := kv.Get(pendingByKey(sender))
	if err != nil || b == nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("pending count of %s is %d bytes, want 8", sender, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// countPending moves sender's pending count by delta; a count back to
// zero leaves no key.
func countPending(kv state.KV, sender string, delta int64) error {
	n, err := Keeper{}.PendingBy(kv, sender)
	if err != nil {
		return err
	}
	switch {
	case delta < 0 && n == 0:
		return fmt.Errorf("pending count of %s would go below zero", sender)
	case int64(n)+delta == 0:
		return kv.Delete(pendingByKey(sender))
	}
	return kv.Set(pendingByKey(sender), binary.BigEndian.AppendUint64(nil, uint64(int64(n)+delta)))
}

// admitPending records a non-inline message PENDING until its content is
// attested or its deadline passes.
func (k Keeper) admitPending(kv state.KV, env Env, m *pb.AlephMessage) error {
	if err := k.checkPendingRoom(kv, m.Sender); err != nil {
		return err
	}
	if err := countPending(kv, m.Sender, 1); err != nil {
		return err
	}
	deadline := env.Height + env.StoreAttestBlocks
	rec := &pb.MessageRecord{
		Message: m, Status: pb.MessageStatus_MESSAGE_STATUS_PENDING,
		Height: env.Height, TxIndex: env.TxIndex, BlockTimeUnixNano: env.BlockTimeUnixNano,
		AttestDeadline: deadline,
		// Until its content names the owner, the sender is: it may forget
		// the message while it waits.
		Owner: m.Sender,
	}
	if err := k.SaveMessage(kv, rec); err != nil {
		return err
	}
	return kv.Set(pendingKey(deadline, m.ItemHash), present)
}

// ApplyFetched applies a pending non-inline message with its attested
// content (m from ParseFetched: the pending message or one of its
// contenders), as Apply applies an inline one: the type handler's rules
// decide, and the record becomes PROCESSED with m. On error the caller
// discards kv and tries the next contender or rejects the message
// (RejectStore).
func (k Keeper) ApplyFetched(kv state.KV, env Env, m *pb.AlephMessage, c *Content, charge *pb.Charge) (Effects, error) {
	var fx Effects
	rec, err := k.GetMessage(kv, m.ItemHash)
	if err != nil {
		return fx, err
	}
	if rec == nil || rec.Status != pb.MessageStatus_MESSAGE_STATUS_PENDING || Inline(rec.Message) {
		return fx, fmt.Errorf("message %s is not a pending non-inline message", m.ItemHash)
	}
	if err := k.dequeue(kv, rec); err != nil {
		return fx, err
	}
	if err := k.applyContent(kv, env, m, c, charge, &fx); err != nil {
		return fx, err
	}
	change := StatusChange{Hash: m.ItemHash, Status: StatusName(pb.MessageStatus_MESSAGE_STATUS_PROCESSED)}
	if ownerKey(m.Sender) != ownerKey(rec.Message.Sender) { // a contender won
		change = contenderChange(m, pb.MessageStatus_MESSAGE_STATUS_PROCESSED)
	}
	fx.StatusChanges = append(fx.StatusChanges, change)
	return fx, nil
}

// UnavailableReason is the rejection of a pending message whose content
// (or, for a STORE, file) was not attested within blocks.
func UnavailableReason(rec *pb.MessageRecord, blocks int64) string {
	if Inline(rec.Message) {
		return ""
	}
	return fmt.Sprintf("%s/%d %s: validators holding more than 2/3 of the voting power did not attest the %s content %s within %d blocks; upload it (POST /api/v0/%s/add_json) and send the message again",
		Codespace, ErrContentUnavailable.Code, ErrContentUnavailable.Description, rec.Message.ItemType, rec.Message.ItemHash, blocks, rec.Message.ItemType)
}
