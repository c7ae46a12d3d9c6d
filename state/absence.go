package state

import (
	"bytes"
	"sync"

	"github.com/bits-and-blooms/bloom/v3"
)

// absence answers "certainly not there" for keys under a prefix whose keys
// are never deleted (message records), without walking the IAVL tree: a
// new message's duplicate check is a miss, and a miss walks twenty-odd
// nodes. It holds Bloom filters of every key written under the prefix, in
// any version: a key none of them has seen is absent from the working tree
// and from every committed version. A hit, true or false, falls back to
// the tree, so the filters change only how fast an answer comes, never the
// answer.
type absence struct {
	mu      sync.RWMutex
	prefix  []byte
	filters []*bloom.BloomFilter // the last one takes new keys
	inLast  uint
}

// Each filter holds filterKeys keys at a 0.1% false-positive rate (about
// 1.8 MB); a full one is kept and a new one started.
const filterKeys = 1 << 20

func newAbsence(prefix []byte) *absence {
	return &absence{prefix: bytes.Clone(prefix), filters: []*bloom.BloomFilter{newFilter()}}
}

// newFilter makes an empty filter for filterKeys keys at a 0.1% false-positive
// rate. The rate is a float, which the state machine otherwise never uses: it
// only sizes the filter, and a hit falls back to the tree, so no answer
// depends on it.
func newFilter() *bloom.BloomFilter {
	//determinism:allow the rate only sizes a filter that never changes an answer
	return bloom.NewWithEstimates(filterKeys, 0.001)
}

func (a *absence) covers(key []byte) bool { return a != nil && bytes.HasPrefix(key, a.prefix) }

func (a *absence) add(key []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inLast == filterKeys {
		a.filters, a.inLast = append(a.filters, newFilter()), 0
	}
	a.filters[len(a.filters)-1].Add(key)
	a.inLast++
}

// absent reports whether key was certainly never written.
func (a *absence) absent(key []byte) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, f := range a.filters {
		if f.Test(key) {
			return false
		}
	}
	return true
}

// TrackAbsence makes misses under prefix cheap. Keys under it must never be
// deleted (a deleted key would only be looked up the slow way). It reads
// every key under prefix once, now; writes keep the filters current, and
// ImportVersion rebuilds them.
func (s *Store) TrackAbsence(prefix []byte) error {
	a := newAbsence(prefix)
	if err := IteratePrefix(treeKV{tree: s.tree}, prefix, false, func(k, _ []byte) bool { a.add(k); return true }); err != nil {
		return err
	}
	s.absent = a
	return nil
}
