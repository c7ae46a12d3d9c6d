package fetch

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
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
		{ItemHash: "store-without", FileHash: hash, FileType: message.ItemStorage},
	}
	var got []*pb.AttestedFile
	for i := 0; len(got) < 2; i++ {
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
		case "store-with-root":
			if !bytes.Equal(a.ChunkRoot, want) {
				t.Fatalf("chunk root %x, want %x", a.ChunkRoot, want)
			}
		default:
			if a.ChunkRoot != nil {
				t.Fatalf("%s attested with a chunk root it was not asked for", a.ItemHash)
			}
		}
	}

	// the same bytes at another chunk size give another root
	other, err := f.ChunkRoot(hash, 8192)
	if err != nil || bytes.Equal(other, want) {
		t.Fatalf("root at 8 KiB: %x, %v", other, err)
	}
	// a damaged copy gives no root
	path := filepath.Join(dir, hash[:2], hash)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[1000] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if r, err := f.ChunkRoot(hash, 4096); err == nil {
		t.Fatalf("a damaged copy gave root %x", r)
	}
}
