package app_test

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// TestLiveContentQuery: PathLiveContent lists the processed non-inline
// messages (storage and ipfs), not pending or inline ones, nor a
// forgotten one; paged one record at a time it lists the same.
func TestLiveContentQuery(t *testing.T) {
	c := storeChain(t, 5)
	post, postContent := nonInline(t, "alice", message.ItemStorage, at(client.Post("TEST", "note", strings.Repeat("p", 2000), ""), "1700000001"))
	agg, aggContent := nonInline(t, "alice", message.ItemIPFS, at(client.Aggregate("TEST", "profile", map[string]any{"n": 1}), "1700000002"))
	pending, _ := nonInline(t, "alice", message.ItemStorage, at(client.Post("TEST", "note", "never attested", ""), "1700000003"))
	inline := sign(t, apptest.Key("alice"), at(client.Post("TEST", "note", "inline", ""), "1700000004"))
	c.MustBlock(post, agg, pending, inline)
	if rs := c.Attest([]*pb.AttestedFile{contentFile(post, postContent), contentFile(agg, aggContent)}); rs[0].Code != 0 {
		t.Fatalf("record: %d %s", rs[0].Code, rs[0].Log)
	}
	want := map[string]string{post.ItemHash: message.ItemStorage, agg.ItemHash: message.ItemIPFS}
	if got := liveContent(t, c); !maps.Equal(got, want) {
		t.Fatalf("live content %v, want %v", got, want)
	}

	snap, err := c.Store.At(0)
	if err != nil {
		t.Fatal(err)
	}
	paged, pages := map[string]string{}, 0
	for after := ""; ; pages++ {
		v, err := app.LiveContentScan(snap, after, 1)
		if err != nil {
			t.Fatal(err)
		}
		var page app.LiveContentPage
		if err := json.Unmarshal(v, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Content) > 1 {
			t.Fatalf("a one-record page lists %v", page.Content)
		}
		maps.Copy(paged, page.Content)
		if page.Next == "" {
			break
		}
		if page.Next == after || pages > 100 {
			t.Fatalf("paging does not move on: %q after %q, page %d", page.Next, after, pages)
		}
		after = page.Next
	}
	if !maps.Equal(paged, want) || pages < 4 {
		t.Fatalf("paged one record at a time: %v in %d pages, want %v in at least 4", paged, pages, want)
	}

	forget := sign(t, apptest.Key("alice"), at(client.Forget("TEST", []string{post.ItemHash}, nil, ""), "1700000005"))
	c.MustBlock(forget)
	if got := liveContent(t, c); !maps.Equal(got, map[string]string{agg.ItemHash: message.ItemIPFS}) {
		t.Fatalf("after the FORGET, live content %v", got)
	}
}

func liveContent(t *testing.T, c *apptest.Chain) map[string]string {
	t.Helper()
	res, err := c.App.Query(app.PathLiveContent, nil, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var page app.LiveContentPage
	if err := json.Unmarshal(res.Value, &page); err != nil {
		t.Fatal(err)
	}
	if page.Next != "" {
		t.Fatalf("one page expected, next %q", page.Next)
	}
	return page.Content
}
