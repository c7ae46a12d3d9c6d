package node_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/node"
)

// TestIndexFromMemoryMatchesBlockStore: a running node feeds its index the
// blocks it just finalized, from memory; an index rebuilt after a restart
// reads the same heights back from CometBFT's block store. Both must hold
// exactly the same entries (statuses, forgets, heights, messages).
func TestIndexFromMemoryMatchesBlockStore(t *testing.T) {
	home := filepath.Join(t.TempDir(), "node")
	initHome(t, home, node.InitOptions{ChainID: "index-source", AppState: app.DevGenesis()})
	n := testnode.Start(t, home, true)
	c, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	k := apptest.Key("index-source")
	var hashes []string
	var last int64
	submit := func(d client.Draft) {
		m, err := client.Sign(k, d)
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Submit(ctx(t), m)
		if err != nil || !res.OK() {
			t.Fatalf("submit: %+v %v", res, err)
		}
		hashes, last = append(hashes, m.ItemHash), res.Height
	}
	for i := 0; i < 4; i++ {
		submit(client.Post("IDX", "note", fmt.Sprintf("note %d", i), ""))
	}
	submit(client.Aggregate("IDX", "profile", map[string]any{"name": "ix"}))
	submit(client.Forget("IDX", []string{hashes[1]}, nil, "test"))

	snapshot := func(x *index.Index) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for x.Height() < last && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		page, err := x.Messages(index.Filter{Statuses: []string{"processed", "forgotten", "rejected", "removing", "removed", "pending"}}, true, 0, 100, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) != len(hashes) {
			t.Fatalf("index lists %d messages, want %d", len(page.Entries), len(hashes))
		}
		out, _ := json.MarshalIndent(page, "", " ")
		return string(out)
	}
	fromMemory := snapshot(n.Index)
	n = testnode.RestartWithoutIndex(t, n, home)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	fromStore := snapshot(n.Index)
	if fromMemory != fromStore {
		t.Fatalf("index fed from memory:\n%s\nrebuilt from the block store:\n%s", fromMemory, fromStore)
	}
	if e, err := n.Index.Get(hashes[1]); err != nil || e == nil || e.Status != index.StatusForgotten {
		t.Fatalf("forgotten post: %+v %v", e, err)
	}
}
