package message

import (
	"encoding/json"
	"fmt"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

func (k Keeper) applyAggregate(kv state.KV, m *pb.AlephMessage, c *Content) error {
	act := action{chain: m.Chain, channel: m.Channel, msgType: TypeAggregate, aggregateKey: c.Key}
	if err := k.requireAuthorized(kv, m, c.Address, act); err != nil {
		return err
	}
	if err := kv.Set(aggElementKey(c.Address, c.Key, c.TimeNano, m.ItemHash), present); err != nil {
		return err
	}
	agg, err := k.GetAggregate(kv, c.Address, c.Key)
	if err != nil {
		return err
	}
	if agg == nil || later(c.TimeNano, m.ItemHash, agg.LastTimeUnixNano, agg.LastItemHash) {
		// In order: merge on top of what is there.
		return k.mergeOnto(kv, c.Address, c.Key, agg, c.Object, c.TimeNano, m.ItemHash)
	}
	// Out of order: replay every element, so the result never depends on
	// arrival order.
	return k.recomputeAggregate(kv, c.Address, c.Key)
}

// mergeOnto shallow-merges obj over agg (nil for a new aggregate) and saves it.
func (k Keeper) mergeOnto(kv state.KV, owner, key string, agg *pb.AggregateRecord, obj map[string]json.RawMessage, t int64, hash string) error {
	merged := map[string]json.RawMessage{}
	if agg == nil {
		agg = &pb.AggregateRecord{FirstTimeUnixNano: t, FirstItemHash: hash}
	} else if err := json.Unmarshal(agg.Content, &merged); err != nil {
		return fmt.Errorf("decode aggregate %s/%s: %w", owner, key, err)
	}
	for name, v := range obj {
		merged[name] = v
	}
	content, err := json.Marshal(merged) // sorts keys
	if err != nil {
		return fmt.Errorf("encode aggregate %s/%s: %w", owner, key, err)
	}
	agg.Content = content
	agg.LastTimeUnixNano, agg.LastItemHash = t, hash
	agg.Elements++
	return kv.Set(aggregateKey(owner, key), marshal(agg))
}

// recomputeAggregate rebuilds (owner, key) from its live elements, in
// (content.time, item_hash) order, and deletes it when none is left.
func (k Keeper) recomputeAggregate(kv state.KV, owner, key string) error {
	hashes, err := k.aggregateElements(kv, owner, key)
	if err != nil {
		return err
	}
	if len(hashes) == 0 {
		return kv.Delete(aggregateKey(owner, key))
	}
	merged := map[string]json.RawMessage{}
	agg := &pb.AggregateRecord{}
	for i, h := range hashes {
		rec, err := k.GetMessage(kv, h)
		if err != nil {
			return err
		}
		if rec == nil {
			return fmt.Errorf("aggregate %s/%s indexes missing message %s", owner, key, h)
		}
		c, err := ParseContent(TypeAggregate, rec.Message.ItemContent)
		if err != nil {
			return fmt.Errorf("stored aggregate element %s no longer parses: %w", h, err)
		}
		for name, v := range c.Object {
			merged[name] = v
		}
		if i == 0 {
			agg.FirstTimeUnixNano, agg.FirstItemHash = c.TimeNano, h
		}
		agg.LastTimeUnixNano, agg.LastItemHash = c.TimeNano, h
		agg.Elements++
	}
	if agg.Content, err = json.Marshal(merged); err != nil {
		return fmt.Errorf("encode aggregate %s/%s: %w", owner, key, err)
	}
	return kv.Set(aggregateKey(owner, key), marshal(agg))
}

// aggregateElements lists the item_hashes of the live elements of (owner,
// key) in merge order.
func (k Keeper) aggregateElements(kv state.KV, owner, key string) ([]string, error) {
	prefix := aggElementPrefix(owner, key)
	var out []string
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(ek, _ []byte) bool {
		h, _, err := readString(ek[len(prefix)+8:])
		if err != nil {
			bad = fmt.Errorf("corrupt aggregate element key %x", ek)
			return false
		}
		out = append(out, h)
		return true
	})
	if err == nil {
		err = bad
	}
	return out, err
}
