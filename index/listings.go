package index

import (
	"bytes"
	"encoding/binary"
	"errors"

	iavldb "github.com/cosmos/iavl/db"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/internal/jsonobj"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
)

// The listings beyond messages, each kept as keys a page reads in order, so
// that every listing answers in O(page) however many messages there are:
// aggregates by last change or creation (aggregates.go), posts by last
// update (posts.go), an address's files and file tags (files.go), and
// addresses ranked by message counts (rank below). They follow live
// messages: begin and end call listBegin and listEnd.
const (
	prefixAgg     byte = 0x05 // owner, key -> aggRecord
	prefixAggElem byte = 0x06 // owner, key, content time, item_hash -> (empty): live elements
	prefixAggSort byte = 0x07 // order, scope, [value], time, key, owner -> (empty)
	prefixPost    byte = 0x08 // original item_hash -> postState
	prefixFile    byte = 0x09 // owner, content time, item_hash -> size, file hash
	prefixTag     byte = 0x0a // owner, tag, content time, item_hash -> (empty)
	prefixRank    byte = 0x0b // sort, ^count, address -> address as sent
)

// Counter-only dimensions: ids of prefixCount keys that no listing walks.
var (
	dimSenderPostType = dimension{id: 20} // sender, post type -> live POSTs
	dimSenderChannel  = dimension{id: 21} // sender, channel -> live messages
	dimAggAll         = dimension{id: 22} // -> aggregates
	dimAggOwner       = dimension{id: 23} // owner -> aggregates
	dimAggKey         = dimension{id: 24} // key -> aggregates
	dimFiles          = dimension{id: 25} // owner -> live STOREs
	dimFileBytes      = dimension{id: 26} // owner -> their attested bytes
	dimAddresses      = dimension{id: 27} // -> addresses with live messages
)

// listBatch is a block's pending changes to the listings' records.
type listBatch struct {
	aggs  map[string]*aggRecord // record key -> record; nil deletes it
	posts map[string]*postState // original item_hash -> state; nil deletes it
	// sizes are the file sizes the block's attestation record names.
	sizes map[string]uint64
	// contents are the non-inline contents it carries.
	contents map[string][]byte
	// senders maps a lower-cased address to its spelling in the block's
	// latest message: address ranks answer addresses as sent.
	senders map[string]string
	ranks   map[string]*rankChange
	// err is the first failed read; the block is then not committed.
	err error
}

func (l *listBatch) init() {
	l.aggs, l.posts = map[string]*aggRecord{}, map[string]*postState{}
	l.sizes, l.senders, l.ranks = map[string]uint64{}, map[string]string{}, map[string]*rankChange{}
	l.contents = map[string][]byte{}
}

func (l *listBatch) fail(err error) {
	if err != nil && l.err == nil {
		l.err = err
	}
}

// attested notes the file sizes an attestation record carries: the STOREs
// it makes live are listed with them.
func (b *batch) attested(tr TxResult) {
	var rec *pb.Attestation
	if tr.Parsed != nil {
		rec = tr.Parsed.Attestation
	}
	if rec == nil {
		rec = app.DecodeAttestation(tr.Tx)
	}
	for _, f := range rec.GetFiles() {
		b.lists.sizes[f.ItemHash] = f.Size
		if len(f.Content) > 0 {
			b.lists.contents[f.ItemHash] = f.Content
		}
	}
}

// fill gives a pending non-inline message's entry the content the block's
// record carried, with what the listings read from it, before it goes
// live. The state machine applied the same bytes.
func (b *batch) fill(t *Entry) {
	content, ok := b.lists.contents[t.ItemHash]
	if !ok || t.msg == nil || message.Inline(t.msg) {
		return
	}
	c, err := message.ParseContent(t.Type, content)
	if err != nil {
		return
	}
	m := proto.Clone(t.msg).(*pb.AlephMessage)
	m.ItemContent = content
	t.msg = m
	t.Owner, t.PostType, t.Ref, t.Key, t.ContentHash = c.Address, c.PostType, c.Ref, c.Key, c.FileHash
	t.Tags = tags(content)
	t.contentTime, t.hasContentTime = c.TimeNano, true
}

// countSender keeps an address's post types and channels.
func (b *batch) countSender(e *Entry, delta int64) {
	a := lowerAddr(e.Sender)
	b.lists.senders[a] = e.Sender
	if e.Type == message.TypePost && e.PostType != "" {
		b.counts[string(countKey(dimSenderPostType, []string{a, e.PostType}))] += delta
	}
	if e.Channel != "" {
		b.counts[string(countKey(dimSenderChannel, []string{a, e.Channel}))] += delta
	}
}

func (b *batch) listBegin(e *Entry) {
	switch e.Type {
	case message.TypePost:
		b.postBegin(e)
	case message.TypeAggregate:
		b.aggBegin(e)
	case message.TypeStore:
		b.fileBegin(e)
	}
}

// listEnd runs while t still has its live status.
func (b *batch) listEnd(t *Entry) {
	switch t.Type {
	case message.TypePost:
		b.postEnd(t)
	case message.TypeAggregate:
		b.aggEnd(t)
	case message.TypeStore:
		b.fileEnd(t)
	}
}

// peek reads an entry as the block has it so far, without adding it to the
// block's writes.
func (b *batch) peek(hash string) *Entry {
	if e, ok := b.entries[hash]; ok {
		return e
	}
	e, err := b.x.Get(hash)
	b.lists.fail(err)
	return e
}

