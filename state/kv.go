package state

// KV is the key-value view modules read and write. Errors are storage
// failures: callers pass them up unchanged so the node halts rather than
// commit a result built on a failed read.
type KV interface {
	Get(key []byte) ([]byte, error)
	Has(key []byte) (bool, error)
	Set(key, value []byte) error
	Delete(key []byte) error
	// Iterate calls fn on each key in [start, end) — nil means unbounded —
	// ascending, or descending when reverse is set, until fn returns false.
	// fn must not write to the KV it iterates.
	Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) error
}

// PrefixEnd returns the smallest key greater than every key starting with
// prefix, to bound an iteration over that prefix. It returns nil (unbounded)
// for a prefix of only 0xff bytes.
func PrefixEnd(prefix []byte) []byte {
	end := make([]byte, len(prefix))
	copy(end, prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// IteratePrefix iterates every key that starts with prefix.
func IteratePrefix(kv KV, prefix []byte, reverse bool, fn func(key, value []byte) bool) error {
	return kv.Iterate(prefix, PrefixEnd(prefix), reverse, fn)
}
