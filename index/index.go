package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"

	iavldb "github.com/cosmos/iavl/db"

	"github.com/alephd/alephd/internal/pebbledb"
)

// Index is the query index. Reads may run concurrently with one writer.
type Index struct {
	db iavldb.DB // the interface only: Pebble on disk, a B-tree in tests
	// format is the on-disk format version found on open.
	format uint64
	// Rebuilding is set when Open dropped an index in an older format.
	Rebuilding bool

	mu      sync.Mutex
	height  int64
	waiters []chan struct{}
	metrics *metrics
	// counters caches counter values for the writer (counters.go).
	counters *counterCache
}

// Open opens (or creates) the index in dir. An index written in another
// format (formatVersion) is removed and started afresh, and Rebuilding says
// so: Follow then rebuilds it from the block store.
func Open(dir string) (*Index, error) {
	x, err := open(dir)
	if err != nil || x.format == formatVersion || (x.format == 0 && x.height == 0) {
		if err == nil {
			err = x.setFormat()
		}
		return x, err
	}
	if err := x.Close(); err != nil {
		return nil, fmt.Errorf("close index in another format: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("remove index in another format: %w", err)
	}
	if x, err = open(dir); err != nil {
		return nil, err
	}
	x.Rebuilding = true
	return x, x.setFormat()
}

func open(dir string) (*Index, error) {
	db, err := pebbledb.Open(dir, "index")
	if err != nil {
		return nil, fmt.Errorf("open index in %s: %w", dir, err)
	}
	return load(db)
}

// OpenMemory opens an empty index in memory, for tests.
func OpenMemory() (*Index, error) {
	x, err := load(iavldb.NewMemDB())
	if err == nil {
		err = x.setFormat()
	}
	return x, err
}

var (
	heightKey = []byte{prefixMeta, 'h'}
	formatKey = []byte{prefixMeta, 'v'}
)

func load(db iavldb.DB) (*Index, error) {
	x := &Index{db: db, counters: newCounterCache()}
	x.metrics = newMetrics(x)
	h, err := db.Get(heightKey)
	if err == nil && len(h) == 8 {
		x.height = int64(binary.BigEndian.Uint64(h))
	}
	f, ferr := db.Get(formatKey)
	if err == nil && len(f) == 8 {
		x.format = binary.BigEndian.Uint64(f)
	}
	if err = errors.Join(err, ferr); err != nil {
		_ = db.Close() // the read error is the one to report
		return nil, fmt.Errorf("read index metadata: %w", err)
	}
	return x, nil
}

func (x *Index) setFormat() error {
	if x.format == formatVersion {
		return nil
	}
	wb := x.db.NewBatch()
	defer wb.Close() //nolint:errcheck // it only releases the batch; WriteSync reports errors
	if err := wb.Set(formatKey, binary.BigEndian.AppendUint64(nil, formatVersion)); err != nil {
		return err
	}
	x.format = formatVersion
	return wb.WriteSync()
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
	e, err := decodeEntry(b)
	if err != nil {
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
