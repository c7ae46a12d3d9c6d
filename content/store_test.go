package content_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
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
	r.Close()
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
