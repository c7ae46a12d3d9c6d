package index

import "encoding/binary"

// counterCache keeps the values of recently written counters, so that a
// block adds its deltas without reading each counter back from Pebble: a
// point read costs tens of microseconds once the index is large, and a
// block touches several counters per sender. Two generations of at most
// counterCacheSize entries bound its memory; only the writer uses it, and
// only values the database holds (read, or written by a committed batch)
// enter it.
type counterCache struct {
	cur, old map[string]int64
}

const counterCacheSize = 1 << 18

func newCounterCache() *counterCache {
	return &counterCache{cur: map[string]int64{}, old: map[string]int64{}}
}

func (c *counterCache) get(k string) (int64, bool) {
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	v, ok := c.old[k]
	if ok {
		c.put(k, v)
	}
	return v, ok
}

func (c *counterCache) put(k string, v int64) {
	if len(c.cur) >= counterCacheSize {
		c.old, c.cur = c.cur, make(map[string]int64, counterCacheSize)
	}
	c.cur[k] = v
}

// counter is a counter's committed value, for the writer.
func (x *Index) counter(k string) (int64, error) {
	if v, ok := x.counters.get(k); ok {
		return v, nil
	}
	b, err := x.db.Get([]byte(k))
	if err != nil {
		return 0, err
	}
	var n int64
	if len(b) == 8 {
		n = int64(binary.BigEndian.Uint64(b))
	}
	x.counters.put(k, n)
	return n, nil
}
