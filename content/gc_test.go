package content_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
)

// TestPinSurvivesReopen pins one of two files, closes and reopens the
// store: the pin is still there, so GC past the grace period removes only
// the other file.
func TestPinSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, e := openIPFS(t, dir)
	kept, _, err := e.Add(ctx, data(1, 1<<20), content.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Pin(ctx, kept); err != nil {
		t.Fatal(err)
	}
	gone, _, err := e.Add(ctx, data(2, 1<<20), content.AddOptions{CIDv1: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, e = openIPFS(t, dir)
	if _, err := s.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if got, want := catAll(t, e, kept), readAll(data(1, 1<<20)); !bytes.Equal(got, want) {
		t.Fatal("the pinned file changed")
	}
	if ok, _ := e.Has(ctx, gone); ok {
		t.Fatal("GC kept an unpinned file past its grace period")
	}
}

// TestGC covers both kinds of content: within the grace period nothing
// goes; past it, what no pinned root reaches goes, and blocks shared with
// a pinned file stay; unpinning starts a new grace period.
func TestGC(t *testing.T) {
	ctx := context.Background()
	s, e := openIPFS(t, t.TempDir())
	// big's first MiB is small's MiB: in CIDv1 they share four raw leaves.
	small, _, err := e.Add(ctx, data(3, 1<<20), content.AddOptions{CIDv1: true})
	if err != nil {
		t.Fatal(err)
	}
	big, _, err := e.Add(ctx, io.MultiReader(data(3, 1<<20), data(4, 3<<20)), content.AddOptions{CIDv1: true, Pin: true})
	if err != nil {
		t.Fatal(err)
	}
	pinnedFile, _, err := s.Put(data(5, 1000), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Pin(pinnedFile); err != nil {
		t.Fatal(err)
	}
	looseFile, _, err := s.Put(data(6, 1000), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Pinned(pinnedFile); err != nil || !p {
		t.Fatalf("Pinned of a pinned file: %v %v", p, err)
	}
	if p, err := s.Pinned(looseFile); err != nil || p {
		t.Fatalf("Pinned of a file never pinned: %v %v", p, err)
	}

	if st, err := s.GC(ctx, time.Hour); err != nil || st != (content.GCStats{}) {
		t.Fatalf("GC within the grace period removed %+v, %v", st, err)
	}
	st, err := s.GC(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	// small's root is a dag-pb node over four leaves that big also has.
	if st.Files != 1 || st.Blocks != 1 {
		t.Fatalf("GC removed %+v, want 1 file and small's root block", st)
	}
	if ok, _ := e.Has(ctx, small); ok {
		t.Fatal("an unpinned root survived GC")
	}
	if got, want := catAll(t, e, big), readAll(io.MultiReader(data(3, 1<<20), data(4, 3<<20))); !bytes.Equal(got, want) {
		t.Fatal("a pinned file lost blocks")
	}
	if ok, _ := s.Has(looseFile); ok {
		t.Fatal("an unpinned sha256 file survived GC")
	}
	if ok, _ := s.Has(pinnedFile); !ok {
		t.Fatal("a pinned sha256 file was removed")
	}

	// Unpinned now: kept for the grace period, then gone, all of it.
	if err := e.Unpin(ctx, big); err != nil {
		t.Fatal(err)
	}
	if err := s.Unpin(pinnedFile); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Pinned(pinnedFile); err != nil || p {
		t.Fatalf("Pinned after Unpin: %v %v", p, err)
	}
	if st, err := s.GC(ctx, time.Hour); err != nil || st != (content.GCStats{}) {
		t.Fatalf("GC right after unpin removed %+v, %v", st, err)
	}
	if st, err := s.GC(ctx, 0); err != nil || st.Files != 1 || st.Blocks != 17 {
		t.Fatalf("GC after unpin removed %+v, %v, want 1 file and 17 blocks", st, err)
	}
	if _, err := e.Stat(ctx, big); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("stat after GC: %v", err)
	}
}

// TestPinNeedsTheWholeDAG refuses to pin a root whose leaves are gone, as
// after an import cut short.
func TestPinNeedsTheWholeDAG(t *testing.T) {
	ctx := context.Background()
	s, e := openIPFS(t, t.TempDir())
	if err := e.Pin(ctx, mustCID(t, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("pin of an absent CID: %v", err)
	}
	c, _, err := e.Add(ctx, data(8, 2<<20), content.AddOptions{CIDv1: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := content.RemoveFirstLeaf(ctx, e, c); err != nil {
		t.Fatal(err)
	}
	if ok, _ := e.Has(ctx, c); !ok {
		t.Fatal("the root went with the leaf")
	}
	if err := e.Pin(ctx, c); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("pin of a DAG without its first leaf: %v", err)
	}
	if _, err := s.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
}

func mustCID(t *testing.T, s string) cid.Cid {
	t.Helper()
	c, err := cid.Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func catAll(t *testing.T, b content.Backend, c cid.Cid) []byte {
	t.Helper()
	r, err := b.Cat(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close() //nolint:errcheck // read only: a failed close loses nothing
	return readAll(r)
}

func readAll(r io.Reader) []byte {
	b, err := io.ReadAll(r)
	if err != nil {
		panic(err)
	}
	return b
}
