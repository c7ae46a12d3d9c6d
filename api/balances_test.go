package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// paymentParams reads the chain's payment params.
func paymentParams(t *testing.T, a apiClient) (mpt, bpt, free uint64) {
	t.Helper()
	var params struct {
		Payment struct {
			MessagesPerToken uint64 `json:"messages_per_token"`
			BytesPerToken    uint64 `json:"bytes_per_token"`
			FreeTokens       uint64 `json:"free_tokens"`
		} `json:"payment"`
	}
	if code, raw := a.getJSON("/api/v0/params", &params); code != 200 {
		t.Fatalf("params: %d %s", code, raw)
	}
	p := params.Payment
	return p.MessagesPerToken, p.BytesPerToken, p.FreeTokens
}

// aleph renders num/den ALEPH as the API does: exact, trailing zeros trimmed.
func aleph(num, den uint64) string {
	r := new(big.Rat).SetFrac(new(big.Int).SetUint64(num), new(big.Int).SetUint64(den))
	return strings.TrimRight(strings.TrimRight(r.FloatString(18), "0"), ".")
}

// TestBalancesAndPrices checks the values of the balance, balances, price
// and costs routes on a real node whose owner holds 5 ALEPH from genesis
// and paid for a POST, a security AGGREGATE and a STORE.
func TestBalancesAndPrices(t *testing.T) {
	n, f := startRouteFixture(t, "balances-prices")
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	a := f.a
	mpt, bpt, free := paymentParams(t, a)
	owner := url.PathEscape(f.owner)

	t.Run("balance", func(t *testing.T) {
		var b map[string]json.RawMessage
		if code, raw := a.getJSON("/api/v0/addresses/"+owner+"/balance", &b); code != 200 {
			t.Fatalf("%d %s", code, raw)
		}
		// 3 messages and a small file: max(3 / mpt, bytes / bpt) whole
		// ALEPH, beyond the free allowance, at most the balance.
		need := (3 + mpt - 1) / mpt
		locked := "0"
		if need > free {
			locked = fmt.Sprint(min(need-free, 5))
		}
		if string(b["balance"]) != "5" || string(b["details"]) != `{"genesis":5}` || string(b["locked_amount"]) != locked ||
			string(b["credit_balance"]) != "0" || string(b["credit_balance_details"]) != "null" || b["personal_storage"] == nil {
			t.Fatalf("balance: %s", jsonOf(b))
		}
		_, out := a.get("/api/v0/addresses/" + owner + "/balance?chain=ETH&include_credit_details=true")
		if out["balance"] != float64(5) || len(out["details"].(map[string]any)) != 0 || out["credit_balance_details"] == nil {
			t.Fatalf("chain=ETH: %v", out)
		}
		if _, out := a.get("/api/v0/addresses/" + owner + "/balance?chain=SOL"); out["balance"] != float64(0) {
			t.Fatalf("chain=SOL: %v", out)
		}
		for _, q := range []string{"chain=MOON", "include_credit_details=maybe"} {
			if code, _ := a.get("/api/v0/addresses/" + owner + "/balance?" + q); code != 422 {
				t.Errorf("%s: %d, want 422", q, code)
			}
		}
	})

	t.Run("balances", func(t *testing.T) {
		type page struct {
			Balances []struct {
				Address, Chain string
				Balance        json.Number
			}
			Total   *int64  `json:"pagination_total"`
			PerPage int     `json:"pagination_per_page"`
			Next    *string `json:"next_cursor"`
		}
		var all page
		if code, raw := a.getJSON("/api/v0/balances?pagination=0", &all); code != 200 || all.Total == nil || int(*all.Total) != len(all.Balances) {
			t.Fatalf("all: %d %s", code, raw)
		}
		found := false
		for _, b := range all.Balances {
			found = found || (strings.EqualFold(b.Address, f.owner) && b.Chain == "ETH" && b.Balance == "5")
		}
		if !found {
			t.Fatalf("the owner's 5 ALEPH (genesis, listed as ETH) are not in %+v", all.Balances)
		}
		var none page
		if a.getJSON("/api/v0/balances?chains=SOL,AVAX", &none); len(none.Balances) != 0 || *none.Total != 0 {
			t.Errorf("chains=SOL,AVAX: %+v", none)
		}
		if a.getJSON("/api/v0/balances?min_balance=6", &none); len(none.Balances) != 0 {
			t.Errorf("min_balance=6: %+v", none)
		}
		// A cursor walk, one row a page, finds what one page holds.
		var walked []string
		cursor := ""
		for i := 0; i <= len(all.Balances); i++ {
			var p page
			if code, raw := a.getJSON("/api/v0/balances?pagination=1&cursor="+cursor, &p); code != 200 || p.Total != nil || p.PerPage != 1 {
				t.Fatalf("cursor page: %d %s", code, raw)
			}
			for _, b := range p.Balances {
				walked = append(walked, b.Address+"/"+b.Chain)
			}
			if p.Next == nil {
				break
			}
			cursor = *p.Next
		}
		if len(walked) != len(all.Balances) {
			t.Fatalf("the cursor walk found %v; one page has %d rows", walked, len(all.Balances))
		}
		for _, q := range []string{"min_balance=0", "chains=MOON", "page=0", "pagination=-1", "cursor=&pagination=0", "cursor=!!"} {
			if code, _ := a.get("/api/v0/balances?" + q); code != 422 {
				t.Errorf("%s: %d, want 422", q, code)
			}
		}
	})

	t.Run("price", func(t *testing.T) {
		code, out := a.get("/api/v0/price/" + f.store)
		detail, _ := out["detail"].([]any)
		want := aleph(max(1*bpt, uint64(len(f.fileBody))*mpt), mpt*bpt) // max(1/mpt, bytes/bpt)
		if code != 200 || fmt.Sprint(out["required_tokens"]) != want || out["payment_type"] != "hold" || len(detail) != 2 ||
			!strings.EqualFold(fmt.Sprint(out["charged_address"]), f.owner) || out["provider"] != "personal-storage" {
			t.Fatalf("price of the STORE (want %s): %d %v", want, code, out)
		}
		if cost, _ := out["cost"].(string); len(cost) != len("0.")+18+strings.Index(cost, ".")-1 {
			t.Errorf("cost %q: 18 decimals, as pyaleph's format_cost_str", cost)
		}
		if code, out := a.get("/api/v0/price/" + f.post); code != 200 || fmt.Sprint(out["required_tokens"]) != aleph(1, mpt) {
			t.Errorf("price of the POST: %d %v", code, out)
		}
		if code, _ := a.get("/api/v0/price/" + strings.Repeat("0", 64)); code != 404 {
			t.Errorf("price of an unknown message: %d, want 404", code)
		}
		if code, _ := a.get("/api/v0/price/" + strings.Repeat("0", 200)); code != 400 {
			t.Errorf("price of a 200-character hash: %d, want 400", code)
		}
		content, _ := json.Marshal(map[string]any{"address": f.owner, "item_type": "storage", "item_hash": f.file, "time": 1, "estimated_size_mib": 3})
		body, _ := json.Marshal(map[string]any{"message": map[string]any{"type": "STORE", "item_type": "inline", "item_hash": f.file, "item_content": string(content)}})
		code, est, _ := a.do(http.MethodPost, "/api/v0/price/estimate", "application/json", body)
		want = aleph(max(1*bpt, 3<<20*mpt), mpt*bpt)
		if code != 200 || fmt.Sprint(est["required_tokens"]) != want || est["bytes"] != float64(3<<20) {
			t.Fatalf("estimate of a 3 MiB STORE (want %s): %d %v", want, code, est)
		}
		if code, _, _ := a.do(http.MethodPost, "/api/v0/price/estimate", "application/json", []byte(`{"message": {"type": "NOTE"}}`)); code != 422 {
			t.Errorf("estimate of an unknown type: %d, want 422", code)
		}
	})

	t.Run("costs", func(t *testing.T) {
		code, out := a.get("/api/v0/costs")
		summary, _ := out["summary"].(map[string]any)
		if code != 200 || summary["total_cost_credit"] != "0.000000000000000000" || summary["resource_count"] != float64(0) ||
			out["filters"].(map[string]any)["payment_type"] != "credit" {
			t.Fatalf("credit costs: %d %v", code, out)
		}
		code, out = a.get("/api/v0/costs?payment_type=hold&include_details=2&address=" + owner)
		summary, _ = out["summary"].(map[string]any)
		resources, _ := out["resources"].([]any)
		if code != 200 || summary["resource_count"] != float64(3) || len(resources) != 3 || out["pagination_total"] != float64(3) {
			t.Fatalf("hold costs of the owner: %d %v", code, out)
		}
		for _, q := range []string{"payment_type=hold", "include_details=2", "pagination=5", "payment_type=gold", "include_details=3"} {
			if code, _ := a.get("/api/v0/costs?" + q); code != 422 {
				t.Errorf("%s: %d, want 422", q, code)
			}
		}
	})

	t.Run("authorizations", func(t *testing.T) {
		code, out := a.get("/api/v0/authorizations/granted/" + owner + ".json")
		auths, _ := out["authorizations"].(map[string]any)
		if code != 200 || len(auths) != 1 || auths[f.grantee] == nil || out["pagination_total"] != float64(1) {
			t.Fatalf("granted: %d %v", code, out)
		}
		code, out = a.get("/api/v0/authorizations/received/" + url.PathEscape(f.grantee) + ".json")
		auths, _ = out["authorizations"].(map[string]any)
		if code != 200 || len(auths) != 1 {
			t.Fatalf("received: %d %v", code, out)
		}
		if _, out := a.get("/api/v0/authorizations/granted/" + owner + ".json?channels=OTHER"); len(out["authorizations"].(map[string]any)) != 0 {
			t.Errorf("channels=OTHER keeps %v", out)
		}
	})
}

