package state

import (
	"errors"
	"fmt"

	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/alephd/alephd/internal/pebbledb"
)

// cacheNodes is the number of IAVL nodes kept in memory; about 100 bytes
// each, so ~50 MB, enough to keep the upper levels of a large tree hot.
const cacheNodes = 500_000

// Store is the versioned application state. It is not safe for concurrent
// use: the ABCI adapter serializes every call.
type Store struct {
	db     iavldb.DB
	tree   *iavl.MutableTree
	absent *absence // nil unless TrackAbsence
}

// Open opens (or creates) the state database in dir and loads its latest
// version. Commits are synced to disk before Commit returns.
func Open(dir string) (*Store, error) {
	db, err := pebbledb.Open(dir, "state")
	if err != nil {
		return nil, fmt.Errorf("open state db in %s: %w", dir, err)
	}
	return load(db, cacheNodes)
}

// OpenMemory opens an empty state held in memory, for tests and simulation.
func OpenMemory() (*Store, error) {
	return load(iavldb.NewMemDB(), memCacheNodes)
}

// memCacheNodes sizes the node cache of in-memory stores, whose nodes are
// in memory anyway; a large cache only costs set-up time.
const memCacheNodes = 10_000

func load(db iavldb.DB, cacheSize int) (*Store, error) {
	// skipFastStorageUpgrade: no fast-node index. A miss (every new
	// message's duplicate check) would go to Pebble; the tree walk hits the
	// node cache instead.
	tree := iavl.NewMutableTree(db, cacheSize, true, iavl.NewNopLogger(), iavl.SyncOption(true))
	if _, err := tree.Load(); err != nil {
		_ = db.Close() // the load error is the one to report
		return nil, fmt.Errorf("load state tree: %w", err)
	}
	return &Store{db: db, tree: tree}, nil
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// Version is the last committed version (block height); 0 before the first commit.
func (s *Store) Version() int64 { return s.tree.Version() }

// Hash is the root hash of the last committed version.
func (s *Store) Hash() []byte { return s.tree.Hash() }

// WorkingHash is the root hash including uncommitted writes.
func (s *Store) WorkingHash() []byte { return s.tree.WorkingHash() }

// SetInitialVersion makes the first commit save this version, for chains
// whose genesis starts above height 1 (an export restarted).
func (s *Store) SetInitialVersion(v int64) { s.tree.SetInitialVersion(uint64(v)) }

// Commit saves the working tree as a new version and returns its hash.
func (s *Store) Commit() ([]byte, int64, error) {
	hash, v, err := s.tree.SaveVersion()
	if err != nil {
		return nil, 0, fmt.Errorf("save state version: %w", err)
	}
	return hash, v, nil
}

// Rollback drops every uncommitted write.
func (s *Store) Rollback() { s.tree.Rollback() }

// Prune deletes versions up to and including v, keeping later ones.
func (s *Store) Prune(v int64) error {
	if v <= 0 {
		return nil
	}
	if err := s.tree.DeleteVersionsTo(v); err != nil {
		return fmt.Errorf("prune state to %d: %w", v, err)
	}
	return nil
}

// Working returns the KV over the uncommitted working tree.
func (s *Store) Working() KV { return treeKV{s.tree, s.absent} }

// At returns a read-only view of committed version v (0 = latest).
func (s *Store) At(v int64) (*Snapshot, error) {
	if v == 0 {
		v = s.tree.Version()
	}
	t, err := s.tree.GetImmutable(v)
	if err != nil {
		return nil, fmt.Errorf("state version %d: %w", v, err)
	}
	return &Snapshot{tree: t, absent: s.absent}, nil
}

// Snapshot is a read-only committed version of the state.
type Snapshot struct {
	tree   *iavl.ImmutableTree
	absent *absence
}

// ErrReadOnly is returned by writes to a Snapshot.
var ErrReadOnly = errors.New("state snapshot is read-only")

func (s *Snapshot) Version() int64 { return s.tree.Version() }
func (s *Snapshot) Hash() []byte   { return s.tree.Hash() }
func (s *Snapshot) Get(key []byte) ([]byte, error) {
	if s.absent.covers(key) && s.absent.absent(key) {
		return nil, nil
	}
	return s.tree.Get(key)
}
func (s *Snapshot) Has(key []byte) (bool, error) {
	v, err := s.Get(key)
	return v != nil, err
}
func (s *Snapshot) Set(key, value []byte) error { return ErrReadOnly }
func (s *Snapshot) Delete(key []byte) error     { return ErrReadOnly }
func (s *Snapshot) Iterate(start, end []byte, reverse bool, fn func(k, v []byte) bool) error {
	it, err := s.tree.Iterator(start, end, !reverse)
	if err != nil {
		return err
	}
	return drain(it, fn)
}

// Proof returns an ICS-23 proof that key holds its value in this version, or
// that it is absent.
func (s *Snapshot) Proof(key []byte) (*ics23.CommitmentProof, error) {
	return s.tree.GetProof(key)
}

type treeKV struct {
	tree   *iavl.MutableTree
	absent *absence
}

func (t treeKV) Get(key []byte) ([]byte, error) {
	if t.absent.covers(key) && t.absent.absent(key) {
		return nil, nil
	}
	return t.tree.Get(key)
}
func (t treeKV) Has(key []byte) (bool, error) {
	v, err := t.tree.Get(key)
	return v != nil, err
}
func (t treeKV) Set(key, value []byte) error {
	if t.absent.covers(key) { // before the write: a reader never misses a key that is there
		t.absent.add(key)
	}
	_, err := t.tree.Set(key, value)
	return err
}
func (t treeKV) Delete(key []byte) error {
	_, _, err := t.tree.Remove(key)
	return err
}
func (t treeKV) Iterate(start, end []byte, reverse bool, fn func(k, v []byte) bool) error {
	it, err := t.tree.Iterator(start, end, !reverse)
	if err != nil {
		return err
	}
	return drain(it, fn)
}

type iterator interface {
	Valid() bool
	Next()
	Key() []byte
	Value() []byte
	Error() error
	Close() error
}

func drain(it iterator, fn func(k, v []byte) bool) (err error) {
	defer func() {
		if cerr := it.Close(); err == nil {
			err = cerr // never swallow a storage error (STYLE 4)
		}
	}()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			break
		}
	}
	return it.Error()
}
