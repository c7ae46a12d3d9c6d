package state

import (
	"encoding/binary"
	"errors"
)

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

// Uint32 appends v as 4 big-endian bytes.
func (k *Key) Uint32(v uint32) *Key {
	k.b = binary.BigEndian.AppendUint32(k.b, v)
	return k
}

// KeyReader reads back the parts of a key built with Key, in order. The
// first malformed part makes every later read fail; Err reports it.
type KeyReader struct {
	b   []byte
	err error
}

// ReadKey starts reading key after skip bytes (the prefix).
func ReadKey(key []byte, skip int) *KeyReader {
	if skip > len(key) {
		return &KeyReader{err: errShortKey}
	}
	return &KeyReader{b: key[skip:]}
}

var errShortKey = errors.New("state: key too short for its layout")

// String reads a length-prefixed string.
func (r *KeyReader) String() string {
	if r.err != nil {
		return ""
	}
	n, w := binary.Uvarint(r.b)
	if w <= 0 || uint64(len(r.b)-w) < n {
		r.err = errShortKey
		return ""
	}
	s := string(r.b[w : w+int(n)])
	r.b = r.b[w+int(n):]
	return s
}

// Uint64 reads 8 big-endian bytes.
func (r *KeyReader) Uint64() uint64 {
	if r.err != nil || len(r.b) < 8 {
		r.err = errShortKey
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// Uint32 reads 4 big-endian bytes.
func (r *KeyReader) Uint32() uint32 {
	if r.err != nil || len(r.b) < 4 {
		r.err = errShortKey
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

// Err is the first error met, if any.
func (r *KeyReader) Err() error { return r.err }
