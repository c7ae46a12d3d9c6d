package index

import (
	"bytes"
	"encoding/base64"
	"fmt"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
)

// aggRecord is what the index keeps of one aggregate (owner, key): enough
// to order and count aggregates; the merged content is read from state.
type aggRecord struct {
	Owner string // as sent
	Key   string
	// Created and Updated are the content times of the first and last
	// live elements, First and Last their item hashes.
	Created, Updated int64
	First, Last      string
	Elements         uint64
}

func (r *aggRecord) encode() []byte {
	return state.NewKey().String(r.Owner).String(r.Key).Uint64(uint64(r.Created)).String(r.First).
		Uint64(uint64(r.Updated)).String(r.Last).Uint64(r.Elements).Bytes()
}

func decodeAggRecord(b []byte) (*aggRecord, error) {
	rd := state.ReadKey(b, 0)
	r := &aggRecord{Owner: rd.String(), Key: rd.String(), Created: int64(rd.Uint64()), First: rd.String(),
		Updated: int64(rd.Uint64()), Last: rd.String(), Elements: rd.Uint64()}
	if rd.Err() != nil {
		return nil, fmt.Errorf("%w: aggregate: %v", errCorrupt, rd.Err())
	}
	return r, nil
}

func aggKey(owner, key string) []byte {
	return state.NewKey(prefixAgg).String(owner).String(key).Bytes()
}

func aggElemPrefix(owner, key string) []byte {
	return state.NewKey(prefixAggElem).String(owner).String(key).Bytes()
}

// Aggregate orders and scopes of prefixAggSort keys.
const (
	aggByModified byte = 'm'
	aggByCreated  byte = 'c'
	aggScopeAll   byte = 0
	aggScopeOwner byte = 1
	aggScopeKey   byte = 2
)

func aggSortPrefix(order, scope byte, value string) []byte {
	k := state.NewKey(prefixAggSort, order, scope)
	if scope != aggScopeAll {
		k.String(value)
	}
	return k.Bytes()
}

// aggSortSuffix is the part of a sort key after its prefix: time, key,
// owner; a listing's cursor is one.
func aggSortSuffix(t int64, key, owner string) []byte {
	return state.NewKey().Uint64(uint64(t)).String(key).String(owner).Bytes()
}

func (b *batch) agg(owner, key string) *aggRecord {
	k := string(aggKey(owner, key))
	if r, ok := b.lists.aggs[k]; ok {
		return r
	}
	v, err := b.x.db.Get([]byte(k))
	b.lists.fail(err)
	var r *aggRecord
	if v != nil {
		r, err = decodeAggRecord(v)
		b.lists.fail(err)
	}
	b.lists.aggs[k] = r
	return r
}

// aggSort sets or deletes an aggregate's six sort keys (two orders, three
// scopes) and adds delta to its counters.
func (b *batch) aggSort(r *aggRecord, set bool, delta int64) {
	o := lowerAddr(r.Owner)
	for _, order := range []byte{aggByModified, aggByCreated} {
		t := r.Updated
		if order == aggByCreated {
			t = r.Created
		}
		suffix := aggSortSuffix(t, r.Key, o)
		for _, sc := range []struct {
			scope byte
			value string
		}{{aggScopeAll, ""}, {aggScopeOwner, o}, {aggScopeKey, r.Key}} {
			b.mark(append(aggSortPrefix(order, sc.scope, sc.value), suffix...), set)
		}
	}
	if delta != 0 {
		b.counts[string(countKey(dimAggAll, nil))] += delta
		b.counts[string(countKey(dimAggOwner, []string{o}))] += delta
		b.counts[string(countKey(dimAggKey, []string{r.Key}))] += delta
	}
}

func (b *batch) aggBegin(e *Entry) {
	o, ct, h := lowerAddr(e.Owner), contentTimeOf(e), e.ItemHash
	b.mark(append(aggElemPrefix(o, e.Key), state.NewKey().Uint64(uint64(ct)).String(h).Bytes()...), true)
	r := b.agg(o, e.Key)
	if r == nil {
		r = &aggRecord{Owner: e.Owner, Key: e.Key, Created: ct, First: h, Updated: ct, Last: h, Elements: 1}
		b.lists.aggs[string(aggKey(o, e.Key))] = r
		b.aggSort(r, true, 1)
		return
	}
	old := *r
	r.Elements++
	if later(r.Created, r.First, ct, h) {
		r.Created, r.First = ct, h
	}
	if later(ct, h, r.Updated, r.Last) {
		r.Updated, r.Last, r.Owner = ct, h, e.Owner
	}
	if old.Created != r.Created || old.Updated != r.Updated || old.Owner != r.Owner {
		b.aggSort(&old, false, 0)
		b.aggSort(r, true, 0)
	}
}

