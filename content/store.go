package content

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is returned for a hash the store does not hold.
var ErrNotFound = errors.New("content not found")

// ErrTooLarge is returned when an upload exceeds the store's limit.
var ErrTooLarge = errors.New("content too large")

// Store is the embedded sha256 store.
type Store struct{ dir string }

// Open returns the store rooted at dir, creating it.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, err
	}
	return &Store{dir: dir}, nil
}

// ValidHash reports whether h is a lower-case sha256 hex digest.
func ValidHash(h string) bool {
	return len(h) == 64 && strings.Trim(h, "0123456789abcdef") == ""
}

func (s *Store) path(hash string) string { return filepath.Join(s.dir, hash[:2], hash) }

// Put streams r into the store, at most limit bytes, and returns its sha256
// and size once the file is durable.
func (s *Store) Put(r io.Reader, limit int64) (string, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "upload-*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, limit+1))
	if err == nil && n > limit {
		err = fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, err
	}
	hash := hex.EncodeToString(h.Sum(nil))
	final := s.path(hash)
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return "", 0, err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", 0, err
	}
	if d, err := os.Open(filepath.Dir(final)); err == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return hash, n, nil
}

// Open returns the content of hash and its size.
func (s *Store) Get(hash string) (io.ReadSeekCloser, int64, error) {
	if !ValidHash(hash) {
		return nil, 0, ErrNotFound
	}
	f, err := os.Open(s.path(hash))
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// Size returns the size of hash's content.
func (s *Store) Size(hash string) (int64, error) {
	if !ValidHash(hash) {
		return 0, ErrNotFound
	}
	st, err := os.Stat(s.path(hash))
	if errors.Is(err, os.ErrNotExist) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