// TestCursorMode follows pyaleph's cursor mode on messages and posts: a
// first call with an empty cursor, as the SDKs' cursor calls send it,
// answers without page counts, and next_cursor walks every match once.
func TestCursorMode(t *testing.T) {
	n, f := startRouteFixture(t, "cursor-mode")
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	for i := 0; i < 4; i++ {
		body, _ := json.Marshal(map[string]any{"message": json.RawMessage(f.newPost()), "sync": true})
		if code, out, _ := f.a.do(http.MethodPost, "/api/v0/messages", "application/json", body); code != 200 {
			t.Fatalf("post: %d %v", code, out)
		}
	}
	for _, l := range []struct{ path, item string }{{"/api/v0/messages.json?channels=ROUTES", "messages"}, {"/api/v0/posts.json?channels=ROUTES", "posts"}} {
		_, all := f.a.get(l.path + "&pagination=0")
		total := int(all["pagination_total"].(float64))
		seen := map[string]bool{}
		cursor := ""
		for i := 0; i <= total; i++ {
			code, out := f.a.get(l.path + "&pagination=2&cursor=" + cursor)
			if _, counted := out["pagination_total"]; code != 200 || counted || out["pagination_page"] != nil || out["pagination_per_page"] != float64(2) {
				t.Fatalf("%s cursor page: %d %v", l.item, code, out)
			}
			for _, it := range out[l.item].([]any) {
				h, _ := it.(map[string]any)["item_hash"].(string)
				if seen[h] {
					t.Fatalf("%s: %s listed twice", l.item, h)
				}
				seen[h] = true
			}
			next, present := out["next_cursor"]
			if !present {
				t.Fatalf("%s: a cursor page without next_cursor: %v", l.item, out)
			}
			if next == nil {
				break
			}
			cursor = next.(string)
		}
		if len(seen) != total || total < 5 {
			t.Fatalf("%s: the cursor walk saw %d of %d", l.item, len(seen), total)
		}
		if _, out := f.a.get(l.path + "&pagination=500&cursor="); out["pagination_per_page"] != float64(200) {
			t.Errorf("%s: a cursor page is capped at 200: %v", l.item, out["pagination_per_page"])
		}
		if code, _ := f.a.get(l.path + "&pagination=0&cursor="); code != 422 {
			t.Errorf("%s: pagination=0 with a cursor: %d, want 422", l.item, code)
		}
		if code, out := f.a.get(l.path + "&pagination=500"); code != 200 || out["pagination_per_page"] != float64(500) {
			t.Errorf("%s: pyaleph's page mode takes pagination=500: %d", l.item, code)
		}
	}
}

// TestStatusWebsocket reads /api/ws0/status: the metrics on connect, and
// again once a new message is indexed; /metrics counts the connection.
func TestStatusWebsocket(t *testing.T) {
	n, f := startRouteFixture(t, "status-ws")
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(f.a.base, "http")+"/api/ws0/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close() //nolint:errcheck // the test is done with it
	read := func() map[string]any {
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		var m map[string]any
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := read()
	count := first["pyaleph_status_sync_messages_total"].(float64)
	res, err := http.Get(f.a.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	for _, line := range []string{"pyaleph_ws_status_connections_active 1", fmt.Sprintf("pyaleph_status_sync_messages_total %v", count), "pyaleph_build_info{"} {
		if !strings.Contains(string(metrics), "\n"+line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	body, _ := json.Marshal(map[string]any{"message": json.RawMessage(f.newPost()), "sync": true})
	if code, out, _ := f.a.do(http.MethodPost, "/api/v0/messages", "application/json", body); code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	for {
		m := read()
		if m["pyaleph_status_sync_messages_total"].(float64) == count+1 {
			break
		}
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