func (b *batch) aggEnd(t *Entry) {
	o, ct, h := lowerAddr(t.Owner), contentTimeOf(t), t.ItemHash
	b.mark(append(aggElemPrefix(o, t.Key), state.NewKey().Uint64(uint64(ct)).String(h).Bytes()...), false)
	r := b.agg(o, t.Key)
	if r == nil {
		return
	}
	old := *r
	if r.Elements--; r.Elements == 0 {
		b.aggSort(&old, false, -1)
		b.lists.aggs[string(aggKey(o, t.Key))] = nil
		return
	}
	if h != r.First && h != r.Last {
		return
	}
	b.aggBounds(r, o, h)
	b.aggSort(&old, false, 0)
	b.aggSort(r, true, 0)
}

// aggBounds recomputes an aggregate's first and last live elements without
// the one being forgotten: those indexed before this block, then those
// this block added.
func (b *batch) aggBounds(r *aggRecord, owner, excluding string) {
	found := false
	consider := func(e *Entry) {
		if e == nil || e.ItemHash == excluding || !live(e.Status) {
			return
		}
		ct := contentTimeOf(e)
		if !found || later(r.Created, r.First, ct, e.ItemHash) {
			r.Created, r.First = ct, e.ItemHash
		}
		if !found || later(ct, e.ItemHash, r.Updated, r.Last) {
			r.Updated, r.Last, r.Owner = ct, e.ItemHash, e.Owner
		}
		found = true
	}
	prefix := aggElemPrefix(owner, r.Key)
	it, err := b.x.db.Iterator(prefix, state.PrefixEnd(prefix))
	if err != nil {
		b.lists.fail(err)
		return
	}
	for ; it.Valid(); it.Next() {
		rd := state.ReadKey(it.Key(), len(prefix))
		rd.Uint64()
		h := rd.String()
		if rd.Err() != nil {
			b.lists.fail(fmt.Errorf("%w: aggregate element key %x", errCorrupt, it.Key()))
			break
		}
		consider(b.peek(h))
	}
	b.lists.fail(it.Error())
	b.lists.fail(it.Close())
	for _, e := range b.touched {
		if e.Type == message.TypeAggregate && lowerAddr(e.Owner) == owner && e.Key == r.Key {
			consider(e)
		}
	}
}

// AggregateQuery selects aggregates, as pyaleph's aggregates list.
type AggregateQuery struct {
	Keys, Owners []string
	// ByCreated orders by creation instead of last change.
	ByCreated, Ascending bool
	Offset, Limit        int
	// After resumes after a cursor from AggregatePage.Next.
	After string
	Total bool
}

// Aggregate is one listed aggregate.
type Aggregate struct {
	Owner, Key       string
	Created, Updated int64 // content times, Unix ns
	First, Last      string
}

// AggregatePage is one page of aggregates.
type AggregatePage struct {
	Aggregates []Aggregate
	Total      int64
	// Next is the cursor after this page when it was full, else "".
	Next string
}

