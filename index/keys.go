package index

import (
	"encoding/binary"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/chains"
)

// Key prefixes.
const (
	prefixMeta  byte = 0x00 // last indexed height, format version
	prefixEntry byte = 0x01 // item_hash -> IndexEntry protobuf
	prefixBy    byte = 0x02 // dimension, values, time, item_hash -> (empty)
	prefixCount byte = 0x03 // dimension, values -> live messages (uint64)
	prefixLive  byte = 0x04 // height, item_hash -> (empty): made live by a later block (an attested STORE)
)

// dimension is one secondary index: the filter values it is keyed by.
type dimension struct {
	id     byte
	values func(e *Entry) [][]string // one key per tuple
	// order, if set, is the sort value in keys instead of the message time.
	order func(e *Entry) int64
	// all dimensions list every entry, forgotten and rejected included;
	// the others list live messages only.
	all bool
}

// sortValue is what the dimension's keys are ordered by.
func (d dimension) sortValue(e *Entry) int64 {
	if d.order != nil {
		return d.order(e)
	}
	return e.TimeNano
}

// blockOrder orders by (height, tx index): pyaleph's "tx-time".
func blockOrder(e *Entry) int64 { return e.Height<<24 | int64(e.TxIndex) }

func lowerAddr(a string) string { return chains.NormalizeAddress(a) }

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
	everything     = func(*Entry) [][]string { return [][]string{{}} }
	dimAll         = dimension{id: 1, values: everything, all: true}
	dimType        = dimension{id: 2, values: func(e *Entry) [][]string { return one(e.Type) }}
	dimAddress     = dimension{id: 3, values: func(e *Entry) [][]string { return tuples(addresses(e)) }}
	dimOwner       = dimension{id: 4, values: func(e *Entry) [][]string { return one(lowerAddr(e.Owner)) }}
	dimAddressType = dimension{id: 5, values: func(e *Entry) [][]string {
		var out [][]string
		for _, a := range addresses(e) {
			out = append(out, []string{a, e.Type})
		}
		return out
	}}
	dimChain       = dimension{id: 6, values: func(e *Entry) [][]string { return one(e.Chain) }}
	dimChannel     = dimension{id: 7, values: func(e *Entry) [][]string { return one(e.Channel) }}
	dimRef         = dimension{id: 8, values: func(e *Entry) [][]string { return one(e.Ref) }}
	dimContentType = dimension{id: 9, values: func(e *Entry) [][]string { return one(e.PostType) }}
	dimContentKey  = dimension{id: 10, values: func(e *Entry) [][]string { return one(e.Key) }}
	dimContentHash = dimension{id: 11, values: func(e *Entry) [][]string { return one(e.ContentHash) }}
	dimTag         = dimension{id: 12, values: func(e *Entry) [][]string { return tuples(e.Tags) }}
	dimBlockOrder  = dimension{id: 13, values: everything, order: blockOrder, all: true}
	// dimStatus lists forgotten and rejected messages by status; live ones
	// are in every other dimension.
	dimStatus = dimension{id: 14, values: func(e *Entry) [][]string {
		if e.Status == StatusProcessed {
			return nil
		}
		return one(e.Status)
	}, all: true}
)

var dimensions = []dimension{dimAll, dimType, dimAddress, dimOwner, dimAddressType, dimChain,
	dimChannel, dimRef, dimContentType, dimContentKey, dimContentHash, dimTag, dimBlockOrder, dimStatus}

func tuples(vs []string) [][]string {
	out := make([][]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, []string{v})
	}
	return out
}

// liveKey records that block height made hash live after its own block.
func liveKey(height int64, hash string) []byte {
	return state.NewKey(prefixLive).Uint64(uint64(height)).String(hash).Bytes()
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
	return k.Uint64(uint64(d.sortValue(e))).String(e.ItemHash).Bytes()
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
