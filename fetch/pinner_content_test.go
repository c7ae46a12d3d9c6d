package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/internal/ipfstest"
	"github.com/alephd/alephd/x/message"
)

// cidOf imports data as `ipfs add` would (CIDv1 with raw leaves, or CIDv0)
// into a store of its own, so the pinner's store does not hold it.
func cidOf(t *testing.T, data []byte, v1 bool) string {
	t.Helper()
	root, _ := ipfstest.Import(t, data, v1)
	return root.String()
}

// ipfsKept reports whether c survives a GC with no grace, whole.
func ipfsKept(t *testing.T, store *content.Store, hash string, want []byte) bool {
	t.Helper()
	ctx := context.Background()
	if _, err := store.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
	emb, err := store.IPFS()
	if err != nil {
		t.Fatal(err)
	}
	c, err := cid.Decode(hash)
	if err != nil {
		t.Fatal(err)
	}
	r, err := emb.Cat(ctx, c)
	if err != nil {
		return false
	}
	defer r.Close() //nolint:errcheck // read only
	var got bytes.Buffer
	if _, err := got.ReadFrom(r); err != nil {
		return false
	}
	return bytes.Equal(got.Bytes(), want)
}

func big(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7/3)
	}
	return b
}

// TestPinnerKeepsNonInlineContent: the content of processed non-inline
// messages survives the store's GC, whether this node holds the uploaded
// copy or must write it from the state's bytes (no peer serves it here):
// storage, and ipfs as CIDv1 and CIDv0 over several blocks. A FORGET
// releases it and the next GC deletes it.
func TestPinnerKeepsNonInlineContent(t *testing.T) {
	uploaded := []byte(`{"type":"test","content":{"body":"uploaded here"}}`)
	fromState := []byte(`{"type":"test","content":{"body":"only in state"}}`)
	v1, v0 := big(1, 600<<10), big(2, 700<<10)
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	hUp, hState, hV1, hV0 := sum(uploaded), sum(fromState), cidOf(t, v1, true), cidOf(t, v0, false)
	bytesOf := map[string][]byte{hUp: uploaded, hState: fromState, hV1: v1, hV0: v0}

	_, peer, _ := filePeer(t, []byte("serves nothing of these")) // never ready
	dir := t.TempDir()
	chain := &chainLog{changes: map[int64][]message.StatusChange{}, content: map[string][]byte{}, contentLive: map[string]bool{}, height: 1}
	for h, b := range bytesOf {
		chain.content[h], chain.contentLive[h] = b, true
		chain.changes[1] = append(chain.changes[1], message.StatusChange{Hash: h, Status: "processed"})
	}
	ctx := context.Background()
	p, store := pinnerOver(t, dir, peer, chain)
	if _, _, err := store.Put(bytes.NewReader(uploaded), 1<<20); err != nil { // /storage/add_json's copy
		t.Fatal(err)
	}
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if len(p.wanted) != 0 {
		t.Fatalf("still wanted after the step: %v", p.wanted)
	}
	for _, h := range []string{hUp, hState} {
		if !pinnedAfterGC(t, store, h) {
			t.Fatalf("storage content %s did not survive GC", h)
		}
	}
	for _, h := range []string{hV1, hV0} {
		if !ipfsKept(t, store, h, bytesOf[h]) {
			t.Fatalf("ipfs content %s did not survive GC", h)
		}
	}

	// FORGETs: released, then collected.
	chain.height = 2
	for h := range bytesOf {
		chain.contentLive[h] = false
		chain.changes[2] = append(chain.changes[2], message.StatusChange{Hash: h, Status: "forgotten"})
	}
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{hUp, hState} {
		if pinnedAfterGC(t, store, h) {
			t.Fatalf("storage content %s of a forgotten message survived GC", h)
		}
	}
	for _, h := range []string{hV1, hV0} {
		if ipfsKept(t, store, h, bytesOf[h]) {
			t.Fatalf("ipfs content %s of a forgotten message survived GC", h)
		}
	}
}

// TestPinnerContentSharedWithStore: a sha256 file that is both a STORE's
// file and a message's content stays pinned while either is live.
func TestPinnerContentSharedWithStore(t *testing.T) {
	data := []byte(`{"shared":true}`)
	hash, peer, _ := filePeer(t, data)
	chain := &chainLog{
		changes:     map[int64][]message.StatusChange{1: {{Hash: "store-1", Status: "processed"}, {Hash: hash, Status: "processed"}}},
		files:       map[string]string{"store-1": hash},
		live:        map[string][]string{hash: {"store-1"}},
		content:     map[string][]byte{hash: data},
		contentLive: map[string]bool{hash: true},
		height:      1,
	}
	ctx := context.Background()
	p, store := pinnerOver(t, t.TempDir(), peer, chain)
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	chain.changes[2] = []message.StatusChange{{Hash: "store-1", Status: "forgotten"}}
	chain.live[hash], chain.height = nil, 2
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if !pinnedAfterGC(t, store, hash) {
		t.Fatal("the content of a live message went with the forgotten STORE of the same file")
	}
	chain.changes[3] = []message.StatusChange{{Hash: hash, Status: "forgotten"}}
	chain.contentLive[hash], chain.height = false, 3
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if pinnedAfterGC(t, store, hash) {
		t.Fatal("a file nothing keeps survived GC")
	}
}

// TestPinnerContentBeforeTheBase: on a chain whose blocks start above 1,
// the content of non-inline messages processed before the base is taken
// from state and written from the state's bytes.
func TestPinnerContentBeforeTheBase(t *testing.T) {
	data := big(3, 300<<10)
	hash := cidOf(t, data, true)
	_, peer, _ := filePeer(t, []byte("nothing"))
	chain := &chainLog{
		changes: map[int64][]message.StatusChange{},
		content: map[string][]byte{hash: data}, contentLive: map[string]bool{hash: true},
		height: 30, base: 20,
	}
	p, store := pinnerOver(t, t.TempDir(), peer, chain)
	if err := p.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !ipfsKept(t, store, hash, data) {
		t.Fatal("content processed before the base was not kept")
	}
}

// TestKeepRefusesOtherBytes: bytes that are not the file are not stored
// under its name, and an ipfs CID whose bytes were chunked otherwise is
// left to the fetch.
func TestKeepRefusesOtherBytes(t *testing.T) {
	_, peer, _ := filePeer(t, []byte("nothing"))
	p, store := pinnerOver(t, t.TempDir(), peer, &chainLog{})
	ctx := context.Background()
	want := sha256.Sum256([]byte("the real content"))
	hash := hex.EncodeToString(want[:])
	if err := p.f.Keep(ctx, "storage", hash, []byte("other content")); err == nil {
		t.Fatal("Keep took bytes of another hash")
	}
	if ok, _ := store.Has(hash); ok {
		t.Fatal("the store holds a file under a name its bytes do not hash to")
	}
	data := big(4, 300<<10)
	if err := p.f.Keep(ctx, "ipfs", cidOf(t, data, true), data[1:]); err == nil {
		t.Fatal("Keep took bytes that import as another CID")
	}
}