// Aggregates lists aggregates by last change (or creation), newest first
// unless ascending. It reads one sort key per aggregate listed or skipped
// and one record per aggregate listed.
func (x *Index) Aggregates(q AggregateQuery) (AggregatePage, error) {
	var page AggregatePage
	order := aggByModified
	if q.ByCreated {
		order = aggByCreated
	}
	var prefixes [][]byte
	switch {
	case len(q.Owners) > 0:
		for _, o := range q.Owners {
			prefixes = append(prefixes, aggSortPrefix(order, aggScopeOwner, lowerAddr(o)))
		}
	case len(q.Keys) > 0:
		for _, k := range q.Keys {
			prefixes = append(prefixes, aggSortPrefix(order, aggScopeKey, k))
		}
	default:
		prefixes = [][]byte{aggSortPrefix(order, aggScopeAll, "")}
	}
	var after []byte
	if q.After != "" {
		var err error
		if after, err = base64.RawURLEncoding.DecodeString(q.After); err != nil || len(after) < 10 || len(after) > 600 {
			return page, fmt.Errorf("cursor %q is not one this node gave", q.After)
		}
		q.Offset = 0
	}
	keys := map[string]bool{}
	for _, k := range q.Keys {
		keys[k] = true
	}
	filterKeys := len(q.Owners) > 0 && len(q.Keys) > 0
	skipped := 0
	var last []byte
	err := x.mergeKeys(prefixes, q.Ascending, after, func(suffix, _ []byte) (bool, error) {
		rd := state.ReadKey(suffix, 8)
		key, owner := rd.String(), rd.String()
		if rd.Err() != nil {
			return false, fmt.Errorf("%w: aggregate sort key %x", errCorrupt, suffix)
		}
		if filterKeys && !keys[key] {
			return true, nil
		}
		if skipped < q.Offset {
			skipped++
			return true, nil
		}
		v, err := x.db.Get(aggKey(owner, key))
		if err != nil || v == nil {
			return false, err
		}
		r, err := decodeAggRecord(v)
		if err != nil {
			return false, err
		}
		page.Aggregates = append(page.Aggregates, Aggregate{Owner: r.Owner, Key: r.Key, Created: r.Created,
			Updated: r.Updated, First: r.First, Last: r.Last})
		last = suffix
		return len(page.Aggregates) < q.Limit, nil
	})
	if err != nil {
		return page, err
	}
	if len(page.Aggregates) == q.Limit && last != nil {
		page.Next = base64.RawURLEncoding.EncodeToString(last)
	}
	if q.Total {
		page.Total, err = x.countAggregates(q)
	}
	return page, err
}

// countAggregates counts from the kept counters, or, with both owners and
// keys, by reading each pair's record.
func (x *Index) countAggregates(q AggregateQuery) (int64, error) {
	if len(q.Owners) > 0 && len(q.Keys) > 0 {
		var n int64
		for _, o := range q.Owners {
			for _, k := range q.Keys {
				v, err := x.db.Get(aggKey(lowerAddr(o), k))
				if err != nil {
					return 0, err
				}
				if v != nil {
					n++
				}
			}
		}
		return n, nil
	}
	sum := func(d dimension, values []string) (int64, error) {
		var n int64
		for _, v := range values {
			c, err := x.count(d, []string{v})
			if err != nil {
				return 0, err
			}
			n += c
		}
		return n, nil
	}
	switch {
	case len(q.Owners) > 0:
		return sum(dimAggOwner, lowerAll(q.Owners))
	case len(q.Keys) > 0:
		return sum(dimAggKey, q.Keys)
	}
	return x.count(dimAggAll, nil)
}

// mergeKeys visits the keys under several prefixes as one stream ordered
// by what follows each prefix (the suffix), ascending or descending,
// strictly after the suffix after if set, until fn says stop (it gets each
// key's suffix and value). A key
// present under two prefixes is visited twice.
func (x *Index) mergeKeys(prefixes [][]byte, ascending bool, after []byte, fn func(suffix, value []byte) (bool, error)) (err error) {
	type stream struct {
		it interface {
			Valid() bool
			Next()
			Key() []byte
			Value() []byte
			Close() error
			Error() error
		}
		n int
	}
	var streams []*stream
	defer func() {
		for _, s := range streams {
			err = joinErr(err, s.it.Error())
			err = joinErr(err, s.it.Close())
		}
	}()
	for _, p := range prefixes {
		start, end := p, state.PrefixEnd(p)
		if after != nil {
			at := append(append([]byte{}, p...), after...)
			if ascending {
				start = append(at, 0)
			} else {
				end = at
			}
		}
		var s stream
		var err error
		if ascending {
			s.it, err = x.db.Iterator(start, end)
		} else {
			s.it, err = x.db.ReverseIterator(start, end)
		}
		if err != nil {
			return err
		}
		s.n = len(p)
		streams = append(streams, &s)
	}
	for {
		var best *stream
		for _, s := range streams {
			if !s.it.Valid() {
				continue
			}
			if best == nil {
				best = s
				continue
			}
			c := bytes.Compare(s.it.Key()[s.n:], best.it.Key()[best.n:])
			if (ascending && c < 0) || (!ascending && c > 0) {
				best = s
			}
		}
		if best == nil {
			return nil
		}
		suffix := append([]byte{}, best.it.Key()[best.n:]...)
		value := append([]byte{}, best.it.Value()...)
		best.it.Next()
		more, err := fn(suffix, value)
		if err != nil || !more {
			return err
		}
	}
}

func joinErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
