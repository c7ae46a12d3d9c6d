package message

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// applyAggregate merges an element into its aggregate. Each member of the
// merged content is the value of the latest element, by (content.time,
// item_hash), that sets it, whatever the arrival order. The record names
// that element for each member, so an element that arrives late merges in
// by comparing its own members only: the cost of an element is its own
// size plus the aggregate's, never the aggregate's history.
func (k Keeper) applyAggregate(kv state.KV, env Env, m *pb.AlephMessage, c *Content) error {
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
	if agg != nil && len(agg.Fields) == 0 && len(agg.Content) > len("{}") {
		// Written before records named their members' elements: replay
		// once, which names them.
		if err := k.recomputeAggregate(kv, c.Address, c.Key); err != nil {
			return err
		}
		return k.checkAggregateSize(kv, env, c)
	}
	merged, err := decodeAggregate(c.Address, c.Key, agg)
	if err != nil {
		return err
	}
	src := sources(agg)
	if agg == nil {
		agg = &pb.AggregateRecord{FirstTimeUnixNano: c.TimeNano, FirstItemHash: m.ItemHash}
	}
	for name, v := range c.Object { // each member on its own: the order does not matter
		if s, ok := src[name]; !ok || later(c.TimeNano, m.ItemHash, s.TimeUnixNano, s.ItemHash) {
			merged[name] = v
			src[name] = &pb.AggregateField{Name: name, TimeUnixNano: c.TimeNano, ItemHash: m.ItemHash}
		}
	}
	if later(c.TimeNano, m.ItemHash, agg.LastTimeUnixNano, agg.LastItemHash) {
		agg.LastTimeUnixNano, agg.LastItemHash = c.TimeNano, m.ItemHash
	}
	if later(agg.FirstTimeUnixNano, agg.FirstItemHash, c.TimeNano, m.ItemHash) {
		agg.FirstTimeUnixNano, agg.FirstItemHash = c.TimeNano, m.ItemHash
	}
	agg.Elements++
	if err := k.saveAggregate(kv, c.Address, c.Key, agg, merged, src); err != nil {
		return err
	}
	return k.checkAggregateSize(kv, env, c)
}

// checkAggregateSize refuses an element that takes its aggregate beyond
// the max_aggregate_bytes param: every later element re-encodes the whole
// merged content, on every validator.
func (k Keeper) checkAggregateSize(kv state.KV, env Env, c *Content) error {
	if env.MaxAggregateBytes == 0 {
		return nil
	}
	agg, err := k.GetAggregate(kv, c.Address, c.Key)
	if err != nil || uint64(len(agg.Content)) <= env.MaxAggregateBytes {
		return err
	}
	return errs.Wrapf(ErrAggregateTooLarge, "aggregate %q of %s would be %d bytes with this element; the limit is %d. Keep large data in a STORE, or spread it over several keys",
		c.Key, c.Address, len(agg.Content), env.MaxAggregateBytes)
}

// decodeAggregate returns agg's merged content as members (empty for nil).
func decodeAggregate(owner, key string, agg *pb.AggregateRecord) (map[string]json.RawMessage, error) {
	merged := map[string]json.RawMessage{}
	if agg != nil {
		if err := json.Unmarshal(agg.Content, &merged); err != nil {
			return nil, fmt.Errorf("decode aggregate %s/%s: %w", owner, key, err)
		}
	}
	return merged, nil
}

// sources indexes agg's member sources by name (empty for nil).
func sources(agg *pb.AggregateRecord) map[string]*pb.AggregateField {
	src := map[string]*pb.AggregateField{}
	if agg != nil {
		for _, f := range agg.Fields {
			src[f.Name] = f
		}
	}
	return src
}

// saveAggregate encodes merged (keys sorted, as json.Marshal does) and the
// member sources (sorted by name) into agg and writes it.
func (k Keeper) saveAggregate(kv state.KV, owner, key string, agg *pb.AggregateRecord, merged map[string]json.RawMessage, src map[string]*pb.AggregateField) error {
	content, err := json.Marshal(merged)
	if err != nil {
		return fmt.Errorf("encode aggregate %s/%s: %w", owner, key, err)
	}
	agg.Content = content
	agg.Fields = make([]*pb.AggregateField, 0, len(src))
	for _, f := range src {
		agg.Fields = append(agg.Fields, f)
	}
	sort.Slice(agg.Fields, func(i, j int) bool { return agg.Fields[i].Name < agg.Fields[j].Name })
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
	src := map[string]*pb.AggregateField{}
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
			src[name] = &pb.AggregateField{Name: name, TimeUnixNano: c.TimeNano, ItemHash: h}
		}
		if i == 0 {
			agg.FirstTimeUnixNano, agg.FirstItemHash = c.TimeNano, h
		}
		agg.LastTimeUnixNano, agg.LastItemHash = c.TimeNano, h
		agg.Elements++
	}
	return k.saveAggregate(kv, owner, key, agg, merged, src)
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
