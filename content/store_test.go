package content_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/alephd/alephd/content"
)

// TestPutGet stores bytes under their sha256 and reads them back; an
// oversize upload is refused and leaves nothing behind.
func TestPutGet(t *testing.T) {
	s, err := content.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("alephd "), 1000)
	hash, n, err := s.Put(bytes.NewReader(data), 1<<20)
	sum := sha256.Sum256(data)
	if err != nil || n != int64(len(data)) || hash != hex.EncodeToString(sum[:]) {
		t.Fatalf("put: %s %d %v", hash, n, err)
	}
	r, size, err := s.Get(hash)
	if err != nil || size != n {
		t.Fatalf("get: %d %v", size, err)
	}
	got, _ := io.ReadAll(r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	if _, _, err := s.Put(bytes.NewReader(data), 100); !errors.Is(err, content.ErrTooLarge) {
		t.Fatalf("oversize: %v", err)
	}
	if _, _, err := s.Get("00" + hash[2:]); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if _, _, err := s.Get("../etc/passwd"); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("path traversal: %v", err)
	}
}

// TestOpenClearsWhatACrashLeft: a half-written upload and a pin record being
// replaced when the node died are removed when the store opens again; the
// stored file and its pin stay.
func TestOpenClearsWhatACrashLeft(t *testing.T) {
	dir := t.TempDir()
	s, err := content.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	hash, _, err := s.Put(bytes.NewReader([]byte("kept")), 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Pin(hash); err != nil {
		t.Fatal(err)
	}
	leftovers := []string{filepath.Join(dir, "tmp", "upload-123"), filepath.Join(dir, "pins", "."+hash+"-456")}
	for _, p := range leftovers {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err = content.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range leftovers {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived: %v", p, err)
		}
	}
	if _, err := s.GC(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Has(hash); !ok || err != nil {
		t.Fatalf("the pinned file: %v %v", ok, err)
	}
}
