package state

import "encoding/binary"

// Key builds a store key from a module prefix and typed parts. Variable-length
// parts are length-prefixed so no key is a prefix of another by accident,
// integers are fixed-width big-endian so they sort numerically, and every key
// gets its own backing array: appending to a shared prefix would alias.
type Key struct{ b []byte }

// NewKey starts a key with a copy of prefix.
func NewKey(prefix ...byte) *Key {
	b := make([]byte, len(prefix), len(prefix)+64)
	copy(b, prefix)
	return &Key{b: b}
}

// String appends s with a uvarint length prefix.
func (k *Key) String(s string) *Key {
	k.b = binary.AppendUvarint(k.b, uint64(len(s)))
	k.b = append(k.b, s...)
	return k
}

// Uint64 appends v as 8 big-endian bytes.
func (k *Key) Uint64(v uint64) *Key {
	k.b = binary.BigEndian.AppendUint64(k.b, v)
	return k
}

// Bytes returns the key. The Key must not be used afterwards.
func (k *Key) Bytes() []byte { return k.b }
