package index

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// TxResult is one committed transaction with its outcome.
type TxResult struct {
	Tx []byte
	// Parsed, if set, is the app's parse of Tx (the node hands it over from
	// FinalizeBlock): the index then reads the message and its content from
	// it instead of decoding Tx again.
	Parsed    *app.Parsed
	Code      uint32
	Codespace string
	Log       string
	Forgotten []string
	// StatusChanges are the garbage-collection moves the transaction made.
	StatusChanges []StatusChange
}

// StatusChange is one message's new status; Reason says why, for a
// rejection.
type StatusChange struct {
	Hash, Status, Reason string
	// Envelope, when set, is the item_hash's message from now on (a
	// contender took the pending record: x/message contender.go).
	Envelope *pb.AlephMessage
}

// Block is one committed block.
type Block struct {
	Height       int64
	TimeUnixNano int64
	Txs          []TxResult
	// StatusChanges are the end-of-block removals, after the transactions.
	StatusChanges []StatusChange
}

// batch overlays a block's writes on the database so later transactions of
// the block read earlier ones.
type batch struct {
	x       *Index
	height  int64 // the block's
	entries map[string]*Entry
	touched []*Entry         // entries to write, in the order first touched
	counts  map[string]int64 // count key -> delta
	// keys are the secondary keys to set or delete, in order: a later
	// operation on a key wins, as in the Pebble batch they go to.
	keys []keyOp
	// lists is what the listings beyond messages (posts, aggregates,
	// files, address ranks) changed in this block (listings.go).
	lists listBatch
}

type keyOp struct {
	key   []byte
	set   bool
	value []byte // set's value; nil stores an empty one
}

// mark sets (or, if !set, deletes) a secondary key.
func (b *batch) mark(key []byte, set bool) { b.keys = append(b.keys, keyOp{key: key, set: set}) }

// markValue sets a key with a value.
func (b *batch) markValue(key, value []byte) {
	b.keys = append(b.keys, keyOp{key: key, set: true, value: value})
}

// put adds a new entry to the block.
func (b *batch) put(e *Entry) {
	b.entries[e.ItemHash] = e
	b.touched = append(b.touched, e)
}

func (b *batch) get(hash string) (*Entry, error) {
	if e, ok := b.entries[hash]; ok {
		return e, nil
	}
	e, err := b.x.Get(hash)
	if e != nil {
		b.put(e)
	}
	return e, err
}

// countLive adds delta to every counter a processed entry belongs to.
func (b *batch) countLive(e *Entry, delta int64) {
	for _, d := range dimensions {
		if d.order != nil || d.id == dimStatus.id {
			continue // block order counts as "all"; status has no live entries
		}
		for _, vals := range d.values(e) {
			b.counts[string(countKey(d, vals))] += delta
		}
	}
	b.countSender(e, delta)
}

// IndexBlock adds a committed block. Blocks must come in height order; a
// block at or below the indexed height is ignored, so replays are harmless.
func (x *Index) IndexBlock(blk Block) error {
	if blk.Height <= x.Height() {
		return nil
	}
	b := &batch{x: x, height: blk.Height, entries: make(map[string]*Entry, len(blk.Txs)), counts: map[string]int64{}}
	b.lists.init()
	for i, tr := range blk.Txs {
		if err := b.add(blk, uint32(i), tr); err != nil {
			return fmt.Errorf("index block %d tx %d: %w", blk.Height, i, err)
		}
	}
	if err := b.statusChanges(blk.StatusChanges); err != nil {
		return fmt.Errorf("index block %d: %w", blk.Height, err)
	}
	return b.commit(blk.Height)
}

// parse returns tr's message (nil for a transaction that carries none) and,
// for a message whose envelope and content are valid, its content and time.
func parse(tr TxResult) (m *pb.AlephMessage, c *message.Content, timeNano int64) {
	if p := tr.Parsed; p != nil {
		if p.Msg != nil && p.Err == nil {
			return p.Msg, p.Content, p.TimeNano
		}
		m = p.Msg
	} else {
		m, _ = app.DecodeTx(tr.Tx)
	}
	if m == nil {
		return nil, nil, 0
	}
	if t, err := message.ParseTime(m.Time); err == nil {
		timeNano = t
	}
	if tr.Parsed == nil {
		c, _ = message.ParseContent(m.Type, m.ItemContent)
	}
	return m, c, timeNano
}

