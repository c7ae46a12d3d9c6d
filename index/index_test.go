package index_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/internal/pebbledb"
	"github.com/alephd/alephd/keys"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

func signed(t *testing.T, seed string, d client.Draft, sec int) *pb.AlephMessage {
	t.Helper()
	d.Time = time.Unix(1_700_000_000+int64(sec), 0)
	d.Content["time"] = json.Number(fmt.Sprint(1_700_000_000 + sec))
	m, err := client.Sign(keys.FromSeed(seed), d)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ok(m *pb.AlephMessage, forgotten ...string) index.TxResult {
	return index.TxResult{Tx: app.EncodeTx(m), Forgotten: forgotten}
}

// TestIndexListsCountsAndForgets: listings filter and page in time order,
// kept counters equal walked counts, a FORGET moves its target out of the
// default listing, and a refused duplicate never hides the accepted message.
func TestIndexListsCountsAndForgets(t *testing.T) {
	x, err := index.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	var posts []*pb.AlephMessage
	for i := 0; i < 30; i++ {
		posts = append(posts, signed(t, "alice", client.Post("CH", "note", i, ""), i))
	}
	agg := signed(t, "bob", client.Aggregate("CH", "profile", map[string]any{"a": 1}), 5)
	var blk1 []index.TxResult
	for _, p := range posts {
		blk1 = append(blk1, ok(p))
	}
	blk1 = append(blk1, ok(agg))
	if err := x.IndexBlock(index.Block{Height: 1, TimeUnixNano: 1, Txs: blk1}); err != nil {
		t.Fatal(err)
	}
	forget := signed(t, "alice", client.Forget("CH", []string{posts[29].ItemHash}, nil, ""), 40)
	dup := index.TxResult{Tx: app.EncodeTx(posts[3]), Code: 13, Codespace: "message", Log: "already accepted"}
	if err := x.IndexBlock(index.Block{Height: 2, TimeUnixNano: 2, Txs: []index.TxResult{ok(forget, posts[29].ItemHash), dup}}); err != nil {
		t.Fatal(err)
	}
	alice := posts[0].Sender

	page, err := x.Messages(index.Filter{Addresses: []string{alice}, Types: []string{"POST"}}, false, 0, 10, true)
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 29 || len(page.Entries) != 10 || page.Entries[0].ItemHash != posts[28].ItemHash {
		t.Fatalf("alice's posts: total %d, %d entries, first %s", page.Total, len(page.Entries), page.Entries[0].ItemHash)
	}
	page2, _ := x.Messages(index.Filter{Addresses: []string{alice}, Types: []string{"POST"}}, false, 10, 10, false)
	if page2.Entries[0].ItemHash != posts[18].ItemHash {
		t.Fatalf("page 2 starts at %s", page2.Entries[0].ItemHash)
	}
	// A cursor resumes exactly where a page ended, in both orders.
	for _, asc := range []bool{false, true} {
		var got []string
		f := index.Filter{Addresses: []string{alice}, Types: []string{"POST"}}
		for {
			pg, err := x.Messages(f, asc, 0, 7, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range pg.Entries {
				got = append(got, e.ItemHash)
			}
			if pg.Next == nil {
				break
			}
			f.After = pg.Next
		}
		if len(got) != 29 || (asc && got[0] != posts[0].ItemHash) || (!asc && got[0] != posts[28].ItemHash) {
			t.Fatalf("cursor walk (ascending=%v): %d messages, first %s", asc, len(got), got[0])
		}
		if c, err := index.DecodeCursor((&index.Cursor{TimeNano: 5, Hash: "h"}).Encode()); err != nil || c.TimeNano != 5 || c.Hash != "h" {
			t.Fatalf("cursor round trip: %+v %v", c, err)
		}
	}
	// Block order (tx-time): the FORGET of block 2 comes first, newest first.
	byBlock, _ := x.Messages(index.Filter{BlockOrder: true}, false, 0, 2, true)
	if byBlock.Total != 31 || byBlock.Entries[0].ItemHash != forget.ItemHash || byBlock.Entries[1].Height != 1 {
		t.Fatalf("block order: total %d, first %s", byBlock.Total, byBlock.Entries[0].ItemHash)
	}
	// A block range alone is read from the block-order keys.
	blk2, _ := x.Messages(index.Filter{StartBlock: 2, EndBlock: 2}, false, 0, 10, true)
	if blk2.Total != 1 || blk2.Entries[0].ItemHash != forget.ItemHash {
		t.Fatalf("block 2: %+v", blk2)
	}
	upTo1, _ := x.Messages(index.Filter{EndBlock: 1}, false, 0, 100, true)
	if upTo1.Total != 30 { // 29 live posts (one was forgotten) and the aggregate
		t.Fatalf("up to block 1: %d", upTo1.Total)
	}
	rejected, _ := x.Messages(index.Filter{Statuses: []string{"rejected"}}, false, 0, 10, true)
	if rejected.Total != 0 { // the refused copy of an accepted message is not listed
		t.Fatalf("rejected: %d", rejected.Total)
	}
	// A filter no counter covers is counted by walking; both must agree.
	walked, _ := x.Messages(index.Filter{Addresses: []string{alice}, Channels: []string{"CH"}, Types: []string{"POST"}}, true, 0, 5, true)
	if walked.Total != 29 || walked.Entries[0].ItemHash != posts[0].ItemHash {
		t.Fatalf("walked count %d, first ascending %s", walked.Total, walked.Entries[0].ItemHash)
	}
	all, _ := x.Messages(index.Filter{}, false, 0, 100, true)
	if all.Total != 31 || len(all.Entries) != 31 { // 29 posts + aggregate + forget
		t.Fatalf("all: %d / %d", all.Total, len(all.Entries))
	}
	e, _ := x.Get(posts[29].ItemHash)
	if e.Status != index.StatusForgotten || len(e.ForgottenBy) != 1 {
		t.Fatalf("forgotten entry: %+v", e)
	}
	if e3, _ := x.Get(posts[3].ItemHash); e3.Status != index.StatusProcessed {
		t.Fatalf("a refused duplicate changed the accepted entry: %+v", e3)
	}
	forgotten, _ := x.Messages(index.Filter{Statuses: []string{"forgotten"}}, false, 0, 10, true)
	if forgotten.Total != 1 {
		t.Fatalf("forgotten listing: %d", forgotten.Total)
	}
	keyed, _ := x.Messages(index.Filter{ContentKeys: []string{"profile"}}, false, 0, 10, true)
	if keyed.Total != 1 || keyed.Entries[0].ItemHash != agg.ItemHash {
		t.Fatalf("by content key: %+v", keyed)
	}
	// Replaying an indexed block changes nothing.
	if err := x.IndexBlock(index.Block{Height: 2, Txs: []index.TxResult{ok(forget, posts[28].ItemHash)}}); err != nil {
		t.Fatal(err)
	}
	if e, _ := x.Get(posts[28].ItemHash); e.Status != index.StatusProcessed {
		t.Fatal("a replayed block was indexed twice")
	}
}

// TestOlderFormatIsRebuilt: an index written before entries were protobufs
// (no format version, JSON entries) is dropped on open, so Follow rebuilds
// it from the block store; an index in the current format is kept.
func TestOlderFormatIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	old, err := pebbledb.Open(dir, "index")
	if err != nil {
		t.Fatal(err)
	}
	wb := old.NewBatch()
	if err := wb.Set([]byte{0x00, 'h'}, binary.BigEndian.AppendUint64(nil, 7)); err != nil {
		t.Fatal(err)
	}
	if err := wb.Set(append([]byte{0x01}, "some-hash"...), []byte(`{"item_hash":"some-hash"}`)); err != nil {
		t.Fatal(err)
	}
	if err := wb.WriteSync(); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	x, err := index.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !x.Rebuilding || x.Height() != 0 {
		t.Fatalf("older index: rebuilding %v, height %d; want a fresh index", x.Rebuilding, x.Height())
	}
	m := signed(t, "alice", client.Post("CH", "note", "kept", ""), 1)
	if err := x.IndexBlock(index.Block{Height: 1, TimeUnixNano: 1, Txs: []index.TxResult{ok(m)}}); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}

	x, err = index.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := x.Close(); err != nil {
			t.Error(err)
		}
	}()
	e, err := x.Get(m.ItemHash)
	if err != nil || e == nil || x.Rebuilding || x.Height() != 1 {
		t.Fatalf("current index reopened: entry %v (%v), rebuilding %v, height %d", e, err, x.Rebuilding, x.Height())
	}
	if string(e.Message) != string(message.ToJSON(m)) {
		t.Fatalf("stored message renders as\n%s\nwant\n%s", e.Message, message.ToJSON(m))
	}
}

