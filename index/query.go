package index

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/chains"
)

// Filter selects messages, as pyaleph's messages.json query does. Empty
// lists match everything; values within one list are alternatives.
type Filter struct {
	Hashes, Types, Addresses, Owners, Chains, Channels []string
	Refs, ContentTypes, ContentKeys, ContentHashes     []string
	Tags                                               []string
	// NotContentTypes excludes post types (posts listings leave out amends).
	NotContentTypes []string
	// Times are Unix nanoseconds, end exclusive; 0 means unbounded.
	StartTime, EndTime int64
	// Blocks are heights, both inclusive; 0 means unbounded.
	StartBlock, EndBlock int64
	// Statuses defaults to processed.
	Statuses []string
	// After resumes a listing after this cursor (from Page.Next); the
	// offset is then ignored.
	After *Cursor
	// BlockOrder sorts by (height, tx index), pyaleph's "tx-time", instead
	// of message time.
	BlockOrder bool
}

// Cursor is a position in a listing: its sort value (message time, or
// block order) and item_hash.
type Cursor struct {
	TimeNano int64
	Hash     string
}

// Encode renders the cursor for an API response.
func (c Cursor) Encode() string {
	return base64.RawURLEncoding.EncodeToString(append(binary.BigEndian.AppendUint64(nil, uint64(c.TimeNano)), c.Hash...))
}

// DecodeCursor parses an encoded cursor.
func DecodeCursor(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 9 || len(b) > 8+128 {
		return nil, fmt.Errorf("cursor %q is not one this node gave", s)
	}
	return &Cursor{TimeNano: int64(binary.BigEndian.Uint64(b[:8])), Hash: string(b[8:])}, nil
}

// suffix is the cursor's position as the tail of a secondary key.
func (c Cursor) suffix() []byte {
	return state.NewKey().Uint64(uint64(c.TimeNano)).String(c.Hash).Bytes()
}

// Page is one page of a listing.
type Page struct {
	Entries []*Entry
	// Total is the number of messages matching the filter.
	Total int64
	// Next continues the listing after this page, when it was full.
	Next *Cursor
}

// plan is the dimension a query iterates, with the value tuples to merge.
type plan struct {
	dim    dimension
	values [][]string
	// exact is set when the dimension alone is the whole filter, so a kept
	// counter gives the total.
	exact bool
}

func lowerAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = lowerAddr(v)
	}
	return out
}

// choose picks the most selective dimension the filter constrains.
func (f Filter) choose() plan {
	others := func(n int) bool { // how many list filters are set besides the chosen ones
		set := 0
		for _, l := range [][]string{f.Types, f.Addresses, f.Owners, f.Chains, f.Channels, f.Refs, f.ContentTypes, f.ContentKeys, f.ContentHashes, f.Tags} {
			if len(l) > 0 {
				set++
			}
		}
		return set == n && len(f.NotContentTypes) == 0 && f.StartTime == 0 && f.EndTime == 0 && f.StartBlock == 0 && f.EndBlock == 0
	}
	// Live messages (processed and removing) are in every dimension; the
	// default lists both, as pyaleph does. Processed alone walks the same
	// keys but must look at each entry.
	statuses := Statuses(f.Statuses)
	live := !statuses[StatusRejected] && !statuses[StatusForgotten] && !statuses[StatusRemoved] && !statuses[StatusPending]
	allLive := live && statuses[StatusProcessed] && statuses[StatusRemoving]
	if f.BlockOrder || ((f.StartBlock > 0 || f.EndBlock > 0) && onlyBlocks(f)) {
		// Block order, or a block range alone: the keys are in block order.
		return plan{dimBlockOrder, [][]string{{}}, false}
	}
	if !live || !statuses[StatusProcessed] {
		if statuses[StatusProcessed] {
			return plan{dimAll, [][]string{{}}, false} // live and not: "all" has both
		}
		var vals [][]string
		for _, st := range sortedKeys(statuses) {
			vals = append(vals, []string{st})
		}
		return plan{dimStatus, vals, false}
	}
	exact := func(n int) bool { return allLive && others(n) }
	if len(f.Addresses) > 0 && len(f.Types) > 0 {
		var vals [][]string
		for _, a := range lowerAll(f.Addresses) {
			for _, t := range f.Types {
				vals = append(vals, []string{a, t})
			}
		}
		return plan{dimAddressType, vals, exact(2)}
	}
	for _, c := range []struct {
		list []string
		dim  dimension
	}{
		{f.ContentHashes, dimContentHash}, {f.Refs, dimRef}, {lowerAll(f.Addresses), dimAddress},
		{lowerAll(f.Owners), dimOwner}, {f.ContentKeys, dimContentKey}, {f.Tags, dimTag},
		{f.Channels, dimChannel}, {f.ContentTypes, dimContentType}, {f.Types, dimType}, {f.Chains, dimChain},
	} {
		if len(c.list) > 0 {
			return plan{c.dim, tuples(c.list), exact(1)}
		}
	}
	return plan{dimAll, [][]string{{}}, exact(0)}
}

