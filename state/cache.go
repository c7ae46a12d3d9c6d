package state

import (
	"bytes"

	"github.com/google/btree"
)

// Cache buffers writes over a parent KV. Write applies them to the parent in
// sorted key order, so the IAVL tree's shape (and so the app hash) depends
// only on what was written, never on map order; dropping a Cache discards
// everything a rejected transaction did.
//
// Its keys are also kept in a B-tree, so a range walk costs the size of the
// range, not of the whole buffer: a block-wide cache holds thousands of
// writes, and a message may walk a prefix (an aggregate's elements).
//
// It also remembers what it read from the parent, absent keys included:
// admission reads the same few keys (a payer's balance and usage, a
// channel's endorsements) for every message, and each read from the IAVL
// tree is a walk of twenty-odd nodes. The memory is only valid while
// nobody but this Cache writes to the parent, which is how caches are used:
// over an immutable snapshot, or over the working tree for one block.
type Cache struct {
	parent KV
	// nested is set when parent is itself a Cache: its reads are map
	// lookups already, so this one does not remember them (a
	// per-transaction cache would only allocate a copy of each).
	nested bool
	writes map[string][]byte // a nil value marks a delete
	keys   *btree.BTreeG[string]
	reads  map[string][]byte // parent values read; nil = absent
}

// NewCache returns an empty write buffer over parent. Its maps and key tree
// are made on first use: admission makes a cache per message (twice), and
// many only read.
func NewCache(parent KV) *Cache {
	_, nested := parent.(*Cache)
	return &Cache{parent: parent, nested: nested}
}

// keyNodes recycles B-tree nodes across caches (it is safe for concurrent
// use): a cache per message would otherwise allocate a free list each time.
var keyNodes = btree.NewFreeListG[string](1024)

func newKeyTree() *btree.BTreeG[string] {
	return btree.NewWithFreeListG(16, func(a, b string) bool { return a < b }, keyNodes)
}

func (c *Cache) put(key []byte, value []byte) { c.putString(string(key), value) }

func (c *Cache) putString(k string, value []byte) {
	if c.writes == nil {
		c.writes, c.keys = map[string][]byte{}, newKeyTree()
	}
	if _, ok := c.writes[k]; !ok {
		c.keys.ReplaceOrInsert(k)
	}
	c.writes[k] = value
}

// remember records a parent value read (or written through Write).
func (c *Cache) remember(k string, v []byte) {
	if c.reads == nil {
		c.reads = map[string][]byte{}
	}
	c.reads[k] = v
}

func (c *Cache) Get(key []byte) ([]byte, error) {
	if v, ok := c.writes[string(key)]; ok {
		return v, nil
	}
	if v, ok := c.reads[string(key)]; ok {
		return v, nil
	}
	v, err := c.parent.Get(key)
	if err == nil && !c.nested {
		c.remember(string(key), v)
	}
	return v, err
}

func (c *Cache) Has(key []byte) (bool, error) {
	v, err := c.Get(key)
	return v != nil, err
}

func (c *Cache) Set(key, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	c.put(key, bytes.Clone(value))
	return nil
}

func (c *Cache) Delete(key []byte) error {
	c.put(key, nil)
	return nil
}

// Write flushes the buffered writes to the parent in key order and empties
// the cache.
func (c *Cache) Write() error {
	for _, k := range c.sortedKeys(nil, nil, false) {
		v := c.writes[k]
		var err error
		switch {
		case c.nested: // a per-transaction cache into the block's: v is ours to hand over
			c.parent.(*Cache).putString(k, v)
		case v == nil:
			err = c.parent.Delete([]byte(k))
		default:
			err = c.parent.Set([]byte(k), v)
		}
		if err != nil {
			return err
		}
		if !c.nested {
			c.remember(k, v) // what the parent now holds
		}
	}
	if c.keys != nil {
		c.keys.Clear(true) // hand its nodes back to keyNodes
	}
	c.writes, c.keys = nil, nil
	return nil
}

// Len is the number of buffered writes.
func (c *Cache) Len() int { return len(c.writes) }

func inRange(k string, start, end []byte) bool {
	return (start == nil || k >= string(start)) && (end == nil || k < string(end))
}

func (c *Cache) sortedKeys(start, end []byte, reverse bool) []string {
	var keys []string
	collect := func(k string) bool {
		if inRange(k, start, end) {
			keys = append(keys, k)
		}
		return end == nil || k < string(end)
	}
	if c.keys == nil {
		return nil
	} else if start == nil {
		c.keys.Ascend(collect)
	} else {
		c.keys.AscendGreaterOrEqual(string(start), collect)
	}
	if reverse {
		for i, j := 0, len(keys)-1; i < j; i, j = i+1, j-1 {
			keys[i], keys[j] = keys[j], keys[i]
		}
	}
	return keys
}

// Iterate merges the buffered writes with the parent's keys.
func (c *Cache) Iterate(start, end []byte, reverse bool, fn func(k, v []byte) bool) error {
	pending := c.sortedKeys(start, end, reverse)
	before := func(a, b string) bool { // a comes before b in iteration order
		if reverse {
			return a > b
		}
		return a < b
	}
	stopped := false
	// emit sends buffered keys that come before limit (all of them when
	// limit is nil) and reports whether iteration should go on.
	emit := func(limit *string) bool {
		for len(pending) > 0 && (limit == nil || before(pending[0], *limit)) {
			k := pending[0]
			pending = pending[1:]
			if v := c.writes[k]; v != nil && !fn([]byte(k), v) {
				return false
			}
		}
		return true
	}
	err := c.parent.Iterate(start, end, reverse, func(k, v []byte) bool {
		ks := string(k)
		if !emit(&ks) {
			stopped = true
			return false
		}
		if len(pending) > 0 && pending[0] == ks {
			pending = pending[1:]
			if w := c.writes[ks]; w != nil {
				v = w
			} else {
				return true // deleted in the cache
			}
		}
		if !fn(k, v) {
			stopped = true
			return false
		}
		return true
	})
	if err != nil || stopped {
		return err
	}
	emit(nil)
	return nil
}