// TestRefusedThenAcceptedIsListedOnce: a message refused in one block (say,
// nobody paid yet) and accepted in a later one is listed once, as accepted,
// in every listing, block order included.
func TestRefusedThenAcceptedIsListedOnce(t *testing.T) {
	x, err := index.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	m := signed(t, "carol", client.Post("CH", "note", "again", ""), 1)
	refused := index.TxResult{Tx: app.EncodeTx(m), Code: 1, Codespace: "payment", Log: "nobody pays"}
	if err := x.IndexBlock(index.Block{Height: 1, TimeUnixNano: 1, Txs: []index.TxResult{refused}}); err != nil {
		t.Fatal(err)
	}
	if err := x.IndexBlock(index.Block{Height: 2, TimeUnixNano: 2, Txs: []index.TxResult{ok(m)}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []index.Filter{
		{}, {BlockOrder: true}, {StartBlock: 1, EndBlock: 2},
		{Statuses: []string{index.StatusProcessed, index.StatusRejected}},
	} {
		page, err := x.Messages(f, false, 0, 10, true)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 1 || len(page.Entries) != 1 || page.Entries[0].Status != index.StatusProcessed {
			t.Errorf("filter %+v: total %d, %d entries", f, page.Total, len(page.Entries))
		}
	}
	if page, _ := x.Messages(index.Filter{Statuses: []string{index.StatusRejected}}, false, 0, 10, true); page.Total != 0 {
		t.Errorf("still listed as rejected: %d", page.Total)
	}
}

// TestBecameLive: a STORE is listed at its own height while pending, and
// BecameLive names it at the height that attested it, for live feeds.
func TestBecameLive(t *testing.T) {
	x, err := index.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	st := signed(t, "dave", client.Store("CH", strings.Repeat("ab", 32), "storage", 10), 1)
	if err := x.IndexBlock(index.Block{Height: 1, TimeUnixNano: 1, Txs: []index.TxResult{ok(st)}}); err != nil {
		t.Fatal(err)
	}
	if err := x.IndexBlock(index.Block{Height: 2, TimeUnixNano: 2}); err != nil {
		t.Fatal(err)
	}
	attest := []index.StatusChange{{Hash: st.ItemHash, Status: index.StatusProcessed}}
	if err := x.IndexBlock(index.Block{Height: 3, TimeUnixNano: 3, StatusChanges: attest}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		from, to int64
		want     int
	}{{1, 2, 0}, {3, 3, 1}, {1, 5, 1}, {4, 9, 0}} {
		got, err := x.BecameLive(c.from, c.to)
		if err != nil || len(got) != c.want {
			t.Fatalf("BecameLive(%d, %d) = %d entries, %v; want %d", c.from, c.to, len(got), err, c.want)
		}
		if c.want == 1 && (got[0].ItemHash != st.ItemHash || got[0].Status != index.StatusProcessed || !(index.Filter{Channels: []string{"CH"}}).Matches(got[0])) {
			t.Fatalf("BecameLive(%d, %d) = %+v", c.from, c.to, got[0])
		}
	}
}
