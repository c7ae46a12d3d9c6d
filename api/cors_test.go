package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alephd/alephd/api"
	"github.com/alephd/alephd/index"
)

// TestCORS checks pyaleph's allow-all CORS: every route answers a
// preflight, and an answer to a page on another origin names that origin.
func TestCORS(t *testing.T) {
	x, err := index.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close() //nolint:errcheck // an in-memory index loses nothing
	h := api.New(x, nil, nil).Handler()
	const origin = "https://app.example"
	for _, tc := range []struct{ method, path, headers string }{
		{http.MethodPost, "/api/v0/messages", "Content-Type"},
		{http.MethodGet, "/api/v0/messages.json", ""},
		{http.MethodGet, "/api/v0/aggregates/0xabc.json", "X-Custom, Authorization"},
		{http.MethodPost, "/api/v0/storage/add_file", "content-type"},
		{http.MethodGet, "/api/v0/version", ""},
	} {
		req := httptest.NewRequest(http.MethodOptions, tc.path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", tc.method)
		if tc.headers != "" {
			req.Header.Set("Access-Control-Request-Headers", tc.headers)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		got := w.Header()
		if w.Code != http.StatusNoContent || got.Get("Access-Control-Allow-Origin") != origin ||
			got.Get("Access-Control-Allow-Methods") != "GET, POST, OPTIONS" || got.Get("Access-Control-Allow-Headers") != tc.headers {
			t.Errorf("preflight %s %s: %d %v", tc.method, tc.path, w.Code, got)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v0/version", nil)
	req.Header.Set("Origin", origin)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || w.Header().Get("Access-Control-Allow-Origin") != origin || w.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("GET with an Origin: %d %v", w.Code, w.Header())
	}
	// Without an Origin, nothing changes: the answer is not a CORS one.
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v0/version", nil))
	if w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET without an Origin: %v", w.Header())
	}
}
