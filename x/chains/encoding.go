package chains

import (
	"bytes"
	"crypto/sha256"
	"errors"

	"github.com/mr-tron/base58"
)

var (
	errBadLength    = errors.New("wrong length")
	errChecksum     = errors.New("checksum does not match")
	errReservedSS58 = errors.New("network prefixes 46 and 47 are reserved")
	errPrefix       = errors.New("unexpected prefix")
)

// decodeBase58Check decodes base58 with a 4-byte double-sha256 checksum
// (Bitcoin's and Tezos' base58check) and returns the payload.
func decodeBase58Check(s string) ([]byte, error) {
	raw, err := base58.Decode(s)
	if err != nil {
		return nil, err
	}
	if len(raw) < 4 {
		return nil, errBadLength
	}
	payload, sum := raw[:len(raw)-4], raw[len(raw)-4:]
	h1 := sha256.Sum256(payload)
	h2 := sha256.Sum256(h1[:])
	if !bytes.Equal(h2[:4], sum) {
		return nil, errChecksum
	}
	return payload, nil
}

// decodePrefixed decodes base58check s whose payload starts with prefix
// and holds size bytes after it.
func decodePrefixed(s string, prefix []byte, size int) ([]byte, error) {
	p, err := decodeBase58Check(s)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(p, prefix) {
		return nil, errPrefix
	}
	if len(p) != len(prefix)+size {
		return nil, errBadLength
	}
	return p[len(prefix):], nil
}

// encodeBase58Check is the inverse of decodeBase58Check for prefix||payload.
func encodeBase58Check(prefix, payload []byte) string {
	b := make([]byte, 0, len(prefix)+len(payload)+4)
	b = append(append(b, prefix...), payload...)
	h1 := sha256.Sum256(b)
	h2 := sha256.Sum256(h1[:])
	return base58.Encode(append(b, h2[:4]...))
}
