package pebbledb

import (
	"errors"
	"fmt"
	"log"
	"path/filepath"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
	iavldb "github.com/cosmos/iavl/db"
)

// DB is a Pebble database. Writes go through batches; Get and iterators read
// the latest committed state.
type DB struct{ db *pebble.DB }

var _ iavldb.DB = (*DB)(nil)

// options are shared by both databases:
//   - 64 MB memtables: a flush then covers a dozen blocks at full load, so
//     L0 holds fewer, larger files and each key is rewritten fewer times on
//     its way down;
//   - L0 compacts at 8 files and stalls writes only at 32, riding out a
//     burst instead of compacting in the middle of it;
//   - a 512 MB base level, so databases of a few GB keep few levels;
//   - Bloom filters (10 bits a key) on every level: a Get of an absent key
//     (index counters, a new IAVL node's neighbours) skips the files that
//     cannot hold it.
//
// Memory: at most two memtables per database, so 256 MB for the two.
func options() *pebble.Options {
	o := &pebble.Options{
		MemTableSize:          64 << 20,
		L0CompactionThreshold: 8,
		L0StopWritesThreshold: 32,
		LBaseMaxBytes:         512 << 20,
		// Two cores is the smallest machine we run on: one compaction may
		// use the second while the node uses the first.
		MaxConcurrentCompactions: func() int { return 2 },
		Logger:                   quietLogger{},
	}
	o.EnsureDefaults()
	for i := range o.Levels {
		o.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		o.Levels[i].TargetFileSize = 8 << 20
	}
	return o
}

// Open opens (or creates) the database NAME.db in dir. Databases created by
// cosmos-db's Pebble backend open unchanged: same file format, same
// comparer.
func Open(dir, name string) (*DB, error) {
	path := filepath.Join(dir, name+".db")
	db, err := pebble.Open(path, options())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &DB{db: db}, nil
}

// quietLogger drops Pebble's informational lines (WAL replays on every open,
// compactions), which would land among the node's own logs; a fatal error
// still stops the process with its message, as Pebble's default does.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}

func (quietLogger) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }

var errEmptyKey = errors.New("pebbledb: empty key")

// Get returns a copy of key's value, or nil if it is absent.
func (d *DB) Get(key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, errEmptyKey
	}
	v, closer, err := d.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer closer.Close() //nolint:errcheck // it releases the value's memory; the copy below is what we keep
	return append([]byte{}, v...), nil
}

// Has reports whether key is present.
func (d *DB) Has(key []byte) (bool, error) {
	v, err := d.Get(key)
	return v != nil, err
}

// Iterator walks [start, end) in ascending order; nil bounds are open.
func (d *DB) Iterator(start, end []byte) (iavldb.Iterator, error) {
	return d.iterator(start, end, false)
}

// ReverseIterator walks [start, end) in descending order.
func (d *DB) ReverseIterator(start, end []byte) (iavldb.Iterator, error) {
	return d.iterator(start, end, true)
}

func (d *DB) iterator(start, end []byte, reverse bool) (iavldb.Iterator, error) {
	if (start != nil && len(start) == 0) || (end != nil && len(end) == 0) {
		return nil, errEmptyKey
	}
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: start, UpperBound: end})
	if err != nil {
		return nil, err
	}
	if reverse {
		it.Last()
	} else {
		it.First()
	}
	return &iterator{it: it, start: start, end: end, reverse: reverse}, nil
}

// Close flushes nothing (every batch wrote its WAL record) and releases the
// database.
func (d *DB) Close() error { return d.db.Close() }

// NewBatch starts an atomic group of writes.
func (d *DB) NewBatch() iavldb.Batch { return &batch{b: d.db.NewBatch()} }

// NewBatchWithSize is NewBatch; Pebble grows batches itself.
func (d *DB) NewBatchWithSize(int) iavldb.Batch { return d.NewBatch() }

// Metrics exposes Pebble's own counters (compactions, levels, memtables).
func (d *DB) Metrics() *pebble.Metrics { return d.db.Metrics() }

var errBatchDone = errors.New("pebbledb: batch already written or closed")

type batch struct{ b *pebble.Batch }

func (b *batch) Set(key, value []byte) error {
	if b.b == nil {
		return errBatchDone
	}
	if len(key) == 0 {
		return errEmptyKey
	}
	return b.b.Set(key, value, nil)
}

func (b *batch) Delete(key []byte) error {
	if b.b == nil {
		return errBatchDone
	}
	if len(key) == 0 {
		return errEmptyKey
	}
	return b.b.Delete(key, nil)
}

func (b *batch) Write() error     { return b.commit(pebble.NoSync) }
func (b *batch) WriteSync() error { return b.commit(pebble.Sync) }

func (b *batch) commit(opts *pebble.WriteOptions) error {
	if b.b == nil {
		return errBatchDone
	}
	err := b.b.Commit(opts)
	_ = b.Close() // only releases the batch, and returns nil
	return err
}

func (b *batch) Close() error {
	if b.b != nil {
		_ = b.b.Close() // pebble's batch Close only releases it, and returns nil
		b.b = nil
	}
	return nil
}

func (b *batch) GetByteSize() (int, error) {
	if b.b == nil {
		return 0, errBatchDone
	}
	return b.b.Len(), nil
}

// iterator adapts a Pebble iterator to iavl's: positioned on creation,
// Valid until it runs off its domain.
type iterator struct {
	it         *pebble.Iterator
	start, end []byte
	reverse    bool
}

func (i *iterator) Domain() ([]byte, []byte) { return i.start, i.end }
func (i *iterator) Valid() bool              { return i.it.Valid() }
func (i *iterator) Error() error             { return i.it.Error() }
func (i *iterator) Close() error             { return i.it.Close() }

func (i *iterator) Next() {
	if !i.it.Valid() {
		panic("pebbledb: Next on an exhausted iterator")
	}
	if i.reverse {
		i.it.Prev()
	} else {
		i.it.Next()
	}
}

// Key and Value return copies: Pebble reuses its buffers on the next move,
// and callers (IAVL among them) keep what they read.
func (i *iterator) Key() []byte {
	if !i.it.Valid() {
		panic("pebbledb: Key on an exhausted iterator")
	}
	return append([]byte{}, i.it.Key()...)
}

func (i *iterator) Value() []byte {
	if !i.it.Valid() {
		panic("pebbledb: Value on an exhausted iterator")
	}
	return append([]byte{}, i.it.Value()...)
}
