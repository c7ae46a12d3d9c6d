package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/node"
)

// TestOpenAPI reads /api/openapi.json from a real node: every registered
// route is in it with a description, pyaleph's marked, and /api/docs
// points to it.
func TestOpenAPI(t *testing.T) {
	n := testnode.Start(t, testnode.Init(t, "openapi", node.InitOptions{}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	a := apiClient{t, "http://" + n.APIAddress}
	code, doc := a.get("/api/openapi.json")
	paths, _ := doc["paths"].(map[string]any)
	if code != 200 || doc["openapi"] != "3.0.3" || len(paths) == 0 {
		t.Fatalf("openapi.json: %d %v", code, doc)
	}
	pyaleph := 0
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			op := op.(map[string]any)
			if op["x-undocumented"] == true || op["summary"] == "" {
				t.Errorf("%s %s has no description in routeDocs", strings.ToUpper(method), path)
			}
			if op["x-pyaleph"] == true {
				pyaleph++
			}
		}
	}
	for _, p := range []string{"/api/v0/balances", "/api/v0/price/{hash}", "/api/ws0/status", "/metrics", "/api/v0/messages/{hash}"} {
		if paths[p] == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
	// pyaleph's 60 routes (its /api/v0/aggregates/{address}.json is gin's
	// /aggregates/{address}), and the HEAD on storage/raw that aiohttp adds.
	if pyaleph < 60 {
		t.Errorf("%d operations marked pyaleph, want pyaleph's 60 routes at least", pyaleph)
	}
	code, _, page := a.do(http.MethodGet, "/api/docs", "", nil)
	if code != 200 || !strings.Contains(string(page), `href="/api/openapi.json"`) || !strings.Contains(string(page), "/api/v0/balances") {
		t.Fatalf("/api/docs: %d %.300s", code, page)
	}
}
