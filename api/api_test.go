package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

type apiClient struct {
	t    *testing.T
	base string
}

func (a apiClient) do(method, path, ctype string, body []byte) (int, map[string]any, []byte) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out, raw
}

func (a apiClient) get(path string) (int, map[string]any) {
	code, out, _ := a.do(http.MethodGet, path, "", nil)
	return code, out
}

func (a apiClient) publish(m *pb.AlephMessage, sync bool) (int, map[string]any) {
	body, _ := json.Marshal(map[string]any{"message": json.RawMessage(message.ToJSON(m)), "sync": sync})
	code, out, _ := a.do(http.MethodPost, "/api/v0/messages", "application/json", body)
	return code, out
}

// TestAPI drives every endpoint of a real node, with the shapes pyaleph
// gives and a 4xx, never a 500, for bad input.
// waitStatus polls a message until it has status want.
func waitStatus(t *testing.T, a apiClient, hash, want string) {
	t.Helper()
	var out map[string]any
	for i := 0; i < 200; i++ {
		_, out = a.get("/api/v0/messages/" + hash)
		if out["status"] == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("message %s never became %s: %v", hash, want, out)
}

func TestAPI(t *testing.T) {
	n := testnode.Start(t, testnode.Init(t, "api", node.InitOptions{}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	a := apiClient{t, "http://" + n.APIAddress}
	k := keys.FromSeed("api-test")
	sign := func(d client.Draft) *pb.AlephMessage {
		m, err := client.Sign(k, d)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	post := sign(client.Post("API", "blog", map[string]any{"title": "v1", "tags": nil}, ""))
	if code, out := a.publish(post, true); code != 200 || out["message_status"] != "processed" {
		t.Fatalf("sync post: %d %v", code, out)
	}
	if code, out := a.publish(post, true); code != 200 {
		t.Fatalf("resubmitted post: %d %v", code, out)
	}
	amend := sign(client.Post("API", "amend", map[string]any{"title": "v2"}, post.ItemHash))
	if code, _ := a.publish(amend, true); code != 200 {
		t.Fatalf("amend: %d", code)
	}
	bad := sign(client.Post("API", "blog", "x", ""))
	bad.Signature = post.Signature
	if code, out := a.publish(bad, true); code != 422 || out["message_status"] != "rejected" || !strings.Contains(out["details"].(string), "signature") {
		t.Fatalf("bad signature: %d %v", code, out)
	}
	if code, _, _ := a.do(http.MethodPost, "/api/v0/messages", "application/json", []byte(`{"message": "`+strings.Repeat("a", 3<<20)+`"}`)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 3 MiB body: %d, want 413", code)
	}
	agg := sign(client.Aggregate("API", "profile", map[string]any{"name": "api"}))
	if code, _ := a.publish(agg, false); code != 202 {
		t.Fatalf("async aggregate: %d", code)
	}

	t.Run("message", func(t *testing.T) {
		code, out := a.get("/api/v0/messages/" + post.ItemHash + "?hashes%5B%5D=x")
		msg, _ := out["message"].(map[string]any)
		if code != 200 || out["status"] != "processed" || msg["item_hash"] != post.ItemHash || msg["content"] == nil {
			t.Fatalf("%d %v", code, out)
		}
		if code, _ := a.get("/api/v0/messages/" + strings.Repeat("0", 64)); code != 404 {
			t.Fatalf("unknown hash: %d", code)
		}
		if code, out := a.get("/api/v0/messages/" + post.ItemHash + "/status"); code != 200 || out["status"] != "processed" {
			t.Fatalf("status: %d %v", code, out)
		}
	})
	t.Run("messages.json", func(t *testing.T) {
		code, out := a.get("/api/v0/messages.json?addresses=" + post.Sender + "&msgTypes=POST&pagination=1")
		if code != 200 || out["pagination_total"].(float64) != 2 || len(out["messages"].([]any)) != 1 || out["pagination_item"] != "messages" {
			t.Fatalf("%d %v", code, out)
		}
		code, out = a.get("/api/v0/messages/page/2.json?addresses=" + post.Sender + "&msgTypes=POST&pagination=1")
		if code != 200 || out["pagination_page"].(float64) != 2 || len(out["messages"].([]any)) != 1 {
			t.Fatalf("page 2: %d %v", code, out)
		}
		code, out = a.get("/api/v0/messages.json?addresses=" + post.Sender + "&msgTypes=POST&pagination=1")
		if code != 200 || len(out["messages"].([]any)) != 1 {
			t.Fatalf("page 1: %d %v", code, out)
		}
		first := out["messages"].([]any)[0].(map[string]any)["item_hash"]
		cursor, _ := out["next_cursor"].(string)
		code, out = a.get("/api/v0/messages.json?addresses=" + post.Sender + "&msgTypes=POST&pagination=1&cursor=" + cursor)
		if code != 200 || len(out["messages"].([]any)) != 1 || out["messages"].([]any)[0].(map[string]any)["item_hash"] == first {
			t.Fatalf("by cursor: %d %v", code, out)
		}
		// The SDKs' iterators stop at a null next_cursor, not a missing one.
		// As in pyaleph, a cursor page counts nothing and says has_more.
		if _, counted := out["pagination_total"]; counted || out["has_more"] != true {
			t.Fatalf("a cursor page: %v", out)
		}
		cursor = out["next_cursor"].(string)
		code, out = a.get("/api/v0/messages.json?addresses=" + post.Sender + "&msgTypes=POST&pagination=1&cursor=" + cursor)
		if next, present := out["next_cursor"]; code != 200 || len(out["messages"].([]any)) != 0 || !present || next != nil || out["has_more"] != false {
			t.Fatalf("past the last page: %d %v", code, out)
		}
		code, out = a.get("/api/v0/messages.json?hashes=" + post.ItemHash + "&excludeContent=true")
		if m := out["messages"].([]any); code != 200 || len(m) != 1 || m[0].(map[string]any)["content"] != nil || m[0].(map[string]any)["item_hash"] != post.ItemHash {
			t.Fatalf("excludeContent: %d %v", code, out)
		}
		// Repeated values count once; pagination=0 lists everything.
		code, out = a.get("/api/v0/messages.json?addresses=" + post.Sender + "," + post.Sender + "&msgTypes=POST,post&pagination=0")
		if code != 200 || len(out["messages"].([]any)) != 2 || out["next_cursor"] != nil {
			t.Fatalf("repeated values: %d %v", code, out)
		}
		var addrs []string
		for i := range 101 {
			addrs = append(addrs, fmt.Sprintf("0x%040x", i))
		}
		tooMany := strings.Join(addrs, ",")
		for _, q := range []string{"page=0", "message_types=NOTE", "start_date=-1", "paymentTypes=gold", "contentFormat=all", "startDate=2&end_date=1", "start_block=5&endBlock=4", "pagination=10001", "cursor=&pagination=0", "sortOrder=2", "startDate=abc", "channels=%ff", "cursor=!!",
			"msgTypes=POST,NOTE", "addresses=" + tooMany, "startDate=" + strings.Repeat("1", 65)} {
			if code, _ := a.get("/api/v0/messages.json?" + q); code != 422 {
				t.Errorf("%s: %d, want 422", q, code)
			}
		}
		// As pydantic: unknown parameters are ignored, and pyaleph's field
		// names work as their aliases do (the alias wins when both are given).
		base := "/api/v0/messages.json?addresses=" + post.Sender
		for _, pair := range [][2]string{
			{"msgTypes=POST&msgStatuses=processed&contentTypes=blog&sortOrder=1", "message_types=POST&message_statuses=processed&content_types=blog&sort_order=1&nope=1"},
			{"msgType=POST&startDate=1&endBlock=1000", "message_type=POST&start_date=1&end_block=1000"},
			{"msgTypes=POST&sortBy=tx-time&pagination=1", "message_types=POST&sort_by=tx-time&pagination=1&msgTypes[]=STORE"},
			{"msgTypes=POST&paymentTypes=hold,credit", "msgTypes=POST&message_types=AGGREGATE&payment_types=hold"},
			{"excludeContent=true", "content_format=none&foo=bar"},
			{"contentFormat=headers&excludeContent=true", "content_format=headers"},
		} {
			code, want := a.get(base + "&" + pair[0])
			code2, got := a.get(base + "&" + pair[1])
			if code != 200 || code2 != 200 || len(want["messages"].([]any)) == 0 || fmt.Sprint(want) != fmt.Sprint(got) {
				t.Errorf("%s and %s differ: %d %v\n%d %v", pair[0], pair[1], code, want, code2, got)
			}
		}
		// alephd pays every message from held ALEPH: only hold matches.
		if code, out := a.get(base + "&paymentTypes=superfluid,credit"); code != 200 || len(out["messages"].([]any)) != 0 {
			t.Errorf("paymentTypes without hold: %d %v", code, out)
		}
		code, out = a.get("/api/v0/messages.json?hashes=" + post.ItemHash + "&contentFormat=headers")
		if m := out["messages"].([]any); code != 200 || len(m) != 1 || fmt.Sprint(m[0].(map[string]any)["content"]) != fmt.Sprint(map[string]any{"address": post.Sender, "type": "blog"}) {
			t.Errorf("contentFormat=headers: %d %v", code, out)
		}
	})
	t.Run("websocket", func(t *testing.T) {
		conn, _, err := websocket.DefaultDialer.Dial("ws://"+strings.TrimPrefix(a.base, "http://")+"/api/ws0/messages?history=1&channels=API", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close() //nolint:errcheck // the server may have closed it first, as the test asks
		var m map[string]any
		if err := conn.ReadJSON(&m); err != nil || m["channel"] != "API" {
			t.Fatalf("history: %v %v", m, err)
		}
		// A client only listens: a large frame from it ends the connection
		// (the server may close it before the whole frame is written).
		_ = conn.WriteMessage(websocket.TextMessage, make([]byte, 64<<10))
		if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		var timeout net.Error
		if _, _, err := conn.ReadMessage(); err == nil || (errors.As(err, &timeout) && timeout.Timeout()) {
			t.Fatalf("after a 64 KiB frame: %v, want the server to close the connection", err)
		}
	})
	t.Run("posts", func(t *testing.T) {
		code, out := a.get("/api/v0/posts.json?addresses=" + post.Sender + "&types=blog")
		posts, _ := out["posts"].([]any)
		if code != 200 || len(posts) != 1 {
			t.Fatalf("v0: %d %v", code, out)
		}
		p := posts[0].(map[string]any)
		// As pyaleph: hash is the original's, item_hash and type the amend's.
		if p["original_item_hash"] != post.ItemHash || p["hash"] != post.ItemHash || p["item_hash"] != amend.ItemHash ||
			p["type"] != "amend" || p["original_type"] != "blog" || p["content"].(map[string]any)["title"] != "v2" {
			t.Fatalf("v0 post: %v", p)
		}
		// pyaleph's field name post_types is read as types; unknown
		// parameters are ignored.
		if code, out2 := a.get("/api/v0/posts.json?addresses=" + post.Sender + "&post_types=blog&page_size=3"); code != 200 || fmt.Sprint(out2) != fmt.Sprint(out) {
			t.Fatalf("post_types: %d %v, want %v", code, out2, out)
		}
		if code, out := a.get("/api/v0/posts.json?addresses=" + post.Sender + "&post_types=note"); code != 200 || len(out["posts"].([]any)) != 0 {
			t.Fatalf("post_types=note: %d %v", code, out)
		}
		code, out = a.get("/api/v1/posts.json?channels=API")
		if next, present := out["next_cursor"]; code != 200 || len(out["posts"].([]any)) != 1 || !present || next != nil {
			t.Fatalf("v1: %d %v", code, out)
		}
	})
	t.Run("aggregates", func(t *testing.T) {
		deadline := time.Now().Add(10 * time.Second)
		for {
			code, out := a.get("/api/v0/aggregates/" + post.Sender + ".json?keys=profile")
			if code == 200 {
				if out["data"].(map[string]any)["profile"].(map[string]any)["name"] != "api" {
					t.Fatalf("%v", out)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("aggregate never appeared: %d", code)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if code, _ := a.get("/api/v0/aggregates/" + post.Sender + ".json?keys=nope"); code != 404 {
			t.Fatalf("missing key: %d", code)
		}
	})
	t.Run("storage", func(t *testing.T) {
		code, out, _ := a.do(http.MethodPost, "/api/v0/storage/add_json", "application/json", []byte(`{"a": 1}`))
		hash, _ := out["hash"].(string)
		if code != 200 || out["status"] != "success" || len(hash) != 64 {
			t.Fatalf("add_json: %d %v", code, out)
		}
		code, _, raw := a.do(http.MethodGet, "/api/v0/storage/raw/"+hash, "", nil)
		if code != 200 || string(raw) != `{"a":1}` { // re-serialized as pyaleph does
			t.Fatalf("raw: %d %q", code, raw)
		}
		if code, out := a.get("/api/v0/storage/" + hash); code != 200 || out["engine"] != "storage" {
			t.Fatalf("storage/{hash}: %d %v", code, out)
		}
		file := []byte("file bytes for a STORE")
		sum := sha256.Sum256(file)
		store := sign(client.Store("API", hex.EncodeToString(sum[:]), "storage", int64(len(file))))
		upload := func(m *pb.AlephMessage) (int, map[string]any) {
			ctype, body := multipartBody(metadataSync(m, true), filePart(file))
			code, out, _ := a.do(http.MethodPost, "/api/v0/storage/add_file", ctype, body)
			return code, out
		}
		// The STORE is pending until the validator attests the file it
		// holds, a block or two later.
		if code, out := upload(store); (code != 200 && code != 202) || out["hash"] != hex.EncodeToString(sum[:]) {
			t.Fatalf("add_file: %d %v", code, out)
		}
		waitStatus(t, a, store.ItemHash, "processed")
		other := sign(client.Store("API", strings.Repeat("ab", 32), "storage", 1))
		if code, _ := upload(other); code != 422 {
			t.Fatalf("STORE naming another file: %d", code)
		}
		if code, _ := a.get("/api/v0/storage/raw/" + strings.Repeat("0", 64)); code != 404 {
			t.Fatalf("missing file: %d", code)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, body := range []string{`{`, `{"message": 1}`, `{"sync": true}`, `[]`} {
			if code, _, _ := a.do(http.MethodPost, "/api/v0/messages", "application/json", []byte(body)); code != 422 {
				t.Errorf("POST %s: %d, want 422", body, code)
			}
		}
		huge := bytes.Repeat([]byte("a"), 3<<20)
		if code, _, _ := a.do(http.MethodPost, "/api/v0/messages", "application/json", huge); code < 400 || code >= 500 {
			t.Errorf("oversize body: %d", code)
		}
	})
	t.Run("forget", func(t *testing.T) {
		f := sign(client.Forget("API", []string{post.ItemHash}, nil, "test"))
		if code, _ := a.publish(f, true); code != 200 {
			t.Fatalf("forget: %d", code)
		}
		code, out := a.get("/api/v0/messages/" + post.ItemHash)
		if code != 200 || out["status"] != "forgotten" || len(out["forgotten_by"].([]any)) != 1 {
			t.Fatalf("forgotten: %d %v", code, out)
		}
		if code, out := a.publish(post, true); code != 410 {
			t.Fatalf("resubmitting a forgotten message: %d %v", code, out)
		}
		if code, out := a.get("/api/v0/posts.json?addresses=" + post.Sender); code != 200 || len(out["posts"].([]any)) != 0 {
			t.Fatalf("forgotten post still listed: %v", out)
		}
	})
	t.Run("stats", func(t *testing.T) {
		code, out := a.get("/api/v0/addresses/stats.json?addresses=" + post.Sender)
		st, _ := out["data"].(map[string]any)[post.Sender].(map[string]any)
		// The post and its amend were forgotten: an aggregate, a STORE and a FORGET remain.
		if code != 200 || st["post"].(float64) != 0 || st["aggregate"].(float64) != 1 || st["store"].(float64) != 1 || st["messages"].(float64) != 3 {
			t.Fatalf("stats: %d %v", code, out)
		}
		if code, out := a.get("/api/v0/addresses/stats.json"); code != 200 || out["data"].(map[string]any)[post.Sender] == nil {
			t.Fatalf("stats without addresses: %d %v", code, out)
		}
		code, out = a.get("/api/v0/channels/list.json")
		if code != 200 || len(out["channels"].([]any)) != 1 || out["channels"].([]any)[0] != "API" {
			t.Fatalf("channels: %d %v", code, out)
		}
		code, out = a.get("/api/v0/messages/hashes?channels=API&msgStatuses=forgotten")
		if code != 200 || out["pagination_total"].(float64) != 2 || len(out["hashes"].([]any)) != 2 {
			t.Fatalf("hashes: %d %v", code, out)
		}
		// pyaleph's own parameters: status, and hash_only=false for objects.
		code, out = a.get("/api/v0/messages/hashes?channels=API&status=forgotten&hash_only=false&pagination=0")
		if h, _ := out["hashes"].([]any); code != 200 || len(h) != 2 || h[0].(map[string]any)["status"] != "forgotten" || h[0].(map[string]any)["reception_time"] == nil {
			t.Fatalf("hashes as objects: %d %v", code, out)
		}
		if code, _ := a.get("/api/v0/messages/hashes?status=lost"); code != 422 {
			t.Fatalf("an unknown status: %d", code)
		}
		if code, _ := a.get("/api/v0/info/public.json"); code != 200 {
			t.Fatalf("info: %d", code)
		}
	})
	t.Run("metrics", func(t *testing.T) {
		code, _, raw := a.do(http.MethodGet, "/metrics", "", nil)
		for _, want := range []string{`alephd_messages_total{status="processed",type="POST"}`, "alephd_index_height",
			"alephd_index_lag_blocks", "alephd_api_request_duration_seconds_bucket", "cometbft_consensus_height", `alephd_admission_rejections_total{code="12",codespace="message"}`} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("/metrics (%d) lacks %s", code, want)
			}
		}
	})
	t.Run("pubsub", func(t *testing.T) {
		m := sign(client.Post("API", "note", "via pubsub", ""))
		body, _ := json.Marshal(map[string]any{"topic": "ALEPH-TEST", "data": string(message.ToJSON(m))})
		if code, _, _ := a.do(http.MethodPost, "/api/v0/ipfs/pubsub/pub", "application/json", body); code != 202 {
			t.Fatalf("pubsub/pub: %d", code)
		}
	})
}

// TestIndexCatchesUp loses the whole query index of a stopped node (as
// `alephd index rebuild` does; a crash between commit and indexing loses a
// suffix of it): on restart the index is rebuilt from the block store and
// the API serves every message again.
func TestIndexCatchesUp(t *testing.T) {
	home := testnode.Init(t, "catchup", node.InitOptions{})
	n := testnode.Start(t, home, true)
	a := apiClient{t, "http://" + n.APIAddress}
	var hashes []string
	for i := 0; i < 5; i++ {
		m, _ := client.Sign(keys.FromSeed("catchup"), client.Post("CU", "note", i, ""))
		if code, _ := a.publish(m, true); code != 200 {
			t.Fatalf("publish %d: %d", i, code)
		}
		hashes = append(hashes, m.ItemHash)
	}
	n = testnode.RestartWithoutIndex(t, n, home)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	a = apiClient{t, "http://" + n.APIAddress}
	deadline := time.Now().Add(20 * time.Second)
	for _, h := range hashes {
		for {
			code, out := a.get("/api/v0/messages/" + h)
			if code == 200 && out["status"] == "processed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("message %s not served after the index rebuild: %d %v", h, code, out)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
