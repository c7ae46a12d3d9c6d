package crn_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/alephd/alephd/crn"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// fakeCCN answers the compute routes for chainID at height 7 (or what is
// stored in the height it returns) with no files, no challenges, and
// every proof taken, and counts the requests it serves.
func fakeCCN(t *testing.T, chainID string) (*httptest.Server, *atomic.Int32, *atomic.Int64) {
	hits, height := new(atomic.Int32), new(atomic.Int64)
	height.Store(7)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Method == http.MethodPost {
			_, _ = w.Write([]byte(`{"code":0,"tx_hash":"AB"}`))
			return
		}
		_, _ = fmt.Fprintf(w, `{"node_id":"crn-a","chain_id":%q,"height":%d,"files":[],"challenges":[]}`, chainID, height.Load())
	}))
	t.Cleanup(srv.Close)
	return srv, hits, height
}

// TestCCNFailover: a node configured with CCNs A and B follows A; when A
// goes down, a call moves on to B and the node follows B from then on,
// for files, challenges and proofs alike. A CCN on another chain is
// passed over, every CCN's error is returned when none answers, and a
// call whose context has ended tries no further CCN.
func TestCCNFailover(t *testing.T) {
	ctx := context.Background()
	a, aHits, _ := fakeCCN(t, chainID)
	b, bHits, _ := fakeCCN(t, chainID)
	other, otherHits, _ := fakeCCN(t, "another-chain")
	c := crn.NewCCN(chainID, other.URL, a.URL+"/", b.URL)

	if _, err := c.Files(ctx, "crn-a"); err != nil || c.Current() != a.URL || otherHits.Load() != 1 || aHits.Load() != 1 || bHits.Load() != 0 {
		t.Fatalf("first call: %v; follows %s; hits other %d, A %d, B %d", err, c.Current(), otherHits.Load(), aHits.Load(), bHits.Load())
	}
	if _, err := c.Challenges(ctx, "crn-a"); err != nil || aHits.Load() != 2 || otherHits.Load() != 1 {
		t.Fatalf("a call while A answers goes to A alone: %v; hits other %d, A %d", err, otherHits.Load(), aHits.Load())
	}
	a.Close()
	if s, err := c.SubmitProof(ctx, &pb.StorageProof{Node: "crn-a"}); err != nil || s.TxHash != "AB" || c.Current() != b.URL || bHits.Load() != 1 {
		t.Fatalf("with A down, a proof goes to B: %+v %v; follows %s", s, err, c.Current())
	}
	if _, err := c.Challenges(ctx, "crn-a"); err != nil || bHits.Load() != 2 || otherHits.Load() != 1 {
		t.Fatalf("then the node follows B: %v; hits other %d, B %d", err, otherHits.Load(), bHits.Load())
	}

	b.Close()
	_, err := c.Files(ctx, "crn-a")
	if err == nil || !strings.Contains(err.Error(), `the CCN is on chain "another-chain", the node on "`+chainID+`"`) || strings.Count(err.Error(), "\n") != 2 {
		t.Fatalf("with no CCN of the chain up: %v", err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Files(done, "crn-a"); !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("a call after its context ended tries one CCN: %v", err)
	}
	if _, err := crn.NewCCN(chainID).Files(ctx, "crn-a"); err == nil || !strings.Contains(err.Error(), "no CCN is configured") {
		t.Fatalf("no CCN: %v", err)
	}
}

// TestCCNRank: Rank moves the node to the CCN furthest ahead when the one
// it follows is more than MaxLag blocks behind (stalled, or catching up),
// and keeps it where it is when it is within MaxLag; a CCN that is down
// or on another chain is never chosen, and one that is down is left when
// the others answer.
func TestCCNRank(t *testing.T) {
	ctx := context.Background()
	a, _, aHeight := fakeCCN(t, chainID)
	b, _, bHeight := fakeCCN(t, chainID)
	other, _, otherHeight := fakeCCN(t, "another-chain")
	otherHeight.Store(1000)
	c := crn.NewCCN(chainID, a.URL, other.URL, b.URL)
	failed := 0
	c.OnFail = func(string, error) { failed++ }

	aHeight.Store(100)
	bHeight.Store(100 + crn.MaxLag)
	if h := c.Rank(ctx, "crn-a"); len(h) != 2 || h[a.URL] != 100 || h[b.URL] != 100+crn.MaxLag || c.Current() != a.URL || failed != 1 {
		t.Fatalf("A within MaxLag of B: heights %v, follows %s, %d failures", h, c.Current(), failed)
	}
	bHeight.Store(101 + crn.MaxLag) // A stalled at 100
	if c.Rank(ctx, "crn-a"); c.Current() != b.URL {
		t.Fatalf("A more than MaxLag behind B: follows %s", c.Current())
	}
	aHeight.Store(200) // B now behind: the node moves back
	if c.Rank(ctx, "crn-a"); c.Current() != a.URL {
		t.Fatalf("B behind A: follows %s", c.Current())
	}
	a.Close()
	if h := c.Rank(ctx, "crn-a"); len(h) != 1 || c.Current() != b.URL {
		t.Fatalf("A down: heights %v, follows %s", h, c.Current())
	}
	b.Close()
	if h := c.Rank(ctx, "crn-a"); len(h) != 0 || c.Current() != b.URL {
		t.Fatalf("every CCN of the chain down: heights %v, follows %s", h, c.Current())
	}
}
