package index

import (
	"encoding/binary"
	"strings"

	"github.com/alephd/alephd/state"
)

// Channels lists every channel with live messages, from the kept counters.
func (x *Index) Channels() ([]string, error) {
	prefix := countKey(dimChannel, nil)
	var out []string
	it, err := x.db.Iterator(prefix, state.PrefixEnd(prefix))
	if err != nil {
		return nil, err
	}
	defer it.Close() //nolint:errcheck // it.Error() below reports a failed read
	for ; it.Valid(); it.Next() {
		if len(it.Value()) == 8 && binary.BigEndian.Uint64(it.Value()) == 0 {
			continue
		}
		n, w := binary.Uvarint(it.Key()[len(prefix):])
		if w > 0 && uint64(len(it.Key())-len(prefix)-w) >= n {
			out = append(out, string(it.Key()[len(prefix)+w:len(prefix)+w+int(n)]))
		}
	}
	return out, it.Error()
}

// MessageTypes are the types address statistics count.
var MessageTypes = []string{"POST", "AGGREGATE", "STORE", "FORGET", "PROGRAM", "INSTANCE"}

// AddressStats returns, for each address, its live messages in total and by
// type (lower-cased type names), from the kept counters.
func (x *Index) AddressStats(addrs []string) (map[string]map[string]int64, error) {
	out := map[string]map[string]int64{}
	for _, a := range addrs {
		la := lowerAddr(a)
		total, err := x.count(dimAddress, []string{la})
		if err != nil {
			return nil, err
		}
		st := map[string]int64{"messages": total}
		for _, t := range MessageTypes {
			n, err := x.count(dimAddressType, []string{la, t})
			if err != nil {
				return nil, err
			}
			st[strings.ToLower(t)] = n
		}
		out[a] = st
	}
	return out, nil
}