// contentTimeOf is content.time, which pyaleph's posts, aggregates and
// files are dated by; the message time if the content does not parse.
func contentTimeOf(e *Entry) int64 {
	if !e.hasContentTime {
		e.contentTime = e.TimeNano
		if e.msg != nil {
			if c, err := message.ParseContent(e.Type, e.msg.ItemContent); err == nil {
				e.contentTime = c.TimeNano
			}
		}
		e.hasContentTime = true
	}
	return e.contentTime
}

// later is x/message's order of elements and amends: content time, then
// item_hash.
func later(t1 int64, h1 string, t2 int64, h2 string) bool {
	if t1 != t2 {
		return t1 > t2
	}
	return h1 > h2
}

// flushLists turns the block's records into key writes.
func (b *batch) flushLists() {
	for _, k := range sortedKeys(b.lists.aggs) {
		if r := b.lists.aggs[k]; r == nil {
			b.mark([]byte(k), false)
		} else {
			b.markValue([]byte(k), r.encode())
		}
	}
	for _, h := range sortedKeys(b.lists.posts) {
		if st := b.lists.posts[h]; st == nil {
			b.mark(postStateKey(h), false)
		} else {
			b.markValue(postStateKey(h), st.encode())
		}
	}
}

// rankSorts are the orders of addresses' ranks: by total, then by each
// type of MessageTypes.
func rankSort(msgType string) (byte, bool) {
	for i, t := range MessageTypes {
		if t == msgType {
			return byte(i + 1), true
		}
	}
	return 0, false
}

// rankKey orders addresses by count, largest first (^count), then by
// address, as pyaleph's stats listing.
func rankKey(sort byte, n int64, addr string) []byte {
	return state.NewKey(prefixRank, sort).Uint64(^uint64(n)).String(addr).Bytes()
}

// rankChange is how an address's counters moved in a block.
type rankChange struct {
	total      [2]int64 // old, new
	totalKnown bool
	types      map[byte][2]int64
}

// rank notes a counter that moved from old to n when it is an address's
// (dimAddress, dimAddressType); flushRanks then moves the address in the
// ranks.
func (b *batch) rank(k []byte, old, n int64) error {
	if len(k) < 2 || k[0] != prefixCount || (k[1] != dimAddress.id && k[1] != dimAddressType.id) {
		return nil
	}
	r := state.ReadKey(k, 2)
	addr := r.String()
	typ := ""
	if k[1] == dimAddressType.id {
		typ = r.String()
	}
	if err := r.Err(); err != nil {
		return err
	}
	rc := b.lists.ranks[addr]
	if rc == nil {
		rc = &rankChange{types: map[byte][2]int64{}}
		b.lists.ranks[addr] = rc
	}
	if typ == "" {
		rc.total, rc.totalKnown = [2]int64{old, n}, true
	} else if s, ok := rankSort(typ); ok {
		rc.types[s] = [2]int64{old, n}
	}
	return nil
}

// flushRanks moves the addresses whose counters changed in their ranks,
// and keeps the number of addresses with live messages. An address with
// live messages has a key in every rank, at 0 for the types it has not
// sent, as pyaleph lists every address whatever the type it sorts by.
func (b *batch) flushRanks(wb iavldb.Batch) error {
	if b.lists.err != nil {
		return b.lists.err
	}
	var active int64
	for _, addr := range sortedKeys(b.lists.ranks) {
		rc := b.lists.ranks[addr]
		if !rc.totalKnown {
			n, err := b.x.count(dimAddress, []string{addr})
			if err != nil {
				return err
			}
			rc.total = [2]int64{n, n}
		}
		was, is := rc.total[0] > 0, rc.total[1] > 0
		switch {
		case !was && is:
			active++
		case was && !is:
			active--
		}
		name := b.lists.senders[addr]
		if name == "" {
			name = addr
		}
		for s := byte(0); int(s) <= len(MessageTypes); s++ {
			c, ok := rc.types[s]
			if s == 0 {
				c, ok = rc.total, true
			}
			if !ok {
				// Unchanged, so 0 if the address starts or stops having
				// messages, and its key needs no move otherwise: no read.
				if was == is {
					continue
				}
				c = [2]int64{0, 0}
			}
			if was && (c[0] != c[1] || !is) {
				if err := wb.Delete(rankKey(s, c[0], addr)); err != nil {
					return err
				}
			}
			if is && (c[0] != c[1] || !was) {
				if err := wb.Set(rankKey(s, c[1], addr), []byte(name)); err != nil {
					return err
				}
			}
		}
	}
	if active == 0 {
		return nil
	}
	k := countKey(dimAddresses, nil)
	cur, err := b.x.db.Get(k)
	if err != nil {
		return err
	}
	var n int64
	if len(cur) == 8 {
		n = int64(binary.BigEndian.Uint64(cur))
	}
	return wb.Set(k, binary.BigEndian.AppendUint64(nil, uint64(n+active)))
}

// storeRef is a STORE's content.ref, a string or a ChainRef's item_hash,
// read by exact member name as pyaleph's Python reads it.
func storeRef(itemContent []byte) string {
	if !bytes.Contains(itemContent, []byte(`"ref"`)) && !bytes.Contains(itemContent, []byte(`\u`)) {
		return ""
	}
	obj, err := jsonobj.Decode(itemContent)
	if err != nil {
		return ""
	}
	var ref string
	if obj.Get("ref", &ref) == nil {
		return ref
	}
	var chainRef struct {
		ItemHash string `json:"item_hash"`
	}
	if obj.Get("ref", &chainRef) == nil {
		return chainRef.ItemHash
	}
	return ""
}

// errCorrupt reports a listing key or record that does not decode.
var errCorrupt = errors.New("index: corrupt listing record")
