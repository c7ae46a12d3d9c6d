package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/alephd/alephd/api"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/index"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// noState answers the few state queries messages.json never makes.
type noState struct{}

func (noState) Broadcast(context.Context, []byte) (uint32, string, string, error) {
	return 0, "", "", fmt.Errorf("read-only")
}
func (noState) Query(context.Context, string, []byte) ([]byte, error) { return nil, nil }
func (noState) LatestHeight() int64                                   { return 0 }

// unsigned builds a POST the index accepts: it indexes committed blocks, so
// it never checks signatures, and the benchmark need not pay for them.
func unsigned(sender string, i int) []byte {
	c := fmt.Sprintf(`{"address":%q,"time":%d.5,"type":"note","content":{"i":%d}}`, sender, 1_600_000_000+i, i)
	sum := sha256.Sum256([]byte(c))
	typ := "POST"
	if i%4 == 3 {
		typ = "AGGREGATE"
		c = fmt.Sprintf(`{"address":%q,"time":%d.5,"key":"k%d","content":{"i":%d}}`, sender, 1_600_000_000+i, i%7, i)
		sum = sha256.Sum256([]byte(c))
	}
	return app.EncodeTx(&pb.AlephMessage{Chain: "ETH", Sender: sender, Type: typ, Channel: "BENCH",
		Time: strconv.Itoa(1_600_000_000+i) + ".5", ItemType: "inline", ItemHash: hex.EncodeToString(sum[:]),
		ItemContent: []byte(c), Signature: "0x00"})
}

// BenchmarkIndexMessages loads BENCH_MESSAGES (default 1,000,000) messages
// into an index on disk, one address sending a fifth of them, then reports
// p50/p99 latency of GET messages.json filtered by address + type at page 1
// and page 500, and of reading the filter's total.
func BenchmarkIndexMessages(b *testing.B) {
	total := 1_000_000
	if v := os.Getenv("BENCH_MESSAGES"); v != "" {
		total, _ = strconv.Atoi(v)
	}
	x, err := index.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := x.Close(); err != nil {
			b.Error(err)
		}
	}()
	heavy := "0x1111111111111111111111111111111111111111"
	start := time.Now()
	const perBlock = 10_000
	for h := 0; h*perBlock < total; h++ {
		blk := index.Block{Height: int64(h + 1), TimeUnixNano: int64(h + 1)}
		for i := h * perBlock; i < (h+1)*perBlock && i < total; i++ {
			sender := heavy
			if i%5 != 0 {
				sender = fmt.Sprintf("0x%040x", i%10_000)
			}
			blk.Txs = append(blk.Txs, index.TxResult{Tx: unsigned(sender, i)})
		}
		if err := x.IndexBlock(blk); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("indexed %d messages in %s (%.0f msgs/s)", total, time.Since(start).Round(time.Second), float64(total)/time.Since(start).Seconds())
	srv := api.New(x, noState{}, mustContent(b))
	h := srv.Handler()
	measure := func(name, url string, n int) {
		var lat []time.Duration
		var last map[string]any
		for i := 0; i < n; i++ {
			req := httptest.NewRequest(http.MethodGet, url, nil)
			rec := httptest.NewRecorder()
			t0 := time.Now()
			h.ServeHTTP(rec, req)
			lat = append(lat, time.Since(t0))
			if rec.Code != 200 {
				b.Fatalf("%s: %d %s", url, rec.Code, rec.Body)
			}
			last = nil
			if err := json.Unmarshal(rec.Body.Bytes(), &last); err != nil {
				b.Fatalf("%s: %v", url, err)
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.Logf("%-28s p50 %8s  p99 %8s  (total %v, %d requests)", name, lat[n/2].Round(time.Microsecond),
			lat[n*99/100].Round(time.Microsecond), last["pagination_total"], n)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		filter := "/api/v0/messages.json?addresses=" + heavy + "&msgTypes=POST"
		measure("address+type, page 1", filter, 200)
		measure("address+type, page 500", filter+"&page=500", 200)
		measure("count (pagination=1)", filter+"&pagination=1", 200)
		cursor := cursorAt(b, h, filter, 499)
		measure("address+type, by cursor", filter+"&cursor="+cursor, 200)
		measure("channel, page 1", "/api/v0/messages.json?channels=BENCH", 200)
	}
}

func mustContent(b *testing.B) *content.Store {
	s, err := content.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// cursorAt follows next_cursor through n pages and returns the cursor of
// page n+1.
func cursorAt(b *testing.B, h http.Handler, url string, n int) string {
	cursor := ""
	for i := 0; i < n; i++ {
		u := url
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
		var out struct {
			Next string `json:"next_cursor"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			b.Fatalf("page %d: %v", i+1, err)
		}
		if out.Next == "" {
			b.Fatalf("no next_cursor after page %d", i+1)
		}
		cursor = out.Next
	}
	return cursor
}
