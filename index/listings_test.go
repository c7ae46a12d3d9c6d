package index_test

import (
	"strings"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/index"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

func block(t *testing.T, x *index.Index, h int64, txs ...index.TxResult) {
	t.Helper()
	if err := x.IndexBlock(index.Block{Height: h, TimeUnixNano: h, Txs: txs}); err != nil {
		t.Fatal(err)
	}
}

func hashes[T any](items []T, f func(T) string) string {
	var out []string
	for _, it := range items {
		out = append(out, f(it))
	}
	return strings.Join(out, ",")
}

// TestPostsByLastUpdate: posts are listed once per original, by the content
// time of their latest amend; an amend moves its original up, a forgotten
// latest amend gives way to the next, tags match the latest version, and
// counters agree with walks.
func TestPostsByLastUpdate(t *testing.T) {
	x, err := index.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	p1 := signed(t, "alice", client.Post("CH", "note", map[string]any{"v": 1}, ""), 1)
	p2 := signed(t, "alice", client.Post("CH", "blog", map[string]any{"v": 1}, ""), 2)
	a1 := signed(t, "alice", client.Post("CH", "amend", map[string]any{"v": 3, "tags": []string{"hot"}}, p1.ItemHash), 3)
	old := signed(t, "alice", client.Post("CH", "amend", map[string]any{"v": 2}, p1.ItemHash), 1)
	block(t, x, 1, ok(p1), ok(p2))
	block(t, x, 2, ok(a1), ok(old))
	post := func(p index.Post) string { return p.Original.ItemHash }
	list := func(f index.PostFilter, asc bool) index.PostPage {
		t.Helper()
		pg, err := x.Posts(f, asc, 0, 10, true)
		if err != nil {
			t.Fatal(err)
		}
		return pg
	}
	pg := list(index.PostFilter{}, false)
	if got, want := hashes(pg.Posts, post), p1.ItemHash+","+p2.ItemHash; got != want || pg.Total != 2 {
		t.Fatalf("after the amend: %s (total %d), want %s", got, pg.Total, want)
	}
	if pg.Posts[0].Latest == nil || pg.Posts[0].Latest.ItemHash != a1.ItemHash || pg.Posts[1].Latest != nil {
		t.Fatalf("latest versions: %+v", pg.Posts)
	}
	if pg := list(index.PostFilter{Tags: []string{"hot"}}, false); hashes(pg.Posts, post) != p1.ItemHash || pg.Total != 1 {
		t.Fatalf("tags of the latest version: %s", hashes(pg.Posts, post))
	}
	if pg := list(index.PostFilter{Types: []string{"blog"}, Owners: []string{strings.ToUpper(p1.Sender[2:])}}, false); len(pg.Posts) != 0 {
		t.Fatalf("owner filter is by address: %v", pg.Posts)
	}
	if pg := list(index.PostFilter{Types: []string{"note"}, Owners: []string{p1.Sender}}, false); hashes(pg.Posts, post) != p1.ItemHash || pg.Total != 1 {
		t.Fatalf("types and owners: %s %d", hashes(pg.Posts, post), pg.Total)
	}
	forget := signed(t, "alice", client.Forget("CH", []string{a1.ItemHash}, nil, ""), 10)
	block(t, x, 3, ok(forget, a1.ItemHash))
	pg = list(index.PostFilter{}, false)
	if got, want := hashes(pg.Posts, post), p2.ItemHash+","+p1.ItemHash; got != want {
		t.Fatalf("after forgetting the latest amend: %s, want %s", got, want)
	}
	if l := pg.Posts[1].Latest; l == nil || l.ItemHash != old.ItemHash || pg.Posts[1].Updated != pg.Posts[1].Created {
		t.Fatalf("the remaining amend is the latest: %+v", pg.Posts[1])
	}
	if pg := list(index.PostFilter{Tags: []string{"hot"}}, false); len(pg.Posts) != 0 || pg.Total != 0 {
		t.Fatalf("the forgotten amend's tag still lists: %v", pg.Posts)
	}
	// Pages by cursor, in both orders, see each post once.
	for _, asc := range []bool{false, true} {
		var got []string
		f := index.PostFilter{}
		for {
			pg, err := x.Posts(f, asc, 0, 1, false)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, hashes(pg.Posts, post))
			if pg.Next == nil {
				break
			}
			f.After = pg.Next
		}
		if n := len(strings.Join(got, "")); n != 2*64 {
			t.Fatalf("cursor pages (asc %v): %v", asc, got)
		}
	}
	forgetOrig := signed(t, "alice", client.Forget("CH", []string{p2.ItemHash}, nil, ""), 11)
	block(t, x, 4, ok(forgetOrig, p2.ItemHash))
	if pg := list(index.PostFilter{}, false); hashes(pg.Posts, post) != p1.ItemHash || pg.Total != 1 {
		t.Fatalf("after forgetting an original: %s %d", hashes(pg.Posts, post), pg.Total)
	}
	types, err := x.AddressPostTypes(p1.Sender)
	if err != nil || strings.Join(types, ",") != "amend,note" {
		t.Fatalf("post types: %v %v", types, err)
	}
	channels, err := x.AddressChannels(strings.ToUpper(p1.Sender))
	if err != nil || strings.Join(channels, ",") != "CH" {
		t.Fatalf("channels: %v %v", channels, err)
	}
}

