package node_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/node"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// TestNodeKeepsNonInlineContent runs a real node: the uploaded content of a
// processed non-inline POST (item_type storage) is pinned and survives the
// content store's GC; once the copy is lost (unpinned and collected while
// the node was down), the restarted node writes it back from the state's
// record and pins it again; a FORGET releases it and GC deletes it. No
// content goes into the file index (x/resource's storage challenges).
func TestNodeKeepsNonInlineContent(t *testing.T) {
	home := filepath.Join(t.TempDir(), "node")
	initHome(t, home, node.InitOptions{ChainID: "content", AppState: app.DevGenesis()})
	n, c := start(t, home)

	k := apptest.Key("content")
	m, err := client.Sign(k, client.Post("TEST", "note", strings.Repeat("large content ", 200), ""))
	if err != nil {
		t.Fatal(err)
	}
	body := m.ItemContent // item_hash is its sha256, as for item_type storage
	m.ItemType, m.ItemContent = message.ItemStorage, nil
	if _, _, err := n.ContentStore().Put(bytes.NewReader(body), 1<<20); err != nil { // what /storage/add_json does
		t.Fatal(err)
	}
	if res, err := c.Submit(ctx(t), m); err != nil || res.Code != 0 {
		t.Fatalf("submit: %+v %v", res, err)
	}
	waitStatus(t, c, m.ItemHash, pb.MessageStatus_MESSAGE_STATUS_PROCESSED)
	waitPinned(t, n.ContentStore(), m.ItemHash, true)
	if !keptAfterGC(t, n.ContentStore(), m.ItemHash, body) {
		t.Fatal("the content of a processed non-inline message did not survive GC")
	}
	if q, err := c.Query(ctx(t), app.PathFile, []byte(m.ItemHash), 0, false); err != nil || !strings.Contains(string(q.Value), `"stores":[]`) {
		t.Fatalf("the file index names the content: %s %v", q.Value, err)
	}

	// The copy is lost while the node is down, and the pinner starts over.
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	files, err := content.Open(node.ContentDir(home))
	if err != nil {
		t.Fatal(err)
	}
	if err := files.Unpin(m.ItemHash); err != nil {
		t.Fatal(err)
	}
	if keptAfterGC(t, files, m.ItemHash, body) {
		t.Fatal("an unpinned file survived GC")
	}
	if err := files.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(node.ContentDir(home), "pinned-height")); err != nil {
		t.Fatal(err)
	}
	n, c = start(t, home)
	waitPinned(t, n.ContentStore(), m.ItemHash, true)
	if !keptAfterGC(t, n.ContentStore(), m.ItemHash, body) {
		t.Fatal("the content written back from state did not survive GC")
	}

	f, err := client.Sign(k, client.Forget("TEST", []string{m.ItemHash}, nil, "done"))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Submit(ctx(t), f); err != nil || !res.OK() {
		t.Fatalf("forget: %+v %v", res, err)
	}
	waitStatus(t, c, m.ItemHash, pb.MessageStatus_MESSAGE_STATUS_FORGOTTEN)
	waitPinned(t, n.ContentStore(), m.ItemHash, false)
	if keptAfterGC(t, n.ContentStore(), m.ItemHash, body) {
		t.Fatal("the content of a forgotten message survived GC")
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
}

// waitStatus waits for the committed record of hash to reach status.
func waitStatus(t *testing.T, c *client.Client, hash string, status pb.MessageStatus) {
	t.Helper()
	for ctx := ctx(t); ; {
		q, err := c.Query(ctx, app.PathMessage, []byte(hash), 0, false)
		if err != nil {
			t.Fatalf("waiting for %s to be %s: %v", hash, status, err)
		}
		if q.Value != nil {
			rec, err := app.DecodeMessageRecord(q.Value)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status == status {
				return
			}
		}
		pause(t, ctx)
	}
}

// waitPinned waits for the pinner to (un)pin hash.
func waitPinned(t *testing.T, s *content.Store, hash string, want bool) {
	t.Helper()
	for ctx := ctx(t); ; {
		got, err := s.Pinned(hash)
		if err != nil {
			t.Fatal(err)
		}
		if got == want {
			return
		}
		pause(t, ctx)
	}
}

func pause(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
		t.Fatal("gave up waiting")
	case <-time.After(50 * time.Millisecond):
	}
}

// keptAfterGC collects s with no grace and reports whether it still serves
// hash with want.
func keptAfterGC(t *testing.T, s *content.Store, hash string, want []byte) bool {
	t.Helper()
	if _, err := s.GC(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	r, _, err := s.Get(hash)
	if err != nil {
		return false
	}
	defer r.Close() //nolint:errcheck // read only
	got, err := io.ReadAll(r)
	return err == nil && bytes.Equal(got, want)
}
