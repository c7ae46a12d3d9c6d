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

// unsigned builds a message the index accepts: it indexes committed
// blocks, so it never checks signatures, and the benchmark need not pay
// for them. Most are POSTs; every fourth an AGGREGATE (7 keys per
// sender); of the heavy sender's (i%5 == 0), i%20 == 5 is a STORE and
// i%20 == 10 an amend of post i-10.
func unsigned(sender string, i int) []byte {
	c := fmt.Sprintf(`{"address":%q,"time":%d.5,"type":"note","content":{"i":%d}}`, sender, 1_600_000_000+i, i)
	typ := "POST"
	switch {
	case i%4 == 3:
		typ = "AGGREGATE"
		c = fmt.Sprintf(`{"address":%q,"time":%d.5,"key":"k%d","content":{"i":%d}}`, sender, 1_600_000_000+i, i%7, i)
	case i%20 == 5:
		typ = "STORE"
		file := sha256.Sum256([]byte(strconv.Itoa(i)))
		c = fmt.Sprintf(`{"address":%q,"time":%d.5,"item_type":"storage","item_hash":%q}`, sender, 1_600_000_000+i, hex.EncodeToString(file[:]))
	case i%20 == 10:
		c = fmt.Sprintf(`{"address":%q,"time":%d.5,"type":"amend","ref":%q,"content":{"i":%d}}`, sender, 1_600_000_000+i, benchHash(sender, i-10), i)
	}
	sum := sha256.Sum256([]byte(c))
	return app.EncodeTx(&pb.AlephMessage{Chain: "ETH", Sender: sender, Type: typ, Channel: "BENCH",
		Time: strconv.Itoa(1_600_000_000+i) + ".5", ItemType: "inline", ItemHash: hex.EncodeToString(sum[:]),
		ItemContent: []byte(c), Signature: "0x00"})
}

// benchHash is the item_hash unsigned gives message i of sender, for a POST.
func benchHash(sender string, i int) string {
	c := fmt.Sprintf(`{"address":%q,"time":%d.5,"type":"note","content":{"i":%d}}`, sender, 1_600_000_000+i, i)
	sum := sha256.Sum256([]byte(c))
	return hex.EncodeToString(sum[:])
}

// BenchmarkIndexMessages loads BENCH_MESSAGES (default 1,000,000) messages
// into an index on disk, one address sending a fifth of them, then reports
// p50/p99 latency of GET messages.json filtered by address + type at page 1
// and page 500, and of reading the filter's total, then of the other
// listings (listings below).
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
		att := &pb.Attestation{}
		var attested []index.StatusChange
		for i := h * perBlock; i < (h+1)*perBlock && i < total; i++ {
			sender := heavy
			if i%5 != 0 {
				sender = fmt.Sprintf("0x%040x", i%10_000)
			}
			tx := unsigned(sender, i)
			blk.Txs = append(blk.Txs, index.TxResult{Tx: tx})
			if m, _ := app.DecodeTx(tx); m.Type == "STORE" {
				att.Files = append(att.Files, &pb.AttestedFile{ItemHash: m.ItemHash, Size: uint64(1000 + i%1000)})
				attested = append(attested, index.StatusChange{Hash: m.ItemHash, Status: index.StatusProcessed})
			}
		}
		// The block's STOREs are attested at its end, as a later block's
		// attestation record would.
		blk.Txs = append(blk.Txs, index.TxResult{Tx: app.EncodeAttestation(att), StatusChanges: attested})
		if err := x.IndexBlock(blk); err != nil {
			b.Fatal(err)
		}
	}
	// Logged by the first sub-benchmark: a benchmark with sub-benchmarks
	// shows no log of its own.
	loaded := fmt.Sprintf("indexed %d messages in %s (%.0f msgs/s)", total, time.Since(start).Round(time.Second), float64(total)/time.Since(start).Seconds())
	srv := api.New(x, noState{}, mustContent(b))
	h := srv.Handler()
	b.ResetTimer()
	// Each group is a sub-benchmark: testing keeps 10 lines of a
	// benchmark's log.
	b.Run("messages", func(b *testing.B) {
		b.Log(loaded)
		for range b.N {
			filter := "/api/v0/messages.json?addresses=" + heavy + "&msgTypes=POST"
			measure(b, h, "address+type, page 1", filter, 200)
			measure(b, h, "address+type, page 500", filter+"&page=500", 200)
			measure(b, h, "count (pagination=1)", filter+"&pagination=1", 200)
			cursor := cursorAt(b, h, filter, 499)
			measure(b, h, "address+type, by cursor", filter+"&cursor="+cursor, 200)
			measure(b, h, "channel, page 1", "/api/v0/messages.json?channels=BENCH", 200)
		}
	})
	b.Run("aggregates+posts", func(b *testing.B) {
		for range b.N {
			aggregatesAndPosts(b, h, heavy)
		}
	})
	b.Run("addresses+storage", func(b *testing.B) {
		for range b.N {
			addressesAndStorage(b, h, heavy)
		}
	})
	b.Run("address-stats", func(b *testing.B) {
		for range b.N {
			addressStats(b, h, heavy)
		}
	})
}

