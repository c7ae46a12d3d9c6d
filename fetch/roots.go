package fetch

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/alephd/alephd/x/resource/proof"
)

// ChunkRoot is the x/resource/proof ChunkRoot of a sha256 file this node
// holds, over chunks of chunkSize bytes: what its validator attests beside
// the file's size when the chain challenges sha256 files (x/resource on),
// and what the chain then checks storage proofs of the file against. The
// file is streamed from the content store once, chunk by chunk (memory is
// one chunk and the tree's right edge, whatever the file's size), and its
// sha256 is recomputed from the same bytes: a root is only ever given for
// bytes that hash to the file's name, so a corrupted copy on disk yields
// an error (and no vote for the file), not a wrong root.
//
// Roots are cached by (file, chunk size), at most rootCacheSize of them:
// two STOREs of the same file (pending together, or one after the other)
// read it once, and a worker asking while another computes it waits for
// that result. A root is a function of the file's name and the chunk size
// alone (it was computed from bytes that hash to the name), so a cached one
// stays true; errors are not cached.
func (f *Fetcher) ChunkRoot(hash string, chunkSize uint64) ([]byte, error) {
	if chunkSize == 0 || chunkSize > math.MaxInt32 {
		return nil, fmt.Errorf("chunk size %d", chunkSize)
	}
	root, err := f.roots.get(rootKey{hash, chunkSize}, func() ([]byte, error) { return f.chunkRoot(hash, chunkSize) })
	return bytes.Clone(root), err
}

// chunkRoot computes ChunkRoot from the stored copy.
func (f *Fetcher) chunkRoot(hash string, chunkSize uint64) ([]byte, error) {
	r, size, err := f.cfg.Store.Get(hash)
	if err != nil {
		return nil, err
	}
	defer r.Close() //nolint:errcheck // read only
	h := sha256.New()
	root, n, err := proof.ChunkRoot(io.TeeReader(r, h), int(chunkSize)) //nolint:gosec // checked by ChunkRoot: at most MaxInt32
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", hash, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != hash || int64(n) != size { //nolint:gosec // n ≤ the file's size
		return nil, fmt.Errorf("stored copy of %s is damaged: %d bytes hashing to %s", hash, n, got)
	}
	return root, nil
}

// rootCacheSize bounds the roots cached: ~150 bytes each, so ~600 KB. The
// roots a validator needs are those of the sha256 STOREs pending at once.
const rootCacheSize = 4096

type rootKey struct {
	hash      string
	chunkSize uint64
}

// rootCache keeps the last roots computed, least recently used dropped
// first. Its zero value is ready (max 0 means rootCacheSize).
type rootCache struct {
	mu       sync.Mutex
	max      int
	entries  map[rootKey]*list.Element // of *rootEntry
	order    list.List                 // most recently used first
	computed int                       // roots computed (cache misses), for tests
}

// rootEntry is one root, or one being computed (ready not yet closed).
type rootEntry struct {
	key   rootKey
	ready chan struct{}
	root  []byte
	err   error
}

// get returns key's root, computing it once with compute if it is neither
// cached nor being computed.
func (c *rootCache) get(key rootKey, compute func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[rootKey]*list.Element{}
	}
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		e := el.Value.(*rootEntry)
		c.mu.Unlock()
		<-e.ready
		return e.root, e.err
	}
	e := &rootEntry{key: key, ready: make(chan struct{})}
	c.entries[key] = c.order.PushFront(e)
	c.computed++
	limit := c.max
	if limit <= 0 {
		limit = rootCacheSize
	}
	for c.order.Len() > limit { // a dropped entry being computed still reaches its waiters
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*rootEntry).key)
	}
	c.mu.Unlock()

	e.root, e.err = compute()
	if e.err != nil {
		c.mu.Lock()
		if el, ok := c.entries[key]; ok && el.Value == e { // not cached: the next call tries again
			c.order.Remove(el)
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	close(e.ready)
	return e.root, e.err
}

// stats is how many roots are cached or being computed, and how many
// were computed.
func (c *rootCache) stats() (cached, computed int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.computed
}
