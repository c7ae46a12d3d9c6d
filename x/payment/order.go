package payment

import (
	"encoding/binary"
	"fmt"

	"github.com/alephd/alephd/state"
)

// A payer's charge order lists its unreleased charges by block: one key per
// payer and height (`03 03 payer height`), whose value lists the block's
// charges in transaction order. One key per message would double the
// leaves a block adds to the tree (a message's record is the other); one
// per payer and block costs a leaf per active payer, however busy.
//
// An entry is `item_hash, tx index (u32), len(item_hash) (u8)`: the length
// comes last so the list reads from its end, which is both the newest
// charge (garbage collection starts there) and the append point.

// orderEntry is one charge in a block's list.
type orderEntry struct {
	tx   uint32
	hash string
}

func orderPrefix(p payer) []byte { return p.key(prefixPayerItem).Bytes() }

func orderKey(p payer, height int64) []byte {
	return p.key(prefixPayerItem).Uint64(uint64(height)).Bytes()
}

// decodeOrder returns a block's entries, oldest first.
func decodeOrder(b []byte) ([]orderEntry, error) {
	var out []orderEntry
	for len(b) > 0 {
		e, rest, err := lastEntry(b)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		b = rest
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// lastEntry splits the newest entry off a list.
func lastEntry(b []byte) (orderEntry, []byte, error) {
	if len(b) < 5 {
		return orderEntry{}, nil, fmt.Errorf("corrupt charge order: %d trailing bytes", len(b))
	}
	n := int(b[len(b)-1])
	start := len(b) - 5 - n
	if start < 0 {
		return orderEntry{}, nil, fmt.Errorf("corrupt charge order: entry of %d bytes in %d", n, len(b))
	}
	e := orderEntry{tx: binary.BigEndian.Uint32(b[len(b)-5:]), hash: string(b[start : len(b)-5])}
	return e, b[:start], nil
}

func appendEntry(b []byte, e orderEntry) []byte {
	b = append(b, e.hash...)
	b = binary.BigEndian.AppendUint32(b, e.tx)
	return append(b, byte(len(e.hash)))
}

// listCharge adds a charge to its payer's order. Charges arrive in transaction
// order, so the entry normally goes at the end (in the mempool view every
// transaction has index 0: arrival order); a genesis import, which walks
// records by hash, inserts in place.
func listCharge(kv state.KV, p payer, height int64, e orderEntry) error {
	if len(e.hash) > 255 {
		return fmt.Errorf("item_hash of %d bytes cannot be listed", len(e.hash))
	}
	key := orderKey(p, height)
	b, err := kv.Get(key)
	if err != nil {
		return err
	}
	if len(b) > 0 {
		last, _, err := lastEntry(b)
		if err != nil {
			return err
		}
		if last.tx > e.tx {
			return insertEntry(kv, key, b, e)
		}
	}
	out := make([]byte, len(b), len(b)+len(e.hash)+5)
	copy(out, b)
	return kv.Set(key, appendEntry(out, e))
}

func insertEntry(kv state.KV, key, b []byte, e orderEntry) error {
	entries, err := decodeOrder(b)
	if err != nil {
		return err
	}
	var out []byte
	placed := false
	for _, x := range entries {
		if !placed && e.tx < x.tx {
			out, placed = appendEntry(out, e), true
		}
		out = appendEntry(out, x)
	}
	if !placed {
		out = appendEntry(out, e)
	}
	return kv.Set(key, out)
}

// unlistCharge takes a charge out of its payer's order; the key goes with its
// last entry.
func unlistCharge(kv state.KV, p payer, height int64, e orderEntry) error {
	key := orderKey(p, height)
	b, err := kv.Get(key)
	if err != nil {
		return err
	}
	entries, err := decodeOrder(b)
	if err != nil {
		return err
	}
	var out []byte
	found := false
	for _, x := range entries {
		if x == e {
			found = true
			continue
		}
		out = appendEntry(out, x)
	}
	switch {
	case !found:
		return fmt.Errorf("charge %s (height %d, tx %d) is not in %c/%s's order", e.hash, height, e.tx, p.kind, p.id)
	case len(out) == 0:
		return kv.Delete(key)
	}
	return kv.Set(key, out)
}

// walkOrder calls fn with a payer's charges, newest or oldest first, until
// it returns false.
func walkOrder(kv state.KV, p payer, newestFirst bool, fn func(hash string) bool) error {
	prefix := orderPrefix(p)
	var bad error
	err := state.IteratePrefix(kv, prefix, newestFirst, func(_, value []byte) bool {
		entries, err := decodeOrder(value)
		if bad = err; err != nil {
			return false
		}
		for i := range entries {
			if newestFirst {
				i = len(entries) - 1 - i
			}
			if !fn(entries[i].hash) {
				return false
			}
		}
		return true
	})
	if err == nil {
		err = bad
	}
	return err
}

// walkRemoving calls fn with a payer's charges in grace, oldest first,
// until it returns false.
func walkRemoving(kv state.KV, p payer, fn func(hash string) bool) error {
	prefix := payerRemovingPrefix(p)
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		r.Uint64()
		r.Uint32()
		hash := r.String()
		if bad = r.Err(); bad != nil {
			return false
		}
		return fn(hash)
	})
	if err == nil {
		err = bad
	}
	return err
}