// measureCode sends n GETs of url and logs their p50 and p99 latency; each
// must answer code.
func measureCode(b *testing.B, h http.Handler, name, url string, n, code int) {
	b.Helper()
	var lat []time.Duration
	var last map[string]any
	for i := 0; i < n; i++ {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		lat = append(lat, time.Since(t0))
		if rec.Code != code {
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

func measure(b *testing.B, h http.Handler, name, url string, n int) {
	b.Helper()
	measureCode(b, h, name, url, n, http.StatusOK)
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

// aggregatesAndPosts and addressesAndStorage measure the listings beyond
// messages.json on the loaded index: each should cost O(page) whatever the
// index holds. The backend answers no state query, so aggregates come
// without content (one ABCI query per row on a node).
func aggregatesAndPosts(b *testing.B, h http.Handler, heavy string) {
	measure(b, h, "aggregates, page 1", "/api/v0/aggregates", 200)
	measure(b, h, "aggregates, page 50", "/api/v0/aggregates?page=50", 200)
	measure(b, h, "aggregates of an address", "/api/v0/aggregates?addresses="+heavy, 200)
	measure(b, h, "aggregates by key, created", "/api/v0/aggregates?keys=k3&sortBy=creation_time", 200)
	measure(b, h, "posts v1, page 1", "/api/v1/posts.json", 200)
	measure(b, h, "posts v1, page 500", "/api/v1/posts.json?page=500", 200)
	measure(b, h, "posts v0 of an address", "/api/v0/posts.json?addresses="+heavy, 200)
	measure(b, h, "posts v0 of an address, p500", "/api/v0/posts.json?addresses="+heavy+"&page=500", 200)
}

func addressStats(b *testing.B, h http.Handler, heavy string) {
	measure(b, h, "stats v0, one address", "/api/v0/addresses/stats.json?addresses[]="+heavy, 200)
	measure(b, h, "stats v0, no address (1,000)", "/api/v0/addresses/stats.json", 50)
	measure(b, h, "stats v1, page 1", "/api/v1/addresses/stats.json", 200)
	measure(b, h, "stats v1 by post, page 100", "/api/v1/addresses/stats.json?sortBy=post&page=100", 200)
	measure(b, h, "stats v1, addressContains", "/api/v1/addresses/stats.json?addressContains=abc", 50)
}

func addressesAndStorage(b *testing.B, h http.Handler, heavy string) {
	measure(b, h, "files, page 1", "/api/v0/addresses/"+heavy+"/files", 200)
	measure(b, h, "files, page 50", "/api/v0/addresses/"+heavy+"/files?page=50", 200)
	measure(b, h, "post_types", "/api/v0/addresses/"+heavy+"/post_types", 200)
	measure(b, h, "channels", "/api/v0/addresses/"+heavy+"/channels", 200)
	// The benchmark's STOREs have no file in the content store: the lookup
	// runs to the file and answers 404.
	measureCode(b, h, "storage/by-ref (tag lookup)", "/api/v0/storage/by-ref/"+benchStore(heavy), 200, http.StatusNotFound)
}

// benchStore is the item_hash of the heavy sender's first STORE (i = 5).
func benchStore(sender string) string {
	m, _ := app.DecodeTx(unsigned(sender, 5))
	return m.ItemHash
}
