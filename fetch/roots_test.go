package fetch

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/alephd/alephd/content"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/resource/proof"
)

// TestChunkRootAttested: for a pending sha256 STORE whose chain asks for a
// chunk root (RootChunkSize set, as app.PendingStores does when x/resource
// is on), the fetcher attests the file's proof.ChunkRoot at that size
// beside its size, computed from the copy it fetched from a peer; a STORE
// of the same file on a chain that asks for none is attested without one.
// A stored copy damaged on disk gives no root.
func TestChunkRootAttested(t *testing.T) {
	data := make([]byte, 300_001) // 74 chunks of 4 KiB, the last short
	_, _ = rand.NewChaCha8([32]byte{9}).Read(data)
	hash, peer, ready := filePeer(t, data)
	ready.Store(true)
	dir := t.TempDir()
	store, err := content.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	emb, err := store.IPFS()
	if err != nil {
		t.Fatal(err)
	}
	f := New(Config{Store: store, IPFS: emb, Peers: []string{peer}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.Run(ctx)

	pending := []message.PendingStore{
		{ItemHash: "store-with-root", FileHash: hash, FileType: message.ItemStorage, RootChunkSize: 4096},
		{ItemHash: "store-again", FileHash: hash, FileType: message.ItemStorage, RootChunkSize: 4096},
		{ItemHash: "store-without", FileHash: hash, FileType: message.ItemStorage},
	}
	var got []*pb.AttestedFile
	for i := 0; len(got) < 3; i++ {
		if i == 300 {
			t.Fatalf("attested %v", got)
		}
		got = f.Verified(pending)
		time.Sleep(20 * time.Millisecond)
	}
	want, size, err := proof.ChunkRoot(bytes.NewReader(data), 4096)
	if err != nil || size != uint64(len(data)) {
		t.Fatal(size, err)
	}
	for _, a := range got {
		if a.Size != uint64(len(data)) {
			t.Fatalf("%s attested at %d bytes", a.ItemHash, a.Size)
		}
		switch a.ItemHash {
		case "store-with-root", "store-again":
			if !bytes.Equal(a.ChunkRoot, want) {
				t.Fatalf("chunk root %x, want %x", a.ChunkRoot, want)
			}
		default:
			if a.ChunkRoot != nil {
				t.Fatalf("%s attested with a chunk root it was not asked for", a.ItemHash)
			}
		}
	}

	// the two STOREs of the file read it once for their root
	if cached, computed := f.roots.stats(); cached != 1 || computed != 1 {
		t.Fatalf("%d roots cached, %d computed for two STOREs of one file", cached, computed)
	}
	// the same bytes at another chunk size give another root
	other, err := f.ChunkRoot(hash, 8192)
	if err != nil || bytes.Equal(other, want) {
		t.Fatalf("root at 8 KiB: %x, %v", other, err)
	}
	// a damaged copy gives no root, and the error is not cached; a root
	// cached before the damage is not read again (it was computed from
	// bytes hashing to the file's name: still the file's root)
	path := filepath.Join(dir, hash[:2], hash)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[1000] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if r, err := f.ChunkRoot(hash, 2048); err == nil {
			t.Fatalf("a damaged copy gave root %x", r)
		}
	}
	if r, err := f.ChunkRoot(hash, 4096); err != nil || !bytes.Equal(r, want) {
		t.Fatalf("the cached root: %x, %v", r, err)
	}
	if cached, computed := f.roots.stats(); cached != 2 || computed != 4 {
		t.Fatalf("%d roots cached (want 4 KiB and 8 KiB), %d computed (want 4: two at 2 KiB)", cached, computed)
	}
}

// TestRootCacheBounded: the cache keeps at most max roots, dropping the
// least recently used; callers asking for a root being computed wait for
// that computation rather than starting theirs.
func TestRootCacheBounded(t *testing.T) {
	c := rootCache{max: 2}
	calls := map[string]int{}
	root := func(h string) func() ([]byte, error) {
		return func() ([]byte, error) { calls[h]++; return []byte(h), nil }
	}
	for _, h := range []string{"a", "b", "a", "c", "a", "b"} { // c drops b (a was used since), then b drops c
		if r, err := c.get(rootKey{h, 4096}, root(h)); err != nil || string(r) != h {
			t.Fatalf("%s: %q %v", h, r, err)
		}
	}
	if cached, _ := c.stats(); cached != 2 || calls["a"] != 1 || calls["b"] != 2 || calls["c"] != 1 {
		t.Fatalf("%d cached, computed %v", cached, calls)
	}
	if _, err := c.get(rootKey{"a", 8192}, root("a")); err != nil || calls["a"] != 2 {
		t.Fatalf("another chunk size is another root: %v %v", err, calls)
	}

	// 8 callers at once, the first computation held until it has started:
	// the others wait for it or find its root cached, and it is computed
	// once
	c = rootCache{}
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var done sync.WaitGroup
	var mu sync.Mutex
	computed := 0
	got := make([][]byte, 8)
	for i := range got {
		done.Add(1)
		go func() {
			defer done.Done()
			got[i], _ = c.get(rootKey{"big", 4096}, func() ([]byte, error) {
				mu.Lock()
				computed++
				mu.Unlock()
				once.Do(func() { close(started) })
				<-release
				return []byte("root"), nil
			})
		}()
	}
	<-started
	close(release)
	done.Wait()
	for i, r := range got {
		if string(r) != "root" {
			t.Fatalf("caller %d got %q", i, r)
		}
	}
	if computed != 1 {
		t.Fatalf("computed %d times", computed)
	}
}
