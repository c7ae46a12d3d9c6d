package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
)

// keysOf returns an object's member names, sorted.
func keysOf(m map[string]any) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// TestListingRoutes drives pyaleph's listings on a real node and checks
// their keys and values as pyaleph's controllers give them: the aggregates
// list and an address's aggregates with with_info and value_only; address
// stats v0 (every way of naming addresses) and v1; an address's files,
// post types and channels; posts v0 and v1 (hash, order by last update,
// ref, ISO dates).
func TestListingRoutes(t *testing.T) {
	n := testnode.Start(t, testnode.Init(t, "listing-routes", node.InitOptions{}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	a := apiClient{t, "http://" + n.APIAddress}
	alice, bob := keys.FromSeed("listings-alice"), keys.FromSeed("listings-bob")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	at := func(d client.Draft, sec int) client.Draft {
		d.Time = t0.Add(time.Duration(sec) * time.Second)
		d.Content["time"] = json.Number(client.Seconds(d.Time))
		return d
	}
	publish := func(d client.Draft, k any) string {
		t.Helper()
		m := sign(t, alice, d)
		if k == bob {
			m = sign(t, bob, d)
		}
		if code, out := a.publish(m, true); code != 200 {
			t.Fatalf("publish %s: %d %v", m.Type, code, out)
		}
		return m.ItemHash
	}
	postA := publish(at(client.Post("LIST", "blog", map[string]any{"v": 1}, ""), 1), alice)
	postB := publish(at(client.Post("LIST", "note", map[string]any{"v": 1}, "some-ref"), 2), alice)
	amendA := publish(at(client.Post("LIST", "amend", map[string]any{"v": 2}, postA), 3), alice)
	publish(at(client.Aggregate("LIST", "profile", map[string]any{"name": "a"}), 4), alice)
	publish(at(client.Aggregate("OTHER", "settings", map[string]any{"x": 1}), 5), alice)
	lastProfile := publish(at(client.Aggregate("LIST", "profile", map[string]any{"age": 2}), 6), alice)
	publish(at(client.Aggregate("LIST", "profile", map[string]any{"b": 1}), 7), bob)
	file := []byte("a file listed as alice's")
	sum := sha256.Sum256(file)
	fileHash := hex.EncodeToString(sum[:])
	store := sign(t, alice, at(client.Store("LIST", fileHash, "storage", int64(len(file))), 8))
	upload(t, a, store, file)
	aliceAddr := sign(t, alice, client.Post("X", "x", 1, "")).Sender
	bobAddr := sign(t, bob, client.Post("X", "x", 1, "")).Sender
	iso := func(sec int) string {
		return t0.Add(time.Duration(sec) * time.Second).UTC().Format("2006-01-02T15:04:05+00:00")
	}

	t.Run("aggregates list", func(t *testing.T) {
		for _, path := range []string{"/api/v0/aggregates", "/api/v0/aggregates.json"} {
			code, out := a.get(path + "?keys=profile")
			if code != 200 || keysOf(out) != "aggregates,pagination_item,pagination_page,pagination_per_page,pagination_total" ||
				out["pagination_total"] != float64(2) || out["pagination_item"] != "aggregates" || out["pagination_per_page"] != float64(20) {
				t.Fatalf("%s: %d %v", path, code, out)
			}
			list := out["aggregates"].([]any)
			first := list[0].(map[string]any)
			if len(list) != 2 || keysOf(first) != "address,content,created,key,last_updated" || first["address"] != bobAddr ||
				first["created"] != iso(7) || first["key"] != "profile" || first["content"].(map[string]any)["b"] != float64(1) {
				t.Fatalf("%s: %v", path, list)
			}
			second := list[1].(map[string]any)
			if second["address"] != aliceAddr || second["created"] != iso(4) || second["last_updated"] != iso(6) ||
				second["content"].(map[string]any)["age"] != float64(2) {
				t.Fatalf("%s: alice's profile %v", path, second)
			}
		}
		_, out := a.get("/api/v0/aggregates?addresses=" + aliceAddr + "&sortBy=creation_time&sortOrder=1")
		if got := out["aggregates"].([]any); len(got) != 2 || got[0].(map[string]any)["key"] != "profile" || out["pagination_total"] != float64(2) {
			t.Fatalf("alice's by creation: %v", out)
		}
		code, out := a.get("/api/v0/aggregates?pagination=1&cursor=")
		if code != 200 || keysOf(out) != "aggregates,next_cursor,pagination_per_page" || out["next_cursor"] == nil {
			t.Fatalf("cursor mode: %d %v", code, out)
		}
		seen := map[string]bool{}
		for cursor := ""; ; {
			_, out := a.get("/api/v0/aggregates?pagination=1&cursor=" + url.QueryEscape(cursor))
			for _, g := range out["aggregates"].([]any) {
				seen[g.(map[string]any)["address"].(string)+"/"+g.(map[string]any)["key"].(string)] = true
			}
			next, _ := out["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 3 {
			t.Fatalf("cursor walk: %v", seen)
		}
		for _, q := range []string{"pagination=0", "pagination=501", "sortBy=time", "sortOrder=0", "page=0", "cursor=!!"} {
			if code, _ := a.get("/api/v0/aggregates?" + q); code != 422 {
				t.Errorf("aggregates?%s: %d, want 422", q, code)
			}
		}
	})
	t.Run("address aggregates", func(t *testing.T) {
		code, out := a.get("/api/v0/aggregates/" + aliceAddr + ".json?with_info=true")
		info, _ := out["info"].(map[string]any)
		prof, _ := info["profile"].(map[string]any)
		if code != 200 || keysOf(out) != "address,data,info" || len(info) != 2 || prof["created"] != iso(4) ||
			prof["last_updated"] != iso(6) || prof["last_update_item_hash"] != lastProfile || prof["original_item_hash"] == nil {
			t.Fatalf("with_info: %d %v", code, out)
		}
		code, _, raw := a.do(http.MethodGet, "/api/v0/aggregates/"+aliceAddr+".json?keys=profile&value_only=1", "", nil)
		var v map[string]any
		if code != 200 || json.Unmarshal(raw, &v) != nil || v["name"] != "a" || v["age"] != float64(2) || len(v) != 2 {
			t.Fatalf("value_only: %d %s", code, raw)
		}
		if code, out := a.get("/api/v0/aggregates/" + aliceAddr + ".json?keys=profile,settings&value_only=true&limit=1"); code != 200 || len(out["data"].(map[string]any)) != 2 {
			t.Fatalf("value_only with two keys, limit read but not applied: %d %v", code, out)
		}
		if code, _ := a.get("/api/v0/aggregates/" + aliceAddr + ".json?with_info=maybe"); code != 422 {
			t.Fatalf("with_info=maybe: %d", code)
		}
	})
	t.Run("stats", func(t *testing.T) {
		want := map[string]float64{"messages": 7, "post": 3, "aggregate": 3, "store": 1, "forget": 0, "program": 0, "instance": 0}
		for _, q := range []string{"addresses[]=" + aliceAddr + "&addresses[]=" + bobAddr, "addresses=" + aliceAddr + "&addresses=" + bobAddr,
			"addresses=" + aliceAddr + "," + bobAddr, ""} {
			code, out := a.get("/api/v0/addresses/stats.json?" + q)
			data, _ := out["data"].(map[string]any)
			st, _ := data[aliceAddr].(map[string]any)
			if code != 200 || keysOf(out) != "data" || data[bobAddr] == nil || len(st) != len(want) {
				t.Fatalf("stats?%s: %d %v", q, code, out)
			}
			for k, v := range want {
				if st[k] != v {
					t.Errorf("stats?%s: %s = %v, want %v", q, k, st[k], v)
				}
			}
		}
		// Without addresses, the most active first, by page.
		if _, out := a.get("/api/v0/addresses/stats.json?pagination=1"); len(out["data"].(map[string]any)) != 1 || out["data"].(map[string]any)[aliceAddr] == nil {
			t.Fatalf("v0 stats, first page of one: %v", out)
		}
		if code, _ := a.get("/api/v0/addresses/stats.json?pagination=0"); code != 422 {
			t.Fatalf("v0 stats, pagination=0: %d", code)
		}
		if _, out := a.get("/api/v0/addresses/stats.json?addresses[]=0x0000000000000000000000000000000000000001"); len(out["data"].(map[string]any)) != 0 {
			t.Fatalf("an address without messages is listed: %v", out)
		}
		code, out := a.get("/api/v1/addresses/stats.json?sortBy=post&pagination=1")
		data, _ := out["data"].(map[string]any)
		if code != 200 || keysOf(out) != "data,pagination_item,pagination_page,pagination_per_page,pagination_total" ||
			out["pagination_item"] != "addresses" || out["pagination_total"].(float64) < 2 || len(data) != 1 || data[aliceAddr] == nil {
			t.Fatalf("v1: %d %v", code, out)
		}
		_, out = a.get("/api/v1/addresses/stats.json?addressContains=" + strings.ToUpper(bobAddr[2:10]))
		if data := out["data"].(map[string]any); len(data) != 1 || data[bobAddr] == nil || out["pagination_total"] != float64(1) {
			t.Fatalf("v1 addressContains: %v", out)
		}
		code, out = a.get("/api/v1/addresses/stats.json?cursor=&pagination=1")
		if code != 200 || keysOf(out) != "data,next_cursor,pagination_per_page" || out["next_cursor"] == nil {
			t.Fatalf("v1 cursor: %d %v", code, out)
		}
		for _, q := range []string{"sortBy=size", "sortOrder=2", "pagination=-1", "page=0", "addressContains=" + strings.Repeat("a", 67), "cursor=&pagination=0"} {
			if code, _ := a.get("/api/v1/addresses/stats.json?" + q); code != 422 {
				t.Errorf("v1 stats?%s: %d, want 422", q, code)
			}
		}
	})
	t.Run("address files, post types, channels", func(t *testing.T) {
		code, out := a.get("/api/v0/addresses/" + aliceAddr + "/files")
		files, _ := out["files"].([]any)
		if code != 200 || keysOf(out) != "address,files,pagination_page,pagination_per_page,pagination_total,total_size" ||
			out["total_size"] != float64(len(file)) || out["pagination_total"] != float64(1) || out["pagination_per_page"] != float64(100) || len(files) != 1 {
			t.Fatalf("files: %d %v", code, out)
		}
		f := files[0].(map[string]any)
		if keysOf(f) != "created,file_hash,item_hash,size,type" || f["file_hash"] != fileHash || f["item_hash"] != store.ItemHash ||
			f["type"] != "file" || f["size"] != float64(len(file)) || f["created"] != strings.TrimSuffix(iso(8), "+00:00")+"Z" {
			t.Fatalf("file: %v", f)
		}
		if code, out := a.get("/api/v0/addresses/" + aliceAddr + "/files?file_hash=" + fileHash + "&sort_order=1"); code != 200 || len(out["files"].([]any)) != 1 {
			t.Fatalf("file_hash: %d %v", code, out)
		}
		for path, want := range map[string]int{"/files?page=2": 404, "/files?file_hash=" + strings.Repeat("0", 64): 404, "/files?sort_order=2": 422} {
			if code, _ := a.get("/api/v0/addresses/" + aliceAddr + path); code != want {
				t.Errorf("%s: %d, want %d", path, code, want)
			}
		}
		if code, _ := a.get("/api/v0/addresses/" + bobAddr + "/files"); code != 404 {
			t.Errorf("bob's files: %d, want 404", code)
		}
		code, out = a.get("/api/v0/addresses/" + aliceAddr + "/post_types")
		if code != 200 || keysOf(out) != "address,post_types" || out["address"] != aliceAddr || strings.Join(toStrings(out["post_types"]), ",") != "amend,blog,note" {
			t.Fatalf("post_types: %d %v", code, out)
		}
		code, out = a.get("/api/v0/addresses/" + aliceAddr + "/channels")
		if code != 200 || keysOf(out) != "address,channels" || strings.Join(toStrings(out["channels"]), ",") != "LIST,OTHER" {
			t.Fatalf("channels: %d %v", code, out)
		}
		if _, out := a.get("/api/v0/addresses/" + bobAddr + "/post_types"); len(toStrings(out["post_types"])) != 0 || out["post_types"] == nil {
			t.Fatalf("bob's post_types: %v", out)
		}
	})
	t.Run("posts", func(t *testing.T) {
		code, out := a.get("/api/v1/posts.json?addresses=" + aliceAddr)
		posts, _ := out["posts"].([]any)
		if code != 200 || len(posts) != 2 || out["pagination_total"] != float64(2) {
			t.Fatalf("v1: %d %v", code, out)
		}
		// The amended post is first: its last update is the amend's time.
		p := posts[0].(map[string]any)
		if keysOf(p) != "address,channel,content,created,item_hash,last_updated,original_item_hash,original_type,ref" ||
			p["original_item_hash"] != postA || p["item_hash"] != amendA || p["created"] != iso(1) || p["last_updated"] != iso(3) ||
			p["ref"] != nil || p["original_type"] != "blog" || p["content"].(map[string]any)["v"] != float64(2) || p["address"] != aliceAddr {
			t.Fatalf("v1 amended post: %v", p)
		}
		if q := posts[1].(map[string]any); q["original_item_hash"] != postB || q["ref"] != "some-ref" || q["item_hash"] != postB {
			t.Fatalf("v1 second post: %v", q)
		}
		_, out = a.get("/api/v0/posts.json?addresses=" + aliceAddr + "&sortOrder=1")
		posts = out["posts"].([]any)
		p = posts[0].(map[string]any)
		if p["hash"] != postB || p["original_item_hash"] != postB || p["ref"] != "some-ref" || p["type"] != "note" {
			t.Fatalf("v0 oldest first: %v", posts)
		}
		p = posts[1].(map[string]any)
		if keysOf(p) != "address,chain,channel,confirmations,confirmed,content,hash,item_content,item_hash,item_type,original_item_hash,original_signature,original_type,ref,sender,signature,size,time,type" ||
			p["hash"] != postA || p["item_hash"] != amendA || p["type"] != "amend" || p["original_type"] != "blog" || p["ref"] != nil || p["sender"] != aliceAddr {
			t.Fatalf("v0 amended post: %v", p)
		}
		if _, out := a.get("/api/v0/posts.json?startDate=" + client.Seconds(t0.Add(3*time.Second))); len(out["posts"].([]any)) != 1 {
			t.Fatalf("startDate bounds the last update: %v", out)
		}
		code, out = a.get("/api/v1/posts.json?cursor=&pagination=1")
		if code != 200 || out["next_cursor"] == nil || out["pagination_total"] != nil {
			t.Fatalf("posts cursor mode: %d %v", code, out)
		}
		if code, _ := a.get("/api/v1/posts.json?cursor=&sortBy=tx-time"); code != 422 {
			t.Fatalf("cursor with tx-time: %d", code)
		}
	})
}

func toStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, s := range l {
		out = append(out, s.(string))
	}
	return out
}