func (b *batch) add(blk Block, i uint32, tr TxResult) error {
	m, c, timeNano := parse(tr)
	if m == nil { // not a message: an availability record moves STOREs
		b.attested(tr)
		return b.statusChanges(tr.StatusChanges)
	}
	e := &Entry{
		ItemHash: m.ItemHash, Type: m.Type, Chain: m.Chain, Sender: m.Sender, Channel: m.Channel,
		Height: blk.Height, TxIndex: i, BlockTime: blk.TimeUnixNano, msg: m, TimeNano: timeNano,
	}
	if tr.Code != 0 {
		prev, err := b.get(m.ItemHash)
		if err != nil || prev != nil {
			return err // a refused copy never hides the accepted message
		}
		b.x.metrics.messages.WithLabelValues(m.Type, StatusRejected).Inc()
		b.x.metrics.rejections.WithLabelValues(tr.Codespace, strconv.FormatUint(uint64(tr.Code), 10)).Inc()
		e.Status, e.ErrorCode, e.Details = StatusRejected, tr.Code, tr.Codespace+": "+tr.Log
		b.put(e)
		for _, d := range dimensions { // listed only with msgStatuses=rejected
			if d.all {
				for _, vals := range d.values(e) {
					b.mark(byKey(d, vals, e), true)
				}
			}
		}
		return nil
	}
	if c != nil {
		e.Owner, e.PostType, e.Ref, e.Key, e.ContentHash = c.Address, c.PostType, c.Ref, c.Key, c.FileHash
		e.Tags = tags(m.ItemContent)
		e.contentTime, e.hasContentTime = c.TimeNano, true
		if m.Type == message.TypeStore { // x/message reads no STORE ref
			e.Ref = storeRef(m.ItemContent)
		}
	}
	// A copy refused earlier (state keeps no rejected messages, so the same
	// message may come again) leaves the listings it was in.
	prev, err := b.get(m.ItemHash)
	if err != nil {
		return err
	}
	if prev != nil && prev.Status != StatusRejected {
		// Another sender's copy of pending content, admitted as a
		// contender (x/message contender.go): the entry stays the pending
		// message's until a status change names a contender's.
		return nil
	}
	if prev != nil && prev.Status == StatusRejected {
		for _, d := range dimensions {
			if d.all {
				for _, vals := range d.values(prev) {
					b.mark(byKey(d, vals, prev), false)
				}
			}
		}
	}
	b.put(e)
	// A STORE is pending until its file is attested, a message whose
	// content is not inline until its content is.
	if m.Type == message.TypeStore || !message.Inline(m) {
		e.Status = StatusPending
		b.x.metrics.messages.WithLabelValues(m.Type, StatusPending).Inc()
		for _, d := range dimensions {
			if d.all {
				for _, vals := range d.values(e) {
					b.mark(byKey(d, vals, e), true)
				}
			}
		}
		return nil
	}
	b.begin(e)
	for _, h := range tr.Forgotten {
		t, err := b.get(h)
		if err != nil {
			return err
		}
		if t == nil {
			continue
		}
		b.end(t, StatusForgotten)
		t.ForgottenBy = append(t.ForgottenBy, e.ItemHash)
	}
	return b.statusChanges(tr.StatusChanges)
}

// statusChanges follows garbage collection: into and out of removing, and
// removed.
func (b *batch) statusChanges(changes []StatusChange) error {
	for _, c := range changes {
		t, err := b.get(c.Hash)
		if err != nil {
			return err
		}
		if t == nil {
			continue
		}
		if c.Envelope != nil && t.Status == StatusPending {
			b.takeEnvelope(t, c.Envelope)
		}
		switch {
		case t.Status == StatusPending && c.Status == StatusProcessed: // attested
			b.mark(byKey(dimStatus, []string{StatusPending}, t), false)
			b.fill(t)
			b.begin(t)
			b.mark(liveKey(b.height, t.ItemHash), true) // for BecameLive
		case t.Status == StatusPending && c.Status == StatusRejected:
			b.mark(byKey(dimStatus, []string{StatusPending}, t), false)
			b.x.metrics.messages.WithLabelValues(t.Type, StatusRejected).Inc()
			t.Status, t.Details = StatusRejected, c.Reason
			b.mark(byKey(dimStatus, []string{StatusRejected}, t), true)
		case c.Status == StatusRemoving, c.Status == StatusProcessed:
			if !live(t.Status) || t.Status == c.Status {
				continue
			}
			b.mark(byKey(dimStatus, []string{StatusRemoving}, t), c.Status == StatusRemoving)
			t.Status = c.Status
		case c.Status == StatusRemoved:
			b.end(t, StatusRemoved)
		}
	}
	return nil
}

// takeEnvelope makes a pending entry list m, the contender that state
// now holds for its item_hash (it won, or was promoted when the first
// sender forgot its copy). The entry keeps its place (height, tx index),
// as the state record does.
func (b *batch) takeEnvelope(t *Entry, m *pb.AlephMessage) {
	for _, d := range dimensions {
		if d.all {
			for _, vals := range d.values(t) {
				b.mark(byKey(d, vals, t), false)
			}
		}
	}
	t.msg, t.Sender, t.Chain, t.Type, t.Channel = m, m.Sender, m.Chain, m.Type, m.Channel
	if tn, err := message.ParseTime(m.Time); err == nil {
		t.TimeNano = tn
	}
	for _, d := range dimensions {
		if d.all {
			for _, vals := range d.values(t) {
				b.mark(byKey(d, vals, t), true)
			}
		}
	}
}

func live(status string) bool { return status == StatusProcessed || status == StatusRemoving }

// begin makes an entry live: processed, in every listing and count.
func (b *batch) begin(e *Entry) {
	e.Status = StatusProcessed
	b.x.metrics.messages.WithLabelValues(e.Type, StatusProcessed).Inc()
	for _, d := range dimensions {
		for _, vals := range d.values(e) {
			b.mark(byKey(d, vals, e), true)
		}
	}
	b.countLive(e, 1)
	b.listBegin(e)
}

