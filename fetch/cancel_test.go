package fetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/internal/ipfstest"
	"github.com/alephd/alephd/x/message"
)

// TestWorkEndsWithItsStore: a worker busy on a STORE's file (here a peer
// that never answers, under a timeout of an hour) lets it go once the
// STORE is no longer pending, instead of holding one of the few workers
// until the timeout.
func TestWorkEndsWithItsStore(t *testing.T) {
	asked, released := make(chan struct{}), make(chan struct{})
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(asked)
		<-r.Context().Done() // hang until the fetcher lets go
		close(released)
	}))
	defer peer.Close()
	store, emb := ipfstest.Open(t)
	f := New(Config{Store: store, IPFS: emb, Peers: []string{peer.URL}, Timeout: time.Hour, Workers: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.Run(ctx)

	p := message.PendingStore{ItemHash: "store", FileHash: strings.Repeat("ab", 32), FileType: message.ItemStorage}
	f.Verified([]message.PendingStore{p})
	waitFor(t, asked, "the peer was never asked")
	f.Verified(nil) // the STORE was decided: it is no longer pending
	waitFor(t, released, "the worker still holds a STORE that is no longer pending")
}

func waitFor(t *testing.T, ch chan struct{}, msg string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatal(msg)
	}
}
