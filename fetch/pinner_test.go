package fetch

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/x/message"
)

// chainLog is a scripted chain: what each height's blocks did to messages
// and which messages are live now. The pinner reads nothing else of the
// chain.
type chainLog struct {
	changes map[int64][]message.StatusChange
	files   map[string]string   // STORE item_hash -> file hash
	live    map[string][]string // file hash -> live STOREs
	// content are non-inline messages (item_hash -> content in state),
	// of item_type ipfs when a CID, else storage; live while contentLive.
	content     map[string][]byte
	contentLive map[string]bool
	height      int64
	base        int64 // lowest height with results; 0 counts as 1
}

func itemType(hash string) string {
	if content.ValidHash(hash) {
		return "storage"
	}
	return "ipfs"
}

func (c *chainLog) Height(context.Context) (int64, error) { return c.height, nil }
func (c *chainLog) StatusChanges(_ context.Context, h int64) ([]message.StatusChange, error) {
	return c.changes[h], nil
}
func (c *chainLog) MessageFile(_ context.Context, item string) (string, string, bool, error) {
	if _, ok := c.content[item]; ok {
		return itemType(item), item, true, nil
	}
	f, ok := c.files[item]
	return "storage", f, ok, nil
}
func (c *chainLog) FileHolders(_ context.Context, file string) ([]string, []byte, error) {
	holders := append([]string{}, c.live[file]...)
	if c.contentLive[file] {
		return append(holders, file), c.content[file], nil
	}
	return holders, nil, nil
}
func (c *chainLog) Base(context.Context) (int64, error) { return max(c.base, 1), nil }
func (c *chainLog) LiveFiles(context.Context) (map[string]string, error) {
	out := map[string]string{}
	for file, stores := range c.live {
		if len(stores) > 0 {
			out[file] = "storage"
		}
	}
	for hash, live := range c.contentLive {
		if live {
			out[hash] = itemType(hash)
		}
	}
	return out, nil
}

// TestPinsFollowTheChain: a processed STORE pins its file, fetching it from
// a peer first when this node lacks it; a forget of the file's last live
// STORE unpins it and GC then deletes it; the height followed survives a
// new pinner (a restart), which does not undo pins.
func TestPinsFollowTheChain(t *testing.T) {
	hash, peer, ready := filePeer(t, []byte("a file some other node received"))
	ready.Store(true)
	dir := t.TempDir()
	chain := &chainLog{
		changes: map[int64][]message.StatusChange{2: {{Hash: "store-1", Status: "processed"}}},
		files:   map[string]string{"store-1": hash},
		live:    map[string][]string{hash: {"store-1"}},
		height:  2,
	}
	ctx := context.Background()
	p, store := pinnerOver(t, dir, peer, chain)
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := store.Has(hash); !ok {
		t.Fatal("the processed STORE's file was not fetched")
	}
	if _, err := store.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if ok, _ := store.Has(hash); !ok {
		t.Fatal("GC deleted a pinned file")
	}

	// A restart: a new pinner starts from the saved height, not from 0.
	chain.changes[3] = []message.StatusChange{{Hash: "store-1", Status: "forgotten"}}
	chain.live[hash], chain.height = nil, 3
	p = NewPinner(p.f, chain, dir) // the node's store stays open
	if got := p.followed(); got != 2 {
		t.Fatalf("followed height after a restart = %d, want 2", got)
	}
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if ok, _ := store.Has(hash); ok {
		t.Fatal("the file of a forgotten STORE survived GC")
	}
}

// filePeer serves data as a peer's storage API at url once ready is set.
func filePeer(t *testing.T, data []byte) (hash, url string, ready *atomic.Bool) {
	t.Helper()
	peerStore, err := content.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if hash, _, err = peerStore.Put(bytes.NewReader(data), 1<<20); err != nil {
		t.Fatal(err)
	}
	ready = new(atomic.Bool)
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() || r.URL.Path != "/api/v0/storage/raw/"+hash {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data) // the fetcher under test reports a short body
	}))
	t.Cleanup(peer.Close)
	return hash, peer.URL, ready
}

// pinnerOver is a pinner over the store in dir, fetching from peer.
func pinnerOver(t *testing.T, dir, peer string, chain Chain) (*Pinner, *content.Store) {
	t.Helper()
	store, err := content.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	emb, err := store.IPFS()
	if err != nil {
		t.Fatal(err)
	}
	return NewPinner(New(Config{Store: store, IPFS: emb, Peers: []string{peer}}), chain, dir), store
}

// pinnedAfterGC reports whether hash survives a GC with no grace.
func pinnedAfterGC(t *testing.T, store *content.Store, hash string) bool {
	t.Helper()
	if _, err := store.GC(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	ok, err := store.Has(hash)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestPinnerRemembersWaitingFiles: a processed STORE whose file no peer
// serves yet stays wanted across a restart, and is pinned once a peer has it,
// though no new block mentions it.
func TestPinnerRemembersWaitingFiles(t *testing.T) {
	hash, peer, ready := filePeer(t, []byte("a file no peer serves yet"))
	chain := &chainLog{
		changes: map[int64][]message.StatusChange{1: {{Hash: "store-1", Status: "processed"}}},
		files:   map[string]string{"store-1": hash},
		live:    map[string][]string{hash: {"store-1"}},
		height:  1,
	}
	dir := t.TempDir()
	p, _ := pinnerOver(t, dir, peer, chain)
	if err := p.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.followed() != 1 {
		t.Fatalf("followed %d, want 1", p.followed())
	}

	ready.Store(true)
	p, store := pinnerOver(t, dir, peer, chain) // a restart
	if err := p.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !pinnedAfterGC(t, store, hash) {
		t.Fatal("the file wanted before the restart was not fetched and pinned")
	}
}

// TestPinnerStartsAtTheBlockStoreBase: on a chain whose blocks start above
// 1 (started from an export, or state-synced), the pinner takes the live
// STOREs from state and follows blocks from the base.
func TestPinnerStartsAtTheBlockStoreBase(t *testing.T) {
	hash, peer, ready := filePeer(t, []byte("a file stored before the export"))
	ready.Store(true)
	chain := &chainLog{
		changes: map[int64][]message.StatusChange{},
		files:   map[string]string{"store-1": hash},
		live:    map[string][]string{hash: {"store-1"}},
		height:  55,
		base:    50,
	}
	p, store := pinnerOver(t, t.TempDir(), peer, chain)
	if err := p.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.followed() != 55 {
		t.Fatalf("followed %d, want 55", p.followed())
	}
	if !pinnedAfterGC(t, store, hash) {
		t.Fatal("a live STORE's file from before the base was not pinned")
	}
}