// end takes a live message out of the listings: forgotten or removed. A
// pending STORE, listed only by status, can be forgotten too.
func (b *batch) end(t *Entry, status string) {
	if t.Status == StatusPending {
		b.mark(byKey(dimStatus, []string{StatusPending}, t), false)
		t.Status = status
		t.contentDropped = true
		b.mark(byKey(dimStatus, []string{status}, t), true)
		return
	}
	if !live(t.Status) {
		return
	}
	b.x.metrics.messages.WithLabelValues(t.Type, status).Inc()
	b.countLive(t, -1)
	b.listEnd(t)
	// Secondary keys hold live messages only, so listings can skip pages
	// by key; the "all" ones keep it for msgStatuses=forgotten.
	for _, d := range dimensions {
		if d.all {
			continue
		}
		for _, vals := range d.values(t) {
			b.mark(byKey(d, vals, t), false)
		}
	}
	if t.Status == StatusRemoving {
		b.mark(byKey(dimStatus, []string{StatusRemoving}, t), false)
	}
	t.Status = status
	t.contentDropped = true
	b.mark(byKey(dimStatus, []string{status}, t), true)
}

// tags reads content.content.tags, the list pyaleph's "tags" filter matches.
// Members are matched by exact name, as pyaleph's Python reads them. Most
// messages have no tags: content that does not spell "tags" (plainly, or
// through a \u escape) is not decoded again.
func tags(itemContent []byte) []string {
	if !bytes.Contains(itemContent, []byte(`"tags"`)) && !bytes.Contains(itemContent, []byte(`\u`)) {
		return nil
	}
	var outer, inner map[string]json.RawMessage
	var out []string
	if json.Unmarshal(itemContent, &outer) != nil || json.Unmarshal(outer["content"], &inner) != nil ||
		json.Unmarshal(inner["tags"], &out) != nil {
		return nil
	}
	return out
}

func (b *batch) commit(height int64) error {
	b.flushLists()
	wb := b.x.db.NewBatch()
	defer wb.Close() //nolint:errcheck // it only releases the batch; Write reports errors
	for _, e := range b.touched {
		v, err := encodeEntry(e)
		if err != nil {
			return err
		}
		if err := wb.Set(entryKey(e.ItemHash), v); err != nil {
			return err
		}
	}
	for _, op := range lastOps(b.keys) {
		var err error
		if op.set {
			v := op.value
			if v == nil {
				v = []byte{}
			}
			err = wb.Set(op.key, v)
		} else {
			err = wb.Delete(op.key)
		}
		if err != nil {
			return err
		}
	}
	written := make(map[string]int64, len(b.counts))
	for _, k := range sortedKeys(b.counts) {
		n, err := b.x.counter(k)
		if err != nil {
			return err
		}
		old := n
		n += b.counts[k]
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], uint64(n))
		if err := wb.Set([]byte(k), v[:]); err != nil {
			return err
		}
		written[k] = n
		if err := b.rank([]byte(k), old, n); err != nil {
			return err
		}
	}
	if err := b.flushRanks(wb); err != nil {
		return err
	}
	var hv [8]byte
	binary.BigEndian.PutUint64(hv[:], uint64(height))
	if err := wb.Set(heightKey, hv[:]); err != nil {
		return err
	}
	if err := wb.WriteSync(); err != nil {
		return fmt.Errorf("write index batch: %w", err)
	}
	for k, n := range written { // committed: the cache may hold them
		b.x.counters.put(k, n)
	}
	b.x.mu.Lock()
	b.x.height = height
	waiters := b.x.waiters
	b.x.waiters = nil
	b.x.mu.Unlock()
	for _, ch := range waiters {
		close(ch)
	}
	return nil
}

// lastOps returns the final operation on each key, in key order. Pebble
// inserts a batch into its memtable in the batch's order, and an insert
// right after the previous one is nearly free; a block's secondary keys of
// one dimension and value are adjacent (the newest of their range), so in
// key order most of them are, where in message order each jumps across
// the table.
func lastOps(ops []keyOp) []keyOp {
	type numbered struct {
		keyOp
		n int
	}
	sorted := make([]numbered, len(ops))
	for i, op := range ops {
		sorted[i] = numbered{op, i}
	}
	slices.SortFunc(sorted, func(a, b numbered) int {
		if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.n - b.n
	})
	out := make([]keyOp, 0, len(sorted))
	for i, op := range sorted {
		if i+1 < len(sorted) && bytes.Equal(op.key, sorted[i+1].key) {
			continue // a later operation on this key wins
		}
		out = append(out, op.keyOp)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Statuses parses a msgStatuses list, defaulting to processed and
// removing (pyaleph's default: messages in grace are still served).
func Statuses(list []string) map[string]bool {
	out := map[string]bool{}
	for _, s := range list {
		out[strings.ToLower(s)] = true
	}
	if len(out) == 0 {
		out[StatusProcessed], out[StatusRemoving] = true, true
	}
	return out
}