// onlyBlocks reports whether the filter names nothing but a block range.
func onlyBlocks(f Filter) bool {
	for _, l := range [][]string{f.Types, f.Addresses, f.Owners, f.Chains, f.Channels, f.Refs, f.ContentTypes, f.ContentKeys, f.ContentHashes, f.Tags, f.NotContentTypes} {
		if len(l) > 0 {
			return false
		}
	}
	return f.StartTime == 0 && f.EndTime == 0
}

func anyOf(list []string, v string, fold bool) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if x == v || (fold && chains.SameAddress(x, v)) {
			return true
		}
	}
	return false
}

// matches applies every filter to an entry.
// Matches reports whether e passes f.
func (f Filter) Matches(e *Entry) bool { return f.matches(e, Statuses(f.Statuses)) }

// BecameLive lists the messages that blocks from to to (inclusive) made
// live after their own block: STOREs attested there. A listing by block
// finds them at their own height; a live feed needs them when they go live.
func (x *Index) BecameLive(from, to int64) ([]*Entry, error) {
	prefix := []byte{prefixLive}
	it, err := x.db.Iterator(state.NewKey(prefixLive).Uint64(uint64(from)).Bytes(), state.NewKey(prefixLive).Uint64(uint64(to+1)).Bytes())
	if err != nil {
		return nil, err
	}
	defer it.Close() //nolint:errcheck // it.Error() below reports a failed read
	var out []*Entry
	for ; it.Valid(); it.Next() {
		r := state.ReadKey(it.Key(), len(prefix))
		r.Uint64()
		hash := r.String()
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("index: corrupt key %x: %w", it.Key(), err)
		}
		e, err := x.Get(hash)
		if err != nil {
			return nil, err
		}
		if e != nil {
			out = append(out, e)
		}
	}
	return out, it.Error()
}

func (f Filter) matches(e *Entry, statuses map[string]bool) bool {
	if !statuses[e.Status] || !anyOf(f.Types, e.Type, false) || !anyOf(f.Chains, e.Chain, false) ||
		!anyOf(f.Channels, e.Channel, false) || !anyOf(f.Refs, e.Ref, false) ||
		!anyOf(f.ContentTypes, e.PostType, false) || !anyOf(f.ContentKeys, e.Key, false) ||
		!anyOf(f.ContentHashes, e.ContentHash, false) || !anyOf(f.Owners, e.Owner, true) ||
		!anyOf(f.Hashes, e.ItemHash, false) {
		return false
	}
	if len(f.NotContentTypes) > 0 && anyOf(f.NotContentTypes, e.PostType, false) {
		return false
	}
	if !anyOf(f.Addresses, e.Sender, true) {
		return false
	}
	if len(f.Tags) > 0 {
		ok := false
		for _, t := range e.Tags {
			ok = ok || anyOf(f.Tags, t, false)
		}
		if !ok {
			return false
		}
	}
	if (f.StartTime != 0 && e.TimeNano < f.StartTime) || (f.EndTime != 0 && e.TimeNano >= f.EndTime) {
		return false
	}
	return (f.StartBlock == 0 || e.Height >= f.StartBlock) && (f.EndBlock == 0 || e.Height <= f.EndBlock)
}

