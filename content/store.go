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
	"sync"
	"time"
)

// ErrNotFound is returned for a hash the store does not hold.
var ErrNotFound = errors.New("content not found")

// ErrTooLarge is returned when an upload exceeds the store's limit.
var ErrTooLarge = errors.New("content too large")

// ErrClosed is returned by a closed store.
var ErrClosed = errors.New("content store closed")

// Store is the node's content store: the sha256 "storage" engine, the
// embedded IPFS store (IPFS) and the pin set that both share.
type Store struct {
	dir  string
	pins *pinSet

	// gc is held shared by every write (Put, Add, Pin) and exclusively by
	// GC, so that GC never sees half an upload, and never deletes a block
	// that an import found present and so did not write again.
	gc sync.RWMutex

	mu     sync.Mutex // guards ipfs and closed
	ipfs   *Embedded
	closed bool
}

// Open returns the store rooted at dir, creating it. The IPFS blockstore
// under dir/ipfs is opened on first use.
//
// Whatever a crash left half-written (uploads in tmp, pin records being
// replaced) is removed: the caller holds the store alone, as a node holds
// its home.
func Open(dir string) (*Store, error) {
	if err := os.RemoveAll(filepath.Join(dir, "tmp")); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, err
	}
	pins, err := openPins(filepath.Join(dir, "pins"))
	if err != nil {
		return nil, err
	}
	return &Store{dir: dir, pins: pins}, nil
}

// Close closes the IPFS blockstore if it was opened.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.ipfs == nil {
		return nil
	}
	err := s.ipfs.close()
	s.ipfs = nil
	return err
}

// ValidHash reports whether h is a lower-case sha256 hex digest.
func ValidHash(h string) bool {
	return len(h) == 64 && strings.Trim(h, "0123456789abcdef") == ""
}

func (s *Store) path(hash string) string { return filepath.Join(s.dir, hash[:2], hash) }

// Put streams r into the store, at most limit bytes, and returns its sha256
// and size once the file is durable. The file is unpinned: GC keeps it for
// its grace period from its mtime, so it needs no pin record yet.
func (s *Store) Put(r io.Reader, limit int64) (string, int64, error) {
	s.gc.RLock()
	defer s.gc.RUnlock()
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "upload-*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // a no-op after the rename, where it fails as it should
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
	if err := s.mkShard(filepath.Dir(final)); err != nil {
		return "", 0, err
	}
	// The rename gives the file a fresh mtime, which starts its grace period
	// again when the same bytes are uploaded twice.
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", 0, err
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return "", 0, err
	}
	return hash, n, nil
}

// mkShard creates a shard directory durably the first time.
func (s *Store) mkShard(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return syncDir(s.dir)
}

// Get returns the content of hash and its size.
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
		_ = f.Close() // read only; the Stat error is the one to report
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

// Has reports whether the store holds hash.
func (s *Store) Has(hash string) (bool, error) {
	_, err := s.Size(hash)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Pin keeps hash's file from GC until Unpin. The file must be present.
func (s *Store) Pin(hash string) error {
	s.gc.RLock()
	defer s.gc.RUnlock()
	if _, err := s.Size(hash); err != nil {
		return err
	}
	return s.pins.pin(sha256Key(hash), time.Now())
}

// Pinned reports whether hash's file is pinned.
func (s *Store) Pinned(hash string) (bool, error) {
	if !ValidHash(hash) {
		return false, nil
	}
	s.pins.mu.Lock()
	defer s.pins.mu.Unlock()
	r, ok, err := s.pins.load(sha256Key(hash))
	return ok && r.Pinned, err
}

// Unpin lets GC delete hash's file once the grace period from now is over.
func (s *Store) Unpin(hash string) error {
	if !ValidHash(hash) {
		return ErrNotFound
	}
	return s.pins.unpin(sha256Key(hash), time.Now())
}
