package message

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"

	"github.com/alephd/alephd/state"
)

// Invariants checks that the derived state agrees with the message records:
//   - every aggregate equals the merge of its live elements, recomputed;
//   - every aggregate element and amend index names a live message;
//   - every post head names the latest live amend of its post.
//
// It returns the first violation. Tests and the simulation run it after
// every block; a violation is a bug, never bad input.
func (k Keeper) Invariants(kv state.KV) error {
	if err := k.checkAggregates(kv); err != nil {
		return err
	}
	if err := k.checkPending(kv); err != nil {
		return err
	}
	return k.checkAmends(kv)
}

// checkPending: the attestation queue lists exactly the PENDING STOREs, at
// their deadlines, and only processed (or removing) STOREs are in the file
// index.
func (k Keeper) checkPending(kv state.KV) error {
	queued, err := k.Pending(kv, 0)
	if err != nil {
		return err
	}
	for _, q := range queued {
		rec, err := k.GetMessage(kv, q.ItemHash)
		if err != nil {
			return err
		}
		if rec.Status != pb.MessageStatus_MESSAGE_STATUS_PENDING || q.Deadline != rec.AttestDeadline {
			return fmt.Errorf("invariant: attestation queue lists %s (deadline %d), which is %s from height %d", q.ItemHash, q.Deadline, StatusName(rec.Status), rec.Height)
		}
	}
	pending := 0
	bySender := map[string]uint64{} // non-inline messages pending, per sender key
	var nonInline uint64
	err = k.EachRecord(kv, func(rec *pb.MessageRecord) error {
		if rec.Status == pb.MessageStatus_MESSAGE_STATUS_PENDING {
			pending++
			if !Inline(rec.Message) {
				bySender[ownerKey(rec.Message.Sender)]++
				nonInline++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if pending != len(queued) {
		return fmt.Errorf("invariant: %d STOREs are pending, the attestation queue lists %d", pending, len(queued))
	}
	if err := k.checkContenders(kv, bySender, &nonInline); err != nil {
		return err
	}
	if err := checkPendingBy(kv, bySender, nonInline); err != nil {
		return err
	}
	var bad error
	prefix := []byte{ModulePrefix, prefixFile}
	err = state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		_ = r.String() // the file hash
		hash := r.String()
		if bad = r.Err(); bad == nil {
			bad = k.live(kv, hash, TypeStore)
		}
		return bad == nil
	})
	return firstErr(err, bad)
}

func (k Keeper) live(kv state.KV, hash, want string) error {
	rec, err := k.GetMessage(kv, hash)
	if err != nil {
		return err
	}
	if rec == nil || !Live(rec.Status) || rec.Message.Type != want {
		return fmt.Errorf("invariant: index names %s, which is not a live %s", hash, want)
	}
	return nil
}

func (k Keeper) checkAggregates(kv state.KV) error {
	type agg struct{ owner, key string }
	var aggs []agg
	var bad error
	prefix := []byte{ModulePrefix, prefixAggregate}
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		owner, rest, err := readString(key[len(prefix):])
		var name string
		if err == nil {
			name, _, err = readString(rest)
		}
		if err != nil {
			bad = fmt.Errorf("invariant: corrupt aggregate key %x", key)
			return false
		}
		aggs = append(aggs, agg{owner, name})
		return true
	})
	if err != nil || bad != nil {
		return firstErr(err, bad)
	}
	for _, a := range aggs {
		stored, err := k.GetAggregate(kv, a.owner, a.key)
		if err != nil {
			return err
		}
		hashes, err := k.aggregateElements(kv, a.owner, a.key)
		if err != nil {
			return err
		}
		for _, h := range hashes {
			if err := k.live(kv, h, TypeAggregate); err != nil {
				return err
			}
		}
		// Recompute on a scratch cache and compare.
		scratch := state.NewCache(kv)
		if err := k.recomputeAggregate(scratch, a.owner, a.key); err != nil {
			return err
		}
		fresh, err := k.GetAggregate(scratch, a.owner, a.key)
		if err != nil {
			return err
		}
		if fresh == nil || !bytes.Equal(marshal(fresh), marshal(stored)) {
			return fmt.Errorf("invariant: aggregate %s/%s differs from the merge of its elements", a.owner, a.key)
		}
	}
	return nil
}