// Messages lists the messages matching f, newest first unless ascending,
// skipping offset and returning at most limit. With total, it also counts
// every match: from a kept counter when the filter is one counted
// dimension, otherwise by walking the matches.
func (x *Index) Messages(f Filter, ascending bool, offset, limit int, total bool) (Page, error) {
	statuses := Statuses(f.Statuses)
	var page Page
	if len(f.Hashes) > 0 {
		for _, h := range f.Hashes {
			e, err := x.Get(h)
			if err != nil {
				return page, err
			}
			if e != nil && f.matches(e, statuses) {
				page.Total++
				if page.Total > int64(offset) && len(page.Entries) < limit {
					page.Entries = append(page.Entries, e)
				}
			}
		}
		return page, nil
	}
	p := f.choose()
	if total && p.exact && len(p.values) == 1 {
		n, err := x.count(p.dim, p.values[0])
		if err != nil {
			return page, err
		}
		page.Total, total = n, false
	}
	// With an exact plan every secondary key is a match: skip by key.
	skip := 0
	if f.After != nil {
		offset = 0
	} else if p.exact && p.dim.id != dimAll.id {
		skip = offset
	}
	matched := skip
	err := x.walk(p, f, ascending, skip, func(e *Entry) (bool, error) {
		if !f.matches(e, statuses) {
			return true, nil
		}
		matched++
		if matched > offset && len(page.Entries) < limit {
			page.Entries = append(page.Entries, e)
		}
		return total || len(page.Entries) < limit, nil
	})
	if total {
		page.Total = int64(matched)
	}
	if n := len(page.Entries); n > 0 && n == limit {
		last := page.Entries[n-1]
		page.Next = &Cursor{TimeNano: p.dim.sortValue(last), Hash: last.ItemHash}
	}
	return page, err
}

// walk visits the entries of plan p in time order, merging its value
// streams and skipping duplicates, until fn says stop.
func (x *Index) walk(p plan, f Filter, ascending bool, skip int, fn func(*Entry) (bool, error)) (err error) {
	type stream struct {
		it interface {
			Valid() bool
			Next()
			Key() []byte
			Close() error
		}
		prefixLen int
		t         int64
		hash      string
	}
	var streams []*stream
	defer func() {
		// A stream stopped by a failed read looks exhausted: its Close
		// reports the error.
		for _, s := range streams {
			if cerr := s.it.Close(); err == nil {
				err = cerr
			}
		}
	}()
	for _, vals := range p.values {
		prefix := byPrefix(p.dim, vals)
		start := append(append([]byte{}, prefix...), timeBytes(f.StartTime)...)
		end := append(append([]byte{}, prefix...), timeBytes(f.EndTime)...)
		if f.EndTime == 0 || p.dim.order != nil {
			end = state.PrefixEnd(prefix)
		}
		if p.dim.order != nil { // times are checked on entries; blocks bound the keys
			start = prefix
			if f.StartBlock > 0 {
				start = append(append([]byte{}, prefix...), timeBytes(f.StartBlock<<24)...)
			}
			if f.EndBlock > 0 {
				end = append(append([]byte{}, prefix...), timeBytes((f.EndBlock+1)<<24)...)
			}
		}
		if f.After != nil { // resume strictly after the cursor
			at := append(append([]byte{}, prefix...), f.After.suffix()...)
			if ascending && bytes.Compare(append(at, 0), start) > 0 {
				start = append(at, 0)
			}
			if !ascending && (end == nil || bytes.Compare(at, end) < 0) {
				end = at
			}
		}
		var it interface {
			Valid() bool
			Next()
			Key() []byte
			Close() error
		}
		var err error
		if ascending {
			it, err = x.db.Iterator(start, end)
		} else {
			it, err = x.db.ReverseIterator(start, end)
		}
		if err != nil {
			return err
		}
		s := &stream{it: it, prefixLen: len(prefix)}
		streams = append(streams, s)
	}
	advance := func(s *stream) bool {
		for s.it.Valid() {
			t, h, ok := hashFromByKey(s.it.Key(), s.prefixLen)
			if ok {
				s.t, s.hash = t, h
				return true
			}
			s.it.Next()
		}
		return false
	}
	seen := map[string]bool{}
	for {
		var best *stream
		for _, s := range streams {
			if !advance(s) {
				continue
			}
			if best == nil || (ascending && (s.t < best.t || s.t == best.t && s.hash < best.hash)) ||
				(!ascending && (s.t > best.t || s.t == best.t && s.hash > best.hash)) {
				best = s
			}
		}
		if best == nil {
			return nil
		}
		h := best.hash
		best.it.Next()
		if len(streams) > 1 {
			if seen[h] {
				continue
			}
			seen[h] = true
		}
		if skip > 0 {
			skip--
			continue
		}
		e, err := x.Get(h)
		if err != nil {
			return err
		}
		if e == nil {
			return fmt.Errorf("index names %s but has no entry for it", h)
		}
		more, err := fn(e)
		if err != nil || !more {
			return err
		}
	}
}

func timeBytes(ns int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(ns)) }
