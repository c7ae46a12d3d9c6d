package index

import (
	"encoding/binary"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/state"
)

// Key prefixes.
const (
	prefixMeta    byte = 0x00 // last indexed height
	prefixEntry   byte = 0x01 // item_hash -> Entry (JSON)
	prefixBy      byte = 0x02 // dimension, values, time, item_hash -> (empty)
	prefixCount   byte = 0x03 // dimension, values -> live messages (uint64)
	metaHeightKey      = "height"
)

// dimension is one secondary index: the filter values it is keyed by.
type dimension struct {
	id     byte
	values func(e *Entry) [][]string // one key per tuple
}

func lowerAddr(a string) string {
	if common.IsHexAddress(a) {
		return strings.ToLower(a)
	}
	return a
}

func one(v string) [][]string {
	if v == "" {
		return nil
	}
	return [][]string{{v}}
}

// addresses is the sender: pyaleph's "addresses" filter on messages
// matches the sender (posts filter content.address, the owner).
func addresses(e *Entry) []string { return []string{lowerAddr(e.Sender)} }

// Dimensions, by id. Ids are part of the on-disk format of the index; the
// index can always be rebuilt, so changing them only needs `index rebuild`.
var (
	dimAll         = dimension{1, func(*Entry) [][]string { return [][]string{{}} }}
	dimType        = dimension{2, func(e *Entry) [][]string { return one(e.Type) }}
	dimAddress     = dimension{3, func(e *Entry) [][]string { return tuples(addresses(e)) }}
	dimOwner       = dimension{4, func(e *Entry) [][]string { return one(lowerAddr(e.Owner)) }}
	dimAddressType = dimension{5, func(e *Entry) [][]string {
		var out [][]string
		for _, a := range addresses(e) {
			out = append(out, []string{a, e.Type})
		}
		return out
	}}
	dimChain       = dimension{6, func(e *Entry) [][]string { return one(e.Chain) }}
	dimChannel     = dimension{7, func(e *Entry) [][]string { return one(e.Channel) }}
	dimRef         = dimension{8, func(e *Entry) [][]string { return one(e.Ref) }}
	dimContentType = dimension{9, func(e *Entry) [][]string { return one(e.PostType) }}
	dimContentKey  = dimension{10, func(e *Entry) [][]string { return one(e.Key) }}
	dimContentHash = dimension{11, func(e *Entry) [][]string { return one(e.ContentHash) }}
	dimTag         = dimension{12, func(e *Entry) [][]string { return tuples(e.Tags) }}
)

var dimensions = []dimension{dimAll, dimType, dimAddress, dimOwner, dimAddressType, dimChain,
	dimChannel, dimRef, dimContentType, dimContentKey, dimContentHash, dimTag}

func tuples(vs []string) [][]string {
	out := make([][]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, []string{v})
	}
	return out
}

func entryKey(hash string) []byte {
	return state.NewKey(prefixEntry).String(hash).Bytes()
}

// byPrefix is the key prefix of one dimension's values.
func byPrefix(d dimension, values []string) []byte {
	k := state.NewKey(prefixBy, d.id)
	for _, v := range values {
		k.String(v)
	}
	return k.Bytes()
}

func byKey(d dimension, values []string, e *Entry) []byte {
	k := state.NewKey(prefixBy, d.id)
	for _, v := range values {
		k.String(v)
	}
	return k.Uint64(uint64(e.TimeNano)).String(e.ItemHash).Bytes()
}

func countKey(d dimension, values []string) []byte {
	k := state.NewKey(prefixCount, d.id)
	for _, v := range values {
		k.String(v)
	}
	return k.Bytes()
}

// hashFromByKey reads the item_hash at the end of a secondary key, after its
// prefix and 8-byte time.
func hashFromByKey(key []byte, prefixLen int) (int64, string, bool) {
	rest := key[prefixLen:]
	if len(rest) < 9 {
		return 0, "", false
	}
	t := int64(binary.BigEndian.Uint64(rest[:8]))
	n, w := binary.Uvarint(rest[8:])
	if w <= 0 || uint64(len(rest)-8-w) < n {
		return 0, "", false
	}
	return t, string(rest[8+w : 8+w+int(n)]), true
}
