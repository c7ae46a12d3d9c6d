package crn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
)

// maxFileBytes bounds one download: pyaleph's largest IPFS file.
const maxFileBytes = 1 << 30

// HeldFile is a file the node keeps: its engine and size.
type HeldFile struct {
	Type string `json:"type"`
	Size uint64 `json:"size"`
}

// Store keeps the node's files in a content store (sha256 files by hash,
// IPFS files as their DAG's blocks, both pinned) and lists them in
// held.json, replaced atomically: a file is listed only once it is
// durable and checked, so a kill -9 leaves the list true.
type Store struct {
	dir   string
	files *content.Store
	ipfs  *content.Embedded
	http  *http.Client

	mu   sync.Mutex
	held map[string]HeldFile
}

// OpenStore opens the store under dir.
func OpenStore(dir string, client *http.Client) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	files, err := content.Open(filepath.Join(dir, "content"))
	if err != nil {
		return nil, err
	}
	e, err := files.IPFS()
	if err != nil {
		_ = files.Close() // the open error is the one to report
		return nil, err
	}
	s := &Store{dir: dir, files: files, ipfs: e, http: client, held: map[string]HeldFile{}}
	b, err := os.ReadFile(filepath.Join(dir, "held.json"))
	if err == nil {
		err = json.Unmarshal(b, &s.held)
	} else if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if err != nil {
		_ = files.Close()
		return nil, fmt.Errorf("held.json: %w", err)
	}
	return s, nil
}

// Close closes the content store.
func (s *Store) Close() error { return s.files.Close() }

// saveLocked replaces held.json; s.mu is held.
func (s *Store) saveLocked() error {
	b, err := json.Marshal(s.held)
	if err != nil {
		return err
	}
	return content.WriteFileDurably(s.dir, "held.json", b)
}

// Held returns the files held, by hash.
func (s *Store) Held() map[string]HeldFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]HeldFile, len(s.held))
	for h, f := range s.held {
		out[h] = f
	}
	return out
}

// Holds reports whether hash is held.
func (s *Store) Holds(hash string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.held[hash]
	return ok
}

// Fetch keeps hash, checked against its attested size, pinned and listed
// as held once it is durable. A sha256 file is downloaded from the CCN's
// /api/v0/storage/raw and checked against its hash. An IPFS file is
// fetched block by block (fetchDAG), so that a file any tool added, with
// any chunker and layout, can be held and proven. Only if the CCN does not
// serve its root block (an older CCN, without the block route) are its
// bytes downloaded and imported as `ipfs add` does, which gives its CID
// only for a file added with kubo's defaults.
func (s *Store) Fetch(ctx context.Context, base, hash string, size uint64) error {
	typ := "storage"
	if !content.ValidHash(hash) {
		typ = "ipfs"
		c, err := cid.Decode(hash)
		if err != nil {
			return fmt.Errorf("%s is neither a sha256 hash nor a CID", hash)
		}
		err = s.fetchDAG(ctx, base, c, size)
		if errors.Is(err, errNoBlock) {
			err = s.fetchRaw(ctx, base, hash, size)
		}
		if err != nil {
			return err
		}
	} else if err := s.fetchRaw(ctx, base, hash, size); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held[hash] = HeldFile{Type: typ, Size: size}
	return s.saveLocked()
}

// fetchRaw downloads hash from the CCN's /api/v0/storage/raw, checks it
// against its hash or CID and its attested size, and pins it.
func (s *Store) fetchRaw(ctx context.Context, base, hash string, size uint64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v0/storage/raw/"+hash, nil)
	if err != nil {
		return err
	}
	res, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", req.URL, res.Status)
	}
	n, err := s.put(ctx, hash, res.Body)
	if err != nil {
		return err
	}
	if uint64(n) != size {
		return fmt.Errorf("%s has %d bytes, the chain attested %d", hash, n, size)
	}
	return nil
}

// put stores r as hash, checked, and pins it.
func (s *Store) put(ctx context.Context, hash string, r io.Reader) (int64, error) {
	if content.ValidHash(hash) {
		got, n, err := s.files.Put(r, maxFileBytes)
		if err != nil {
			return 0, err
		}
		if got != hash {
			return 0, fmt.Errorf("the CCN's bytes hash to %s, not %s", got, hash)
		}
		return n, s.files.Pin(hash)
	}
	c, err := cid.Decode(hash)
	if err != nil {
		return 0, fmt.Errorf("%s is neither a sha256 hash nor a CID", hash)
	}
	got, n, err := s.ipfs.Add(ctx, r, content.AddOptions{CIDv1: c.Version() == 1, Limit: maxFileBytes})
	if err != nil {
		return 0, err
	}
	if !got.Equals(c) {
		return 0, fmt.Errorf("the CCN's bytes import as %s, not %s (the CCN does not serve its root block, and a file's bytes give its CID only if it was added with ipfs add's defaults)", got, c)
	}
	return n, s.ipfs.Pin(ctx, c)
}

// Drop forgets hash: unpinned and no longer held, so content GC removes
// it (a released file) or the next sync fetches it again (a lost one).
func (s *Store) Drop(ctx context.Context, hash string) error {
	var err error
	if content.ValidHash(hash) {
		err = s.files.Unpin(hash)
	} else if c, derr := cid.Decode(hash); derr == nil {
		err = s.ipfs.Unpin(ctx, c)
	}
	if err != nil && !errors.Is(err, content.ErrNotFound) {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.held, hash)
	return s.saveLocked()
}

// GC deletes unpinned content.
func (s *Store) GC(ctx context.Context) error {
	_, err := s.files.GC(ctx, 0)
	return err
}

// Open returns a held file's bytes and size, or content.ErrNotFound.
func (s *Store) Open(ctx context.Context, hash string) (io.ReadCloser, int64, error) {
	if !s.Holds(hash) {
		return nil, 0, content.ErrNotFound
	}
	if content.ValidHash(hash) {
		f, n, err := s.files.Get(hash)
		return f, n, err
	}
	c, err := cid.Decode(hash)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.ipfs.Stat(ctx, c)
	if err != nil {
		return nil, 0, err
	}
	f, err := s.ipfs.Cat(ctx, c)
	return f, n, err
}

// sortedHashes returns m's keys in order.
func sortedHashes[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for h := range m {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}
