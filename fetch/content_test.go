package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/internal/ipfstest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// TestContentAttested: the fetcher attests a pending non-inline message's
// content with its size and sha256, fetched from a peer for "storage" and
// from its own IPFS store for "ipfs", and hands the verified bytes back
// for the block its node proposes; content it never verified it does not.
func TestContentAttested(t *testing.T) {
	data := []byte(`{"address":"0x0","time":1,"type":"note","content":"` + string(bytes.Repeat([]byte("x"), 70_000)) + `"}`)
	sum := sha256.Sum256(data)
	hash, peer, ready := filePeer(t, data)
	ready.Store(true)
	store, emb := ipfstest.Open(t)
	c, _, err := emb.Add(context.Background(), bytes.NewReader(data), content.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := New(Config{Store: store, IPFS: emb, Peers: []string{peer}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.Run(ctx)

	pending := []message.PendingStore{
		{ItemHash: hash, FileHash: hash, FileType: message.ItemStorage, Content: true},
		{ItemHash: c.String(), FileHash: c.String(), FileType: message.ItemIPFS, Content: true},
	}
	var got []*pb.AttestedFile
	for i := 0; len(got) < 2; i++ {
		if i == 300 {
			t.Fatalf("attested %v", got)
		}
		got = f.Verified(pending)
		time.Sleep(20 * time.Millisecond)
	}
	for _, a := range got {
		if a.Size != uint64(len(data)) || !bytes.Equal(a.Sha256, sum[:]) || len(a.Content) != 0 {
			t.Fatalf("attested %s: size %d, sha256 %x, %d content bytes", a.ItemHash, a.Size, a.Sha256, len(a.Content))
		}
		if b, ok := f.Content(a.ItemHash); !ok || !bytes.Equal(b, data) {
			t.Fatalf("content of %s for the proposer: %v, %d bytes", a.ItemHash, ok, len(b))
		}
	}
	if _, ok := f.Content("never-verified"); ok {
		t.Fatal("content of a message the fetcher never verified")
	}
}
