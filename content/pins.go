package content

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// record is what the pin set knows of one root: whether it is pinned and
// since when it is (un)pinned. For an unpinned root, Since starts the
// grace period that GC waits out.
type record struct {
	Pinned bool      `json:"pinned"`
	Since  time.Time `json:"since"`
}

// pinSet is the durable set of roots of both kinds, one small JSON file per
// root under dir, named "sha256-<hex>" or "cid-<CID>". A file per root
// needs no database lock, so the store can be opened twice in a process,
// and each change is one atomic rename.
type pinSet struct {
	dir string
	mu  sync.Mutex // orders read-modify-write of one record against another
}

func sha256Key(hash string) string { return "sha256-" + hash }

func openPins(dir string) (*pinSet, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") { // WriteFileDurably's temporary files
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return nil, err
			}
		}
	}
	return &pinSet{dir: dir}, nil
}

// pin marks key pinned.
func (p *pinSet) pin(key string, now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok, err := p.load(key)
	if err != nil || (ok && r.Pinned) {
		return err
	}
	return p.save(key, record{Pinned: true, Since: now})
}

// unpin starts key's grace period if it was pinned.
func (p *pinSet) unpin(key string, now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok, err := p.load(key)
	if err != nil || !ok || !r.Pinned {
		return err
	}
	return p.save(key, record{Since: now})
}

// added restarts the grace period of an unpinned key: content uploaded
// again is kept as long as content uploaded for the first time.
func (p *pinSet) added(key string, now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok, err := p.load(key)
	if err != nil || (ok && r.Pinned) {
		return err
	}
	return p.save(key, record{Since: now})
}

func (p *pinSet) load(key string) (record, bool, error) {
	b, err := os.ReadFile(filepath.Join(p.dir, key))
	if errors.Is(err, os.ErrNotExist) {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, err
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return record{}, false, fmt.Errorf("pin record %s: %w", key, err)
	}
	return r, true, nil
}

// save replaces key's record durably: fsync the file, rename it over the
// old one, fsync the directory.
func (p *pinSet) save(key string, r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return WriteFileDurably(p.dir, key, b)
}

// remove forgets key (GC, once its content is gone).
func (p *pinSet) remove(key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := os.Remove(filepath.Join(p.dir, key))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// all returns every record by key.
func (p *pinSet) all() (map[string]record, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return nil, err
	}
	out := make(map[string]record, len(entries))
	for _, e := range entries {
		key := e.Name()
		if strings.HasPrefix(key, ".") { // a save in progress
			continue
		}
		r, ok, err := p.load(key)
		if err != nil {
			return nil, err
		}
		if ok {
			out[key] = r
		}
	}
	return out, nil
}

// WriteFileDurably writes name under dir through a temporary file so that a
// crash leaves either the old or the new content, and both are on disk
// when it returns.
func WriteFileDurably(dir, name string, b []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // a no-op after the rename, where it fails as it should
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err == nil {
		err = syncDir(dir)
	}
	return err
}

// syncDir makes the entries of dir (a rename, a new file) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