// TestAggregatesList: aggregates by last change or creation, filtered by
// owner and key, counted, paged by cursor; a forgotten last element gives
// the aggregate its previous time back.
func TestAggregatesList(t *testing.T) {
	x, err := index.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	ap := signed(t, "alice", client.Aggregate("CH", "profile", map[string]any{"a": 1}), 1)
	bp := signed(t, "bob", client.Aggregate("CH", "profile", map[string]any{"b": 1}), 2)
	as := signed(t, "alice", client.Aggregate("CH", "settings", map[string]any{"s": 1}), 3)
	ap2 := signed(t, "alice", client.Aggregate("CH", "profile", map[string]any{"a": 2}), 4)
	block(t, x, 1, ok(ap), ok(bp))
	block(t, x, 2, ok(as), ok(ap2))
	alice, bob := ap.Sender, bp.Sender
	agg := func(a index.Aggregate) string { return a.Owner[:6] + "/" + a.Key }
	list := func(q index.AggregateQuery) index.AggregatePage {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 10
		}
		q.Total = true
		pg, err := x.Aggregates(q)
		if err != nil {
			t.Fatal(err)
		}
		return pg
	}
	a, b := alice[:6], bob[:6]
	for _, tc := range []struct {
		q     index.AggregateQuery
		want  string
		total int64
	}{
		{index.AggregateQuery{}, a + "/profile," + a + "/settings," + b + "/profile", 3},
		{index.AggregateQuery{ByCreated: true}, a + "/settings," + b + "/profile," + a + "/profile", 3},
		{index.AggregateQuery{Ascending: true}, b + "/profile," + a + "/settings," + a + "/profile", 3},
		{index.AggregateQuery{Owners: []string{strings.ToLower(alice)}}, a + "/profile," + a + "/settings", 2},
		{index.AggregateQuery{Keys: []string{"profile"}}, a + "/profile," + b + "/profile", 2},
		{index.AggregateQuery{Keys: []string{"profile"}, Owners: []string{bob, alice}}, a + "/profile," + b + "/profile", 2},
		{index.AggregateQuery{Keys: []string{"settings"}, Owners: []string{bob}}, "", 0},
		{index.AggregateQuery{Offset: 1, Limit: 1}, a + "/settings", 3},
	} {
		pg := list(tc.q)
		if got := hashes(pg.Aggregates, agg); got != tc.want || pg.Total != tc.total {
			t.Errorf("%+v: %s (total %d), want %s (%d)", tc.q, got, pg.Total, tc.want, tc.total)
		}
	}
	pg := list(index.AggregateQuery{})
	if first := pg.Aggregates[0]; first.First != ap.ItemHash || first.Last != ap2.ItemHash || first.Created >= first.Updated {
		t.Fatalf("alice/profile: %+v", first)
	}
	var got []string
	q := index.AggregateQuery{Limit: 2}
	for {
		pg := list(q)
		got = append(got, hashes(pg.Aggregates, agg))
		if pg.Next == "" {
			break
		}
		q.After = pg.Next
	}
	if strings.Join(got, ",") != a+"/profile,"+a+"/settings,"+b+"/profile" {
		t.Fatalf("by cursor: %v", got)
	}
	if _, err := x.Aggregates(index.AggregateQuery{After: "!!", Limit: 1}); err == nil {
		t.Fatal("a bad cursor is accepted")
	}
	forget := signed(t, "alice", client.Forget("CH", []string{ap2.ItemHash}, nil, ""), 10)
	block(t, x, 3, ok(forget, ap2.ItemHash))
	if got := hashes(list(index.AggregateQuery{}).Aggregates, agg); got != a+"/settings,"+b+"/profile,"+a+"/profile" {
		t.Fatalf("after forgetting the last element: %s", got)
	}
	forget2 := signed(t, "bob", client.Forget("CH", []string{bp.ItemHash}, nil, ""), 11)
	block(t, x, 4, ok(forget2, bp.ItemHash))
	if pg := list(index.AggregateQuery{Keys: []string{"profile"}}); hashes(pg.Aggregates, agg) != a+"/profile" || pg.Total != 1 {
		t.Fatalf("after forgetting bob's only element: %s %d", hashes(pg.Aggregates, agg), pg.Total)
	}
}

