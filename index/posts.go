package index

import (
	"fmt"
	"slices"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
)

// Posts as pyaleph lists them: one row per original post (not its amends),
// with its latest amend's content, ordered by last update, the content time
// of the latest amend (or of the original). An amend therefore moves its
// original in the listing: its keys are rewritten with the new time.

// postState is what a post's listing keys are computed from.
type postState struct {
	Created, Updated int64  // content times of the original and of the latest version
	Latest           string // latest amend, "" if none
	Tags             []string
}

func postStateKey(hash string) []byte { return state.NewKey(prefixPost).String(hash).Bytes() }

func (st *postState) encode() []byte {
	k := state.NewKey().Uint64(uint64(st.Created)).Uint64(uint64(st.Updated)).String(st.Latest).Uint32(uint32(len(st.Tags)))
	for _, t := range st.Tags {
		k.String(t)
	}
	return k.Bytes()
}

func decodePostState(b []byte) (*postState, error) {
	r := state.ReadKey(b, 0)
	st := &postState{Created: int64(r.Uint64()), Updated: int64(r.Uint64()), Latest: r.String()}
	n := r.Uint32()
	for i := uint32(0); i < n && r.Err() == nil; i++ {
		st.Tags = append(st.Tags, r.String())
	}
	if r.Err() != nil {
		return nil, fmt.Errorf("%w: post: %v", errCorrupt, r.Err())
	}
	return st, nil
}

// Post listing dimensions: prefixBy keys ordered by last update (block
// order of the original for tx-time), counted in prefixCount.
var (
	dimPostAll     = dimension{id: 30}
	dimPostOwner   = dimension{id: 31}
	dimPostType    = dimension{id: 32}
	dimPostChannel = dimension{id: 33}
	dimPostRef     = dimension{id: 34}
	dimPostTag     = dimension{id: 35}
	dimPostBlock   = dimension{id: 36, order: blockOrder}
	postDims       = []dimension{dimPostAll, dimPostOwner, dimPostType, dimPostChannel, dimPostRef, dimPostTag, dimPostBlock}
)

func postValues(d dimension, o *Entry, st *postState) [][]string {
	switch d.id {
	case dimPostOwner.id:
		return one(lowerAddr(o.Owner))
	case dimPostType.id:
		return one(o.PostType)
	case dimPostChannel.id:
		return one(o.Channel)
	case dimPostRef.id:
		return one(o.Ref)
	case dimPostTag.id:
		return tuples(st.Tags)
	}
	return [][]string{{}}
}

func postSort(d dimension, o *Entry, st *postState) int64 {
	if d.order != nil {
		return d.order(o)
	}
	return st.Updated
}

// postMark sets or deletes a post's listing keys, adding delta to their
// counters (block order counts as "all" does).
func (b *batch) postMark(o *Entry, st *postState, set bool, delta int64) {
	for _, d := range postDims {
		for _, vals := range postValues(d, o, st) {
			k := state.NewKey(prefixBy, d.id)
			for _, v := range vals {
				k.String(v)
			}
			b.mark(k.Uint64(uint64(postSort(d, o, st))).String(o.ItemHash).Bytes(), set)
			if delta != 0 && d.order == nil {
				b.counts[string(countKey(d, vals))] += delta
			}
		}
	}
}

func (b *batch) post(hash string) *postState {
	if st, ok := b.lists.posts[hash]; ok {
		return st
	}
	v, err := b.x.db.Get(postStateKey(hash))
	b.lists.fail(err)
	var st *postState
	if v != nil {
		st, err = decodePostState(v)
		b.lists.fail(err)
	}
	b.lists.posts[hash] = st
	return st
}