func (k Keeper) checkAmends(kv state.KV) error {
	heads := map[string]bool{}
	var originals []string
	var bad error
	prefix := []byte{ModulePrefix, prefixPostHead}
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		orig, _, err := readString(key[len(prefix):])
		if err != nil {
			bad = fmt.Errorf("invariant: corrupt post head key %x", key)
			return false
		}
		originals = append(originals, orig)
		heads[orig] = true
		return true
	})
	if err != nil || bad != nil {
		return firstErr(err, bad)
	}
	for _, orig := range originals {
		if err := k.live(kv, orig, TypePost); err != nil {
			return err
		}
		amends, err := k.amendsOf(kv, orig)
		if err != nil {
			return err
		}
		if len(amends) == 0 {
			return fmt.Errorf("invariant: post %s has a head but no amends", orig)
		}
		for _, a := range amends {
			if err := k.live(kv, a, TypePost); err != nil {
				return err
			}
		}
		scratch := state.NewCache(kv)
		if err := k.refreshHead(scratch, orig); err != nil {
			return err
		}
		want, _ := scratch.Get(postHeadKey(orig))
		got, err := kv.Get(postHeadKey(orig))
		if err != nil {
			return err
		}
		if !bytes.Equal(want, got) {
			return fmt.Errorf("invariant: post %s's head is not its latest amend", orig)
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// checkContenders: each contender is keyed by its own item_hash and
// sender, and contends for a PENDING non-inline message of another sender.
// Each counts against its sender's pending bound (added to bySender).
func (k Keeper) checkContenders(kv state.KV, bySender map[string]uint64, total *uint64) error {
	type contender struct {
		hash, sender string
		m            *pb.AlephMessage
	}
	var all []contender
	var bad error
	prefix := []byte{ModulePrefix, prefixContender}
	err := state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		hash, sender := r.String(), r.String()
		m := new(pb.AlephMessage)
		if bad = firstErr(r.Err(), proto.Unmarshal(v, m)); bad != nil {
			return false
		}
		all = append(all, contender{hash, sender, m})
		return true
	})
	if err = firstErr(err, bad); err != nil {
		return err
	}
	for _, c := range all {
		if c.m.ItemHash != c.hash || ownerKey(c.m.Sender) != c.sender || Inline(c.m) {
			return fmt.Errorf("invariant: contender key (%s, %s) holds %s %s from %s", c.hash, c.sender, c.m.ItemType, c.m.ItemHash, c.m.Sender)
		}
		rec, err := k.GetMessage(kv, c.hash)
		if err != nil {
			return err
		}
		if rec == nil || rec.Status != pb.MessageStatus_MESSAGE_STATUS_PENDING || Inline(rec.Message) || ownerKey(rec.Message.Sender) == c.sender {
			return fmt.Errorf("invariant: %s contends for %s, which is not another sender's pending non-inline message", c.sender, c.hash)
		}
		bySender[c.sender]++
		*total++
	}
	return nil
}

// checkPendingBy checks the per-sender counts of pending non-inline
// messages against the records (want, total).
func checkPendingBy(kv state.KV, want map[string]uint64, total uint64) error {
	var counted uint64
	var bad error
	prefix := []byte{ModulePrefix, prefixPendingBy}
	err := state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		sender := r.String()
		if bad = r.Err(); bad != nil {
			return false
		}
		if len(v) != 8 || binary.BigEndian.Uint64(v) != want[sender] || want[sender] == 0 {
			bad = fmt.Errorf("invariant: %s's pending count is %x, it has %d non-inline messages pending", sender, v, want[sender])
			return false
		}
		counted += want[sender]
		return true
	})
	if err = firstErr(err, bad); err != nil {
		return err
	}
	if counted != total {
		return fmt.Errorf("invariant: the pending counts add up to %d, %d non-inline messages are pending", counted, total)
	}
	return nil
}
