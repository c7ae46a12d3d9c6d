package message_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// TestAggregate checks AGGREGATE semantics (pyaleph aggregate.py): elements
// are shallow-merged in content.time order, nested objects are replaced
// whole, and content.content must be a JSON object.
func TestAggregate(t *testing.T) {
	elem := func(key string, obj map[string]any, seconds string) *pb.AlephMessage {
		return sign(t, alice, at(client.Aggregate("TEST", key, obj), seconds))
	}
	cases := []struct {
		name string
		msgs []*pb.AlephMessage
		want string // merged content of alice/profile; "" for none
	}{
		{"one element", []*pb.AlephMessage{elem("profile", map[string]any{"a": 1}, "1")}, `{"a":1}`},
		{"disjoint keys merge", []*pb.AlephMessage{
			elem("profile", map[string]any{"a": 1}, "1"),
			elem("profile", map[string]any{"b": 2}, "2"),
		}, `{"a":1,"b":2}`},
		{"later element overwrites", []*pb.AlephMessage{
			elem("profile", map[string]any{"a": 1, "b": 1}, "1"),
			elem("profile", map[string]any{"a": 2}, "2"),
		}, `{"a":2,"b":1}`},
		{"earlier element arriving late does not overwrite", []*pb.AlephMessage{
			elem("profile", map[string]any{"a": 2}, "2"),
			elem("profile", map[string]any{"a": 1, "b": 1}, "1"),
		}, `{"a":2,"b":1}`},
		{"shallow: nested objects are replaced, not merged", []*pb.AlephMessage{
			elem("profile", map[string]any{"p": map[string]any{"x": 1, "y": 2}}, "1"),
			elem("profile", map[string]any{"p": map[string]any{"x": 3}}, "2"),
		}, `{"p":{"x":3}}`},
		{"null is a value, not a delete", []*pb.AlephMessage{
			elem("profile", map[string]any{"a": 1}, "1"),
			elem("profile", map[string]any{"a": nil}, "2"),
		}, `{"a":null}`},
		{"empty object adds nothing", []*pb.AlephMessage{
			elem("profile", map[string]any{"a": 1}, "1"),
			elem("profile", map[string]any{}, "2"),
		}, `{"a":1}`},
		{"other keys are other aggregates", []*pb.AlephMessage{
			elem("profile", map[string]any{"a": 1}, "1"),
			elem("settings", map[string]any{"a": 2}, "2"),
		}, `{"a":1}`},
		{"key in aleph-message's {name} form", []*pb.AlephMessage{
			elem("profile", map[string]any{"a": 1}, "1"),
			func() *pb.AlephMessage {
				d := at(client.Aggregate("TEST", "", map[string]any{"b": 2}), "2")
				d.Content["key"] = map[string]any{"name": "profile"}
				return sign(t, alice, d)
			}(),
		}, `{"a":1,"b":2}`},
		{"owner in lower case is the same owner", []*pb.AlephMessage{
			elem("profile", map[string]any{"a": 1}, "1"),
			func() *pb.AlephMessage {
				d := at(client.Aggregate("TEST", "profile", map[string]any{"b": 2}), "2")
				d.Content["address"] = strings.ToLower(addrOf(alice))
				return sign(t, alice, d)
			}(),
		}, `{"a":1,"b":2}`},
		{"numbers are kept exactly", []*pb.AlephMessage{
			elem("profile", map[string]any{"big": json.Number("123456789012345678901234567890.000000001")}, "1"),
		}, `{"big":123456789012345678901234567890.000000001}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			c.mustApply(tc.msgs...)
			got := c.aggregate(addrOf(alice), "profile")
			if !reflect.DeepEqual(got, jsonObject(t, tc.want)) {
				t.Fatalf("aggregate %v, want %s", got, tc.want)
			}
			rec, _ := c.k.GetAggregate(c.kv(), addrOf(alice), "profile")
			if rec.Elements != uint32(countKey(t, tc.msgs, "profile")) {
				t.Fatalf("aggregate counts %d elements, want %d", rec.Elements, countKey(t, tc.msgs, "profile"))
			}
		})
	}
}

func countKey(t *testing.T, msgs []*pb.AlephMessage, key string) int {
	n := 0
	for _, m := range msgs {
		c, err := message.ParseContent(m.Type, m.ItemContent)
		if err != nil {
			t.Fatal(err)
		}
		if c.Key == key {
			n++
		}
	}
	return n
}

// TestAggregateRejections checks the malformed AGGREGATE contents.
func TestAggregateRejections(t *testing.T) {
	withContent := func(v any) *pb.AlephMessage {
		d := client.Aggregate("TEST", "profile", nil)
		d.Content["content"] = v
		return sign(t, alice, d)
	}
	cases := []struct {
		name string
		msg  *pb.AlephMessage
		want error
	}{
		{"content is an array", withContent([]any{1, 2}), message.ErrAggregateContent},
		{"content is a string", withContent("x"), message.ErrAggregateContent},
		{"content is a number", withContent(1), message.ErrAggregateContent},
		{"content is null", withContent(nil), message.ErrAggregateContent},
		{"content is missing", sign(t, alice, client.Draft{Type: message.TypeAggregate, Channel: "TEST", Content: map[string]any{"key": "profile"}}), message.ErrAggregateContent},
		{"key is missing", sign(t, alice, client.Draft{Type: message.TypeAggregate, Channel: "TEST", Content: map[string]any{"content": map[string]any{}}}), message.ErrContent},
		{"key is empty", sign(t, alice, client.Aggregate("TEST", "", map[string]any{"a": 1})), message.ErrContent},
		{"key is a number", func() *pb.AlephMessage {
			d := client.Aggregate("TEST", "", map[string]any{"a": 1})
			d.Content["key"] = 5
			return sign(t, alice, d)
		}(), message.ErrContent},
		{"someone else's aggregate", sign(t, bob, as(client.Aggregate("TEST", "profile", map[string]any{"a": 1}), alice)), message.ErrUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			c.mustApply(sign(t, alice, client.Aggregate("TEST", "profile", map[string]any{"kept": true})))
			c.mustReject(tc.msg, tc.want)
			if got := c.aggregate(addrOf(alice), "profile"); !reflect.DeepEqual(got, map[string]any{"kept": true}) {
				t.Fatalf("aggregate changed to %v", got)
			}
		})
	}
}

// TestAggregateOrderProperty guards DESIGN.md's "the result must not depend
// on arrival order": random elements (random top-level keys, nested objects,
// many equal times) applied in random permutations give the merge of a naive
// model sorted by (content.time, item_hash), byte-identical aggregate
// content, and an identical whole state. Then forgetting a random subset
// gives the model's merge of what remains, or no aggregate at all.
func TestAggregateOrderProperty(t *testing.T) {
	for seed := int64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewSource(seed))
		n := 1 + rng.Intn(8)
		elems := make([]*pb.AlephMessage, n)
		for i := range elems {
			obj := map[string]any{"seq": i}
			for j := 0; j < 1+rng.Intn(3); j++ {
				name := string(rune('a' + rng.Intn(4)))
				switch rng.Intn(3) {
				case 0:
					obj[name] = map[string]any{"from": i, "j": j}
				case 1:
					obj[name] = fmt.Sprintf("<%d&%d>", i, j) // HTML-escaped by encoding/json
				default:
					obj[name] = i*10 + j
				}
			}
			secs := fmt.Sprintf("1700000000.%d", rng.Intn(3)) // equal times are frequent
			elems[i] = sign(t, alice, at(client.Aggregate("TEST", "profile", obj), secs))
		}
		var forgotten []string
		for _, m := range elems {
			if rng.Intn(3) == 0 {
				forgotten = append(forgotten, m.ItemHash)
			}
		}
		want := modelMerge(t, elems, nil)
		wantAfter := modelMerge(t, elems, forgotten)
		var forget *pb.AlephMessage
		if len(forgotten) > 0 {
			forget = sign(t, alice, client.Forget("TEST", sortedCopy(forgotten), nil, ""))
		}

		var firstContent []byte
		var firstDump []string
		for p := 0; p < 5; p++ {
			c := newChain(t)
			perm := rng.Perm(n)
			for _, i := range perm {
				c.mustApply(elems[i])
			}
			if got := c.aggregate(addrOf(alice), "profile"); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d order %v: aggregate %v, want %v", seed, perm, got, want)
			}
			// The record, members' sources included, is what a replay of
			// every element gives.
			if err := c.k.Invariants(c.kv()); err != nil {
				t.Fatalf("seed %d order %v: %v", seed, perm, err)
			}
			rec, _ := c.k.GetAggregate(c.kv(), addrOf(alice), "profile")
			if firstContent == nil {
				firstContent, firstDump = rec.Content, c.dump()
			} else {
				if string(rec.Content) != string(firstContent) {
					t.Fatalf("seed %d order %v: content bytes %s, first order gave %s", seed, perm, rec.Content, firstContent)
				}
				if fmt.Sprint(c.dump()) != fmt.Sprint(firstDump) {
					t.Fatalf("seed %d order %v: state depends on arrival order", seed, perm)
				}
			}
			if forget == nil {
				continue
			}
			c.mustApply(forget)
			if got := c.aggregate(addrOf(alice), "profile"); !reflect.DeepEqual(got, wantAfter) {
				t.Fatalf("seed %d order %v: after forgetting %d elements, aggregate %v, want %v", seed, perm, len(forgotten), got, wantAfter)
			}
			if err := c.k.Invariants(c.kv()); err != nil {
				t.Fatalf("seed %d order %v, after the FORGET: %v", seed, perm, err)
			}
		}
	}
}

// modelMerge is the naive aggregate: sort the live elements by
// (content.time, item_hash) and let later top-level keys overwrite earlier
// ones. It returns nil when no element is live.
func modelMerge(t *testing.T, elems []*pb.AlephMessage, forgotten []string) map[string]any {
	gone := map[string]bool{}
	for _, h := range forgotten {
		gone[h] = true
	}
	var live []*pb.AlephMessage
	for _, m := range elems {
		if !gone[m.ItemHash] {
			live = append(live, m)
		}
	}
	if len(live) == 0 {
		return nil
	}
	sort.Slice(live, func(i, j int) bool { return orderedBefore(t, live[i], live[j]) })
	out := map[string]any{}
	for _, m := range live {
		content := decodeObject(t, m.ItemContent)["content"].(map[string]any)
		for k, v := range content {
			out[k] = v
		}
	}
	return out
}

// TestAggregateRecordBounds checks the bookkeeping of the aggregate record:
// first and last element by (content.time, item_hash), and the count.
func TestAggregateRecordBounds(t *testing.T) {
	c := newChain(t)
	mid := sign(t, alice, at(client.Aggregate("TEST", "k", map[string]any{"m": 1}), "20"))
	last := sign(t, alice, at(client.Aggregate("TEST", "k", map[string]any{"l": 1}), "30"))
	first := sign(t, alice, at(client.Aggregate("TEST", "k", map[string]any{"f": 1}), "10"))
	c.mustApply(mid, last, first)
	rec, err := c.k.GetAggregate(c.kv(), addrOf(alice), "k")
	if err != nil {
		t.Fatal(err)
	}
	if rec.FirstItemHash != first.ItemHash || rec.FirstTimeUnixNano != 10e9 ||
		rec.LastItemHash != last.ItemHash || rec.LastTimeUnixNano != 30e9 || rec.Elements != 3 {
		t.Fatalf("record %v", rec)
	}
	aggs, err := c.k.Aggregates(c.kv(), addrOf(alice))
	if err != nil || len(aggs) != 1 || aggs[0].Key != "k" {
		t.Fatalf("Aggregates = %v, %v", aggs, err)
	}
}

// BenchmarkForgetAggregate measures a FORGET of a whole 1,000-element
// aggregate, each element adding a key: each aggregate is rebuilt once, after
// its elements are gone, so the cost grows linearly with the elements.
func BenchmarkForgetAggregate(b *testing.B) {
	const n = 1000
	elems := make([]*pb.AlephMessage, n)
	for i := range elems {
		elems[i] = sign(b, alice, at(client.Aggregate("TEST", "profile", map[string]any{fmt.Sprintf("k%d", i): i}), fmt.Sprintf("1700000000.%03d", i)))
	}
	forget := sign(b, alice, client.Forget("TEST", nil, []string{"profile"}, ""))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := newChain(b)
		c.mustApply(elems...)
		b.StartTimer()
		c.mustApply(forget)
	}
}

// TestAggregateSizeLimit: an element that would take its aggregate beyond
// max_aggregate_bytes is refused and leaves no trace; one that replaces a
// member with a smaller value, or lands elsewhere, is accepted.
func TestAggregateSizeLimit(t *testing.T) {
	c := newChain(t)
	c.env.MaxAggregateBytes = 100
	big := strings.Repeat("x", 40)
	c.mustApply(sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"a": big}), "1")))
	c.mustApply(sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"b": "small"}), "2")))
	over := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"c": big}), "3"))
	c.mustReject(over, message.ErrAggregateTooLarge)
	late := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"d": big}), "0.5"))
	c.mustReject(late, message.ErrAggregateTooLarge) // out of order, the same limit
	c.mustApply(sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"a": "short"}), "4")))
	c.mustApply(sign(t, alice, at(client.Aggregate("TEST", "settings", map[string]any{"c": big}), "5")))
	if got := c.aggregate(addrOf(alice), "profile"); !reflect.DeepEqual(got, jsonObject(t, `{"a":"short","b":"small"}`)) {
		t.Fatalf("profile = %v", got)
	}
	if err := c.apply(over); err != nil {
		t.Fatalf("within the limit once a member shrank: %v", err)
	}
}

// TestAggregateWithoutSources: a record written before aggregates named
// their members' sources is replayed once, then merges as any other.
func TestAggregateWithoutSources(t *testing.T) {
	c := newChain(t)
	e1 := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"a": 1, "b": 1}), "1"))
	e3 := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"b": 3}), "3"))
	c.mustApply(e1, e3)
	rec, _ := c.k.GetAggregate(c.kv(), addrOf(alice), "profile")
	rec.Fields = nil
	b, _ := proto.Marshal(rec)
	if err := c.kv().Set(message.AggregateStoreKey(addrOf(alice), "profile"), b); err != nil {
		t.Fatal(err)
	}
	// Late: b stays 3, a becomes 2.
	c.mustApply(sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"a": 2, "b": 2}), "2")))
	if got := c.aggregate(addrOf(alice), "profile"); !reflect.DeepEqual(got, jsonObject(t, `{"a":2,"b":3}`)) {
		t.Fatalf("profile = %v", got)
	}
	if err := c.k.Invariants(c.kv()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkAggregateLateElement measures an element older than the last of
// an aggregate with 1,000 elements behind it: it merges by comparing its
// own members with their sources, with no replay of the others.
func BenchmarkAggregateLateElement(b *testing.B) {
	const n = 1000
	elems := make([]*pb.AlephMessage, n)
	for i := range elems {
		elems[i] = sign(b, alice, at(client.Aggregate("TEST", "profile", map[string]any{fmt.Sprintf("k%d", i%50): i}), fmt.Sprintf("1700000000.%03d", i+1)))
	}
	c := newChain(b)
	c.mustApply(elems...)
	late := make([]*pb.AlephMessage, b.N)
	for i := range late {
		late[i] = sign(b, alice, at(client.Aggregate("TEST", "profile", map[string]any{"k1": i}), "1600000000"))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.mustApply(late[i])
	}
}