func (b *batch) postBegin(e *Entry) {
	ct := contentTimeOf(e)
	if e.PostType != message.AmendType {
		st := &postState{Created: ct, Updated: ct, Tags: e.Tags}
		b.lists.posts[e.ItemHash] = st
		b.postMark(e, st, true, 1)
		return
	}
	st := b.post(e.Ref)
	if st == nil || (st.Latest != "" && !later(ct, e.ItemHash, st.Updated, st.Latest)) {
		return
	}
	o := b.peek(e.Ref)
	if o == nil {
		return
	}
	b.postMark(o, st, false, -1)
	st.Latest, st.Updated, st.Tags = e.ItemHash, ct, e.Tags
	if len(st.Tags) == 0 { // pyaleph: coalesce(amend.tags, original.tags)
		st.Tags = o.Tags
	}
	b.postMark(o, st, true, 1)
}

func (b *batch) postEnd(t *Entry) {
	if t.PostType != message.AmendType {
		if st := b.post(t.ItemHash); st != nil {
			b.postMark(t, st, false, -1)
			b.lists.posts[t.ItemHash] = nil
		}
		return
	}
	st := b.post(t.Ref)
	if st == nil || st.Latest != t.ItemHash {
		return
	}
	o := b.peek(t.Ref)
	if o == nil {
		return
	}
	b.postMark(o, st, false, -1)
	st.Latest, st.Updated, st.Tags = "", st.Created, o.Tags
	consider := func(a *Entry) {
		if a == nil || a.ItemHash == t.ItemHash || !live(a.Status) || a.Type != message.TypePost ||
			a.PostType != message.AmendType || a.Ref != t.Ref {
			return
		}
		if ct := contentTimeOf(a); st.Latest == "" || later(ct, a.ItemHash, st.Updated, st.Latest) {
			st.Latest, st.Updated, st.Tags = a.ItemHash, ct, a.Tags
		}
	}
	// The other amends: those indexed before this block (live messages
	// whose ref is the original), then those this block added.
	prefix := byPrefix(dimRef, []string{t.Ref})
	it, err := b.x.db.Iterator(prefix, state.PrefixEnd(prefix))
	if err != nil {
		b.lists.fail(err)
		return
	}
	for ; it.Valid(); it.Next() {
		if _, h, ok := hashFromByKey(it.Key(), len(prefix)); ok {
			consider(b.peek(h))
		}
	}
	b.lists.fail(it.Error())
	b.lists.fail(it.Close())
	for _, a := range b.touched {
		consider(a)
	}
	if len(st.Tags) == 0 {
		st.Tags = o.Tags
	}
	b.postMark(o, st, true, 1)
}

// PostFilter selects posts, as pyaleph's posts listings: every list filter
// matches the original (hashes, owners, refs, post types, channels) except
// tags, which match the latest version; times bound the last update.
type PostFilter struct {
	Hashes, Owners, Refs, Types, Channels, Tags []string
	// StartTime and EndTime bound the last update (Unix ns, end exclusive;
	// 0 unbounded).
	StartTime, EndTime int64
	// BlockOrder orders by the original's block (tx-time).
	BlockOrder bool
	After      *Cursor
}

// Post is one listed post.
type Post struct {
	Original *Entry
	Latest   *Entry // the latest amend, nil if none
	// Created and Updated are content times of the original and of the
	// latest version.
	Created, Updated int64
}

// PostPage is one page of posts.
type PostPage struct {
	Posts []Post
	Total int64
	Next  *Cursor
}

func (f PostFilter) plan() plan {
	if f.BlockOrder {
		return plan{dim: dimPostBlock, values: [][]string{{}}}
	}
	set := 0
	for _, l := range [][]string{f.Owners, f.Refs, f.Types, f.Channels, f.Tags} {
		if len(l) > 0 {
			set++
		}
	}
	exact := set <= 1 && f.StartTime == 0 && f.EndTime == 0
	for _, c := range []struct {
		list []string
		dim  dimension
	}{{f.Refs, dimPostRef}, {lowerAll(f.Owners), dimPostOwner}, {f.Tags, dimPostTag},
		{f.Channels, dimPostChannel}, {f.Types, dimPostType}} {
		if len(c.list) > 0 {
			// A post has several tags: only one tag's counter is exact.
			return plan{c.dim, tuples(c.list), exact && (c.dim.id != dimPostTag.id || len(c.list) == 1)}
		}
	}
	return plan{dimPostAll, [][]string{{}}, exact}
}

