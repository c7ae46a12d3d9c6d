package index

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"

	iavldb "github.com/cosmos/iavl/db"

	"github.com/alephd/alephd/internal/pebbledb"
)

// Index is the query index. Reads may run concurrently with one writer.
type Index struct {
	db iavldb.DB // the interface only: Pebble on disk, a B-tree in tests

	mu      sync.Mutex
	height  int64
	waiters []chan struct{}
	metrics *metrics
}

// Open opens (or creates) the index in dir.
func Open(dir string) (*Index, error) {
	db, err := pebbledb.Open(dir, "index")
	if err != nil {
		return nil, fmt.Errorf("open index in %s: %w", dir, err)
	}
	return load(db)
}

// OpenMemory opens an empty index in memory, for tests.
func OpenMemory() (*Index, error) { return load(iavldb.NewMemDB()) }

func load(db iavldb.DB) (*Index, error) {
	x := &Index{db: db}
	x.metrics = newMetrics(x)
	b, err := db.Get([]byte{prefixMeta, 'h'})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("read index height: %w", err)
	}
	if len(b) == 8 {
		x.height = int64(binary.BigEndian.Uint64(b))
	}
	return x, nil
}

// Close closes the database.
func (x *Index) Close() error { return x.db.Close() }

// Height is the last indexed block height.
func (x *Index) Height() int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.height
}

// Changed returns a channel closed when the next block is indexed.
func (x *Index) Changed() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	ch := make(chan struct{})
	x.waiters = append(x.waiters, ch)
	return ch
}

// Get returns the entry of item_hash, or nil.
func (x *Index) Get(hash string) (*Entry, error) {
	b, err := x.db.Get(entryKey(hash))
	if err != nil || b == nil {
		return nil, err
	}
	e := new(Entry)
	if err := json.Unmarshal(b, e); err != nil {
		return nil, fmt.Errorf("index entry %s: %w", hash, err)
	}
	return e, nil
}

// Count returns the number of live messages indexed under one dimension
// value, read from a kept counter.
func (x *Index) count(d dimension, values []string) (int64, error) {
	b, err := x.db.Get(countKey(d, values))
	if err != nil || len(b) != 8 {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}
