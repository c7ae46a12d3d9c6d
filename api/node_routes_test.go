package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alephd/alephd/api"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
	"github.com/alephd/alephd/x/message"
)

// TestNodeRoutes drives pyaleph's node-info routes on a real node: the
// index, metrics.json, both pubsub submits with pyaleph's topic check, and
// the credit routes alephd answers with a 404.
func TestNodeRoutes(t *testing.T) {
	n := testnode.Start(t, testnode.Init(t, "node-routes", node.InitOptions{}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	a := apiClient{t, "http://" + n.APIAddress}
	k := keys.FromSeed("node-routes")
	post := sign(t, k, client.Post("NODE", "note", "first", ""))
	if code, out := a.publish(post, true); code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}

	for _, path := range []string{"/metrics.json", "/api/v0/metrics.json", "/"} {
		code, out := a.get(path)
		build, _ := out["pyaleph_build_info"].(map[string]any)
		if code != 200 || build["version"] != api.Version || out["pyaleph_status_sync_messages_total"] != float64(1) ||
			out["pyaleph_status_peers_total"] == nil || out["pyaleph_ws_messages_connections_active"] == nil {
			t.Errorf("GET %s: %d %v", path, code, out)
		}
		if _, ok := out["pyaleph_status_chain_eth_last_committed_height"]; !ok {
			t.Errorf("GET %s lacks pyaleph_status_chain_eth_last_committed_height", path)
		}
		if (path == "/") != (out["version"] == api.Version) {
			t.Errorf("GET %s: version %v", path, out["version"])
		}
	}

	pub := func(path, topic string, m string) int {
		body, _ := json.Marshal(map[string]any{"topic": topic, "data": m})
		code, _, _ := a.do(http.MethodPost, path, "application/json", body)
		return code
	}
	for _, path := range []string{"/api/v0/ipfs/pubsub/pub", "/api/v0/p2p/pubsub/pub"} {
		m := sign(t, k, client.Post("NODE", "note", path, ""))
		if code := pub(path, "OTHER-TOPIC", string(message.ToJSON(m))); code != 403 {
			t.Errorf("%s on another topic: %d, want 403", path, code)
		}
		if code := pub(path, "ALEPH-TEST", "not json"); code != 422 {
			t.Errorf("%s with bad data: %d, want 422", path, code)
		}
		if code := pub(path, "ALEPH-TEST", string(message.ToJSON(m))); code != 202 {
			t.Errorf("%s: %d, want 202", path, code)
		}
		waitStatus(t, a, m.ItemHash, "processed")
	}

	for _, path := range []string{
		"/api/v0/credit_balances",
		"/api/v0/addresses/" + post.Sender + "/credit_history",
		"/api/v0/addresses/" + post.Sender + "/credit_history/summary",
		"/api/v0/messages/" + post.ItemHash + "/consumed_credits",
	} {
		code, out := a.get(path)
		if msg, _ := out["error"].(string); code != 404 || !strings.Contains(msg, "alephd has no credits") {
			t.Errorf("GET %s: %d %v", path, code, out)
		}
	}
}