func (f PostFilter) matches(o *Entry, st *postState) bool {
	if !anyOf(f.Owners, o.Owner, true) || !anyOf(f.Refs, o.Ref, false) || !anyOf(f.Types, o.PostType, false) ||
		!anyOf(f.Channels, o.Channel, false) || !anyOf(f.Hashes, o.ItemHash, false) {
		return false
	}
	if len(f.Tags) > 0 && !slices.ContainsFunc(st.Tags, func(t string) bool { return anyOf(f.Tags, t, false) }) {
		return false
	}
	return (f.StartTime == 0 || st.Updated >= f.StartTime) && (f.EndTime == 0 || st.Updated < f.EndTime)
}

// loadPost reads a listed post, or nil if hash is not one.
func (x *Index) loadPost(hash string) (*Entry, *postState, error) {
	v, err := x.db.Get(postStateKey(hash))
	if err != nil || v == nil {
		return nil, nil, err
	}
	st, err := decodePostState(v)
	if err != nil {
		return nil, nil, err
	}
	o, err := x.Get(hash)
	return o, st, err
}

func (x *Index) postOf(o *Entry, st *postState) (Post, error) {
	p := Post{Original: o, Created: st.Created, Updated: st.Updated}
	if st.Latest != "" {
		a, err := x.Get(st.Latest)
		if err != nil {
			return p, err
		}
		p.Latest = a
	}
	return p, nil
}

// Posts lists posts matching f by last update, newest first unless
// ascending, skipping offset and returning at most limit; with total it
// counts the matches (from a kept counter when one filter, or none, is
// set).
func (x *Index) Posts(f PostFilter, ascending bool, offset, limit int, total bool) (PostPage, error) {
	var page PostPage
	if len(f.Hashes) > 0 {
		return x.postsByHash(f, ascending, offset, limit)
	}
	p := f.plan()
	if total && p.exact {
		for _, vals := range p.values {
			n, err := x.count(p.dim, vals)
			if err != nil {
				return page, err
			}
			page.Total += n
		}
		total = false
	}
	skip := 0
	if f.After != nil {
		offset = 0
	} else if p.exact {
		skip = offset
	}
	matched := skip
	var lastSort int64
	err := x.walk(p, Filter{StartTime: f.StartTime, EndTime: f.EndTime, After: f.After}, ascending, skip, func(o *Entry) (bool, error) {
		v, err := x.db.Get(postStateKey(o.ItemHash))
		if err != nil || v == nil {
			return err == nil, err
		}
		st, err := decodePostState(v)
		if err != nil {
			return false, err
		}
		if !f.matches(o, st) {
			return true, nil
		}
		matched++
		if matched > offset && len(page.Posts) < limit {
			post, err := x.postOf(o, st)
			if err != nil {
				return false, err
			}
			page.Posts = append(page.Posts, post)
			lastSort = postSort(p.dim, o, st)
		}
		return total || len(page.Posts) < limit, nil
	})
	if total {
		page.Total = int64(matched)
	}
	if n := len(page.Posts); n > 0 && n == limit {
		page.Next = &Cursor{TimeNano: lastSort, Hash: page.Posts[n-1].Original.ItemHash}
	}
	return page, err
}

// postsByHash answers a hashes filter by reading each named post.
func (x *Index) postsByHash(f PostFilter, ascending bool, offset, limit int) (PostPage, error) {
	var page PostPage
	var all []Post
	for _, h := range f.Hashes {
		o, st, err := x.loadPost(h)
		if err != nil {
			return page, err
		}
		if o == nil || !f.matches(o, st) {
			continue
		}
		post, err := x.postOf(o, st)
		if err != nil {
			return page, err
		}
		all = append(all, post)
	}
	slices.SortFunc(all, func(a, b Post) int {
		if later(a.Updated, a.Original.ItemHash, b.Updated, b.Original.ItemHash) == ascending {
			return 1
		}
		return -1
	})
	page.Total = int64(len(all))
	if offset < len(all) {
		page.Posts = all[offset:min(len(all), offset+limit)]
	}
	return page, nil
}
