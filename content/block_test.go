package content_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/internal/dagtest"
	"github.com/alephd/alephd/internal/kubotest"
	"github.com/alephd/alephd/x/resource/proof"
)

// TestMaxBlockBytes: the blocks a CCN serves are the blocks a proof may
// hold under the default limits.
func TestMaxBlockBytes(t *testing.T) {
	if got, want := content.MaxBlockBytes, proof.DefaultLimits().MaxBlockBytes; got != want {
		t.Fatalf("content.MaxBlockBytes %d, proof's default max_block_bytes %d", got, want)
	}
}

// putDAG stores d's blocks with PutDAG, pinned under its root.
func putDAG(ctx context.Context, e *content.Embedded, d dagtest.DAG) error {
	return e.PutDAG(ctx, d.Root, func(put func(cid.Cid, []byte) error) error {
		for c, b := range d.Blocks {
			if err := put(c, b); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestPutDAG stores a trickle DAG of 1 KiB leaves block by block: its
// blocks read back, its file reads back, and GC keeps it, pinned, while a
// PutDAG that failed pins nothing, so GC removes what it wrote.
func TestPutDAG(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	want := readAll(data(7, 100<<10+3))
	d := dagtest.Build(t, want, dagtest.Options{Chunk: 1024, Trickle: true})
	s, e := openIPFS(t, dir)
	if err := putDAG(ctx, e, d); err != nil {
		t.Fatal(err)
	}
	failed := dagtest.Build(t, want, dagtest.Options{Chunk: 2048, CIDv1: true})
	boom := errors.New("the CCN went away")
	err := e.PutDAG(ctx, failed.Root, func(put func(cid.Cid, []byte) error) error {
		for c, b := range failed.Blocks {
			if err := put(c, b); err != nil {
				return err
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("PutDAG: %v, want the fill's error", err)
	}
	if _, err := s.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for c, b := range d.Blocks {
		got, err := e.Block(ctx, c)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("block %s: %v", c, err)
		}
	}
	if got := catAll(t, e, d.Root); !bytes.Equal(got, want) {
		t.Fatalf("the file reads back as %d bytes, not its %d", len(got), len(want))
	}
	if ok, err := e.Has(ctx, failed.Root); err != nil || ok {
		t.Fatalf("the failed PutDAG's root survived GC: %v %v", ok, err)
	}
}

// TestEmbeddedBlockErrors: a block not held is ErrNotFound, one past
// MaxBlockBytes ErrTooLarge.
func TestEmbeddedBlockErrors(t *testing.T) {
	ctx := context.Background()
	_, e := openIPFS(t, t.TempDir())
	big := bytes.Repeat([]byte{1}, content.MaxBlockBytes+1)
	c, err := cid.V1Builder{Codec: cid.Raw, MhType: 0x12}.Sum(big)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Block(ctx, c); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("a block not held: %v", err)
	}
	if err := e.PutDAG(ctx, c, func(put func(cid.Cid, []byte) error) error { return put(c, big) }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Block(ctx, c); !errors.Is(err, content.ErrTooLarge) {
		t.Fatalf("a block of %d bytes: %v", len(big), err)
	}
}

// TestKuboBlock reads blocks of a file a real kubo added with 1 KiB
// leaves, trickle: the root's bytes hash to its CID; a block the daemon
// does not hold is ErrNotFound, at once (offline), and one past
// MaxBlockBytes ErrTooLarge.
func TestKuboBlock(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a kubo daemon; make test runs it")
	}
	ctx := context.Background()
	d := kubotest.Start(t)
	k, err := content.NewKubo(d.API)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	name := dataFile(t, dir, 3, 20<<10+5)
	root := cid.MustParse(d.Run(t, "add", "-Q", "--pin=false", "--chunker=size-1024", "--trickle", name))
	b, err := k.Block(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := root.Prefix().Sum(b); err != nil || !got.Equals(root) {
		t.Fatalf("the root block hashes to %s, not %s (%v)", got, root, err)
	}
	other := dagtest.Build(t, []byte("never added"), dagtest.Options{Chunk: 1024})
	if _, err := k.Block(ctx, other.Root); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("a block not held: %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte{2}, content.MaxBlockBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	c := cid.MustParse(d.Run(t, "block", "put", "--allow-big-block", "--cid-codec=raw", big))
	if _, err := k.Block(ctx, c); !errors.Is(err, content.ErrTooLarge) {
		t.Fatalf("a block of %d bytes: %v", content.MaxBlockBytes+1, err)
	}
}
