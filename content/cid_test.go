package content_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/internal/kubotest"
)

// data is n pseudo-random bytes, the same for the same seed.
func data(seed uint64, n int64) io.Reader {
	var key [32]byte
	key[0] = byte(seed)
	key[1] = byte(seed >> 8)
	return io.LimitReader(rand.NewChaCha8(key), n)
}

// dataFile writes data(seed, n) to a file under dir.
func dataFile(t *testing.T, dir string, seed uint64, n int64) string {
	t.Helper()
	name := filepath.Join(dir, fmt.Sprintf("data-%d-%d", seed, n))
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, data(seed, n)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return name
}

func openIPFS(t testing.TB, dir string) (*content.Store, *content.Embedded) {
	t.Helper()
	s, err := content.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	e, err := s.IPFS()
	if err != nil {
		t.Fatal(err)
	}
	return s, e
}

func addFile(t *testing.T, b content.Backend, name string, opts content.AddOptions) (cid.Cid, int64) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // read only: a failed close loses nothing
	c, n, err := b.Add(context.Background(), f, opts)
	if err != nil {
		t.Fatalf("%T add %s: %v", b, filepath.Base(name), err)
	}
	return c, n
}

var sizes = []int64{0, 1 << 10, 300 << 10, 5 << 20, 64 << 20}

// TestCIDsMatchKubo imports the same bytes with `ipfs add` (the CLI with
// kubo's default settings), through the kubo backend, and into the embedded
// store, in CIDv0 and in CIDv1 with raw leaves: all three CIDs agree. The
// empty file's CIDs are also pinned to their well-known values.
func TestCIDsMatchKubo(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a kubo daemon; make test runs it")
	}
	d := kubotest.Start(t)
	k, err := content.NewKubo(d.API)
	if err != nil {
		t.Fatal(err)
	}
	_, e := openIPFS(t, t.TempDir())
	dir := t.TempDir()
	golden := map[string]string{
		"0/v0": "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
		"0/v1": "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
	}
	for i, size := range sizes {
		name := dataFile(t, dir, uint64(i), size)
		for _, v1 := range []bool{false, true} {
			args, label := []string{"add", "-Q", "--pin=false"}, fmt.Sprintf("%d/v0", size)
			if v1 {
				args, label = append(args, "--cid-version=1"), fmt.Sprintf("%d/v1", size)
			}
			t.Run(label, func(t *testing.T) {
				want := d.Run(t, append(args, name)...)
				opts := content.AddOptions{CIDv1: v1}
				ce, ne := addFile(t, e, name, opts)
				ck, nk := addFile(t, k, name, opts)
				if ce.String() != want || ck.String() != want {
					t.Fatalf("ipfs add: %s, embedded: %s, kubo backend: %s", want, ce, ck)
				}
				if ne != size || nk != size {
					t.Fatalf("sizes: embedded %d, kubo %d, want %d", ne, nk, size)
				}
				if g, ok := golden[label]; ok && want != g {
					t.Fatalf("ipfs add gives %s, want the well-known %s", want, g)
				}
			})
		}
	}
}

// TestRoundTrip adds through each backend, then reads back through Cat
// (whole, and after a seek into the middle of a leaf) and Stat.
func TestRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a kubo daemon; make test runs it")
	}
	d := kubotest.Start(t)
	k, err := content.NewKubo(d.API)
	if err != nil {
		t.Fatal(err)
	}
	_, e := openIPFS(t, t.TempDir())
	ctx := context.Background()
	for name, b := range map[string]content.Backend{"embedded": e, "kubo": k} {
		for i, size := range sizes {
			for _, v1 := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%d/v1=%v", name, size, v1), func(t *testing.T) {
					c, n, err := b.Add(ctx, data(uint64(i), size), content.AddOptions{CIDv1: v1})
					if err != nil || n != size {
						t.Fatalf("add: %d bytes, %v", n, err)
					}
					if st, err := b.Stat(ctx, c); err != nil || st != size {
						t.Fatalf("stat: %d, %v", st, err)
					}
					if ok, err := b.Has(ctx, c); !ok || err != nil {
						t.Fatalf("has: %v %v", ok, err)
					}
					r, err := b.Cat(ctx, c)
					if err != nil {
						t.Fatal(err)
					}
					defer r.Close() //nolint:errcheck // read only: a failed close loses nothing
					if got, want := digest(t, r), digest(t, data(uint64(i), size)); got != want {
						t.Fatalf("cat: sha256 %s, want %s", got, want)
					}
					off := size / 3
					if _, err := r.Seek(off, io.SeekStart); err != nil {
						t.Fatal(err)
					}
					want := make([]byte, min(size-off, 1000))
					if _, err := io.ReadFull(skip(data(uint64(i), size), off), want); err != nil {
						t.Fatal(err)
					}
					got := make([]byte, len(want))
					if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, want) {
						t.Fatalf("read at %d after seek: %v", off, err)
					}
				})
			}
		}
	}
	for name, b := range map[string]content.Backend{"embedded": e, "kubo": k} {
		if _, _, err := b.Add(ctx, data(9, 1<<20), content.AddOptions{Limit: 1000}); !errors.Is(err, content.ErrTooLarge) {
			t.Fatalf("%s: add past the limit: %v", name, err)
		}
		if _, n, err := b.Add(ctx, data(9, 1000), content.AddOptions{Limit: 1000}); err != nil || n != 1000 {
			t.Fatalf("%s: add of exactly the limit: %d, %v", name, n, err)
		}
	}
	missing, err := cid.V1Builder{Codec: cid.Raw, MhType: multihash.SHA2_256}.Sum([]byte("never added"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := e.Has(ctx, missing); ok || err != nil {
		t.Fatalf("embedded has a block it never saw: %v %v", ok, err)
	}
	if ok, err := k.Has(ctx, missing); ok || err != nil {
		t.Fatalf("kubo has a block it never saw: %v %v", ok, err)
	}
	if _, err := e.Cat(ctx, missing); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("embedded cat of a missing CID: %v", err)
	}
}

// TestKuboCIDMismatch points the kubo backend at a daemon whose
// Import.UnixFSFileMaxLinks differs from the default, which the RPC client
// cannot override: Add names both CIDs and leaves nothing pinned.
func TestKuboCIDMismatch(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a kubo daemon; make test runs it")
	}
	d := kubotest.Start(t, "Import.UnixFSFileMaxLinks", "2")
	k, err := content.NewKubo(d.API)
	if err != nil {
		t.Fatal(err)
	}
	before := d.Run(t, "pin", "ls", "--type=recursive", "-q") // init pins an empty directory
	_, _, err = k.Add(context.Background(), data(7, 1<<20), content.AddOptions{Pin: true})
	if !errors.Is(err, content.ErrCIDMismatch) || strings.Count(err.Error(), "Qm") != 2 {
		t.Fatalf("want a mismatch naming two CIDv0s, got %v", err)
	}
	if after := d.Run(t, "pin", "ls", "--type=recursive", "-q"); after != before {
		t.Fatalf("the daemon pins %q, and pinned %q before the add", after, before)
	}
}

func digest(t *testing.T, r io.Reader) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// skip drops the first n bytes of r, a test stream that cannot fail.
func skip(r io.Reader, n int64) io.Reader {
	_, _ = io.CopyN(io.Discard, r, n)
	return r
}