// TestFilesTagsAndRanks: an attested STORE lists as its owner's file with
// the attested size, counts in the totals and names its tag; addresses
// rank by message counts.
func TestFilesTagsAndRanks(t *testing.T) {
	x, err := index.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	fileHash := strings.Repeat("ab", 32)
	s1 := signed(t, "carol", client.Store("CH", fileHash, "storage", 0), 1)
	d := client.Store("CH", strings.Repeat("cd", 32), "storage", 0)
	d.Content["ref"] = "my-file"
	s2 := signed(t, "carol", d, 2)
	block(t, x, 1, ok(s1), ok(s2))
	att := index.TxResult{Tx: app.EncodeAttestation(&pb.Attestation{Files: []*pb.AttestedFile{
		{ItemHash: s1.ItemHash, Size: 100}, {ItemHash: s2.ItemHash, Size: 23}}}),
		StatusChanges: []index.StatusChange{{Hash: s1.ItemHash, Status: "processed"}, {Hash: s2.ItemHash, Status: "processed"}}}
	p := signed(t, "dave", client.Post("CH", "note", "x", ""), 3)
	p2 := signed(t, "dave", client.Post("OTHER", "note", "y", ""), 4)
	block(t, x, 2, att, ok(p), ok(p2))
	carol := s1.Sender
	pg, err := x.Files(strings.ToLower(carol), "", false, 0, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pg.Count != 2 || pg.TotalSize != 123 || len(pg.Files) != 2 || pg.Files[0].ItemHash != s2.ItemHash ||
		pg.Files[0].Size != 23 || pg.Files[1].FileHash != fileHash || pg.Files[1].Size != 100 {
		t.Fatalf("files: %+v", pg)
	}
	if pg, _ := x.Files(carol, fileHash, false, 0, 10, nil); len(pg.Files) != 1 || pg.Files[0].ItemHash != s1.ItemHash {
		t.Fatalf("files of one hash: %+v", pg)
	}
	if pg, _ := x.Files(carol, "", true, 0, 1, nil); pg.Next == nil || pg.Files[0].ItemHash != s1.ItemHash {
		t.Fatalf("first page ascending: %+v", pg)
	} else if pg2, _ := x.Files(carol, "", true, 0, 1, pg.Next); len(pg2.Files) != 1 || pg2.Files[0].ItemHash != s2.ItemHash {
		t.Fatalf("second page by cursor: %+v", pg2)
	}
	for tag, want := range map[string]string{"my-file": s2.ItemHash, s1.ItemHash: s1.ItemHash, s2.ItemHash: ""} {
		e, err := x.NewestTagged(carol, tag)
		if err != nil || (want == "") != (e == nil) || (e != nil && e.ItemHash != want) {
			t.Errorf("tag %s: %v %v, want %s", tag, e, err, want)
		}
	}
	forget := signed(t, "carol", client.Forget("CH", []string{s1.ItemHash}, nil, ""), 10)
	block(t, x, 3, ok(forget, s1.ItemHash))
	if pg, _ := x.Files(carol, "", false, 0, 10, nil); pg.Count != 1 || pg.TotalSize != 23 || len(pg.Files) != 1 {
		t.Fatalf("files after a forget: %+v", pg)
	}
	if e, _ := x.NewestTagged(carol, s1.ItemHash); e != nil {
		t.Fatalf("a forgotten STORE still names its tag")
	}
	// carol: a live STORE and a FORGET; dave: 2 POSTs. Ties go by address
	// (dave's is the lower), ascending when the largest come first.
	rank := func(q index.RankQuery) string {
		t.Helper()
		q.Limit, q.Total = 10, true
		pg, err := x.Ranked(q)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(pg.Addresses, ",") + " " + string(rune('0'+pg.Total))
	}
	dave := p.Sender
	if strings.ToLower(dave) > strings.ToLower(carol) {
		t.Fatal("the seeds no longer give dave the lower address")
	}
	for _, tc := range []struct {
		q    index.RankQuery
		want string
	}{
		{index.RankQuery{}, dave + "," + carol + " 2"},
		{index.RankQuery{Ascending: true}, carol + "," + dave + " 2"},
		{index.RankQuery{SortBy: "POST"}, dave + "," + carol + " 2"},
		{index.RankQuery{SortBy: "STORE"}, carol + "," + dave + " 2"},
		{index.RankQuery{Contains: strings.ToUpper(dave[2:8])}, dave + " 1"},
	} {
		if got := rank(tc.q); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.q, got, tc.want)
		}
	}
	// Garbage collection removes dave's posts: he leaves every rank.
	if err := x.IndexBlock(index.Block{Height: 4, TimeUnixNano: 4, StatusChanges: []index.StatusChange{
		{Hash: p.ItemHash, Status: "removed"}, {Hash: p2.ItemHash, Status: "removed"}}}); err != nil {
		t.Fatal(err)
	}
	for _, sortBy := range append([]string{""}, index.MessageTypes...) {
		if got := rank(index.RankQuery{SortBy: sortBy}); got != carol+" 1" {
			t.Errorf("after dave's removal, by %q: %s", sortBy, got)
		}
	}
	if types, _ := x.AddressPostTypes(dave); len(types) != 0 {
		t.Errorf("dave's post types after removal: %v", types)
	}
}
