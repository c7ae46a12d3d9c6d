package index

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"sort"
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
// type (lower-cased type names), from the kept counters: the total and one
// scan of the address's per-type counters, which are adjacent.
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
			st[strings.ToLower(t)] = 0
		}
		if total > 0 {
			if err := x.typeCounts(la, st); err != nil {
				return nil, err
			}
		}
		out[a] = st
	}
	return out, nil
}

// typeCounts reads an address's per-type counters into st.
func (x *Index) typeCounts(addr string, st map[string]int64) error {
	prefix := countKey(dimAddressType, []string{addr})
	it, err := x.db.Iterator(prefix, state.PrefixEnd(prefix))
	if err != nil {
		return err
	}
	for ; it.Valid(); it.Next() {
		r := state.ReadKey(it.Key(), len(prefix))
		t := strings.ToLower(r.String())
		if _, known := st[t]; known && r.Err() == nil && len(it.Value()) == 8 {
			st[t] = int64(binary.BigEndian.Uint64(it.Value()))
		}
	}
	return joinErr(it.Error(), it.Close())
}

// countedValues lists the last values of counters under prefix (a
// dimension and the values before the last) whose count is not zero, in
// key order.
func (x *Index) countedValues(prefix []byte) ([]string, error) {
	out := []string{}
	it, err := x.db.Iterator(prefix, state.PrefixEnd(prefix))
	if err != nil {
		return nil, err
	}
	defer it.Close() //nolint:errcheck // it.Error() below reports a failed read
	for ; it.Valid(); it.Next() {
		if len(it.Value()) == 8 && binary.BigEndian.Uint64(it.Value()) == 0 {
			continue
		}
		r := state.ReadKey(it.Key(), len(prefix))
		if v := r.String(); r.Err() == nil {
			out = append(out, v)
		}
	}
	return out, it.Error()
}

// AddressPostTypes lists the post types of an address's live POSTs (sent
// by it, amends included), sorted, as pyaleph's post_types.
func (x *Index) AddressPostTypes(addr string) ([]string, error) {
	out, err := x.countedValues(countKey(dimSenderPostType, []string{lowerAddr(addr)}))
	sort.Strings(out)
	return out, err
}

// AddressChannels lists the channels of an address's live messages, sorted.
func (x *Index) AddressChannels(addr string) ([]string, error) {
	out, err := x.countedValues(countKey(dimSenderChannel, []string{lowerAddr(addr)}))
	sort.Strings(out)
	return out, err
}

// RankQuery selects addresses by their live messages, as pyaleph's v1
// address stats.
type RankQuery struct {
	// SortBy is "" (the total) or a type of MessageTypes.
	SortBy    string
	Ascending bool
	// Contains keeps addresses containing it, case-insensitively: the
	// listing then reads every address up to the page's end.
	Contains      string
	Offset, Limit int
	// After resumes after a cursor from RankPage.Next.
	After string
	Total bool
}

// RankPage is one page of ranked addresses, each as last sent.
type RankPage struct {
	Addresses []string
	Total     int64
	Next      string
}

// Ranked lists addresses by a message count, largest first unless
// ascending (ties by address: ascending when largest first, descending
// otherwise).
func (x *Index) Ranked(q RankQuery) (RankPage, error) {
	var page RankPage
	var sortID byte
	if q.SortBy != "" {
		var ok bool
		if sortID, ok = rankSort(q.SortBy); !ok {
			return page, fmt.Errorf("unknown message type %q", q.SortBy)
		}
	}
	var after []byte
	if q.After != "" {
		var err error
		if after, err = base64.RawURLEncoding.DecodeString(q.After); err != nil || len(after) < 9 || len(after) > 300 {
			return page, fmt.Errorf("cursor %q is not one this node gave", q.After)
		}
		q.Offset = 0
	}
	contains := strings.ToLower(q.Contains)
	prefix := []byte{prefixRank, sortID}
	matched, skipped := int64(0), 0
	var last []byte
	err := x.mergeKeys([][]byte{prefix}, !q.Ascending, after, func(suffix, value []byte) (bool, error) {
		r := state.ReadKey(suffix, 8)
		addr := r.String()
		if r.Err() != nil {
			return false, fmt.Errorf("%w: address rank key %x", errCorrupt, suffix)
		}
		// Case-insensitive, as pyaleph's ilike: the key keeps base58 and
		// bech32 addresses in their exact case.
		if contains != "" && !strings.Contains(strings.ToLower(addr), contains) {
			return true, nil
		}
		matched++
		if skipped < q.Offset {
			skipped++
			return true, nil
		}
		if len(page.Addresses) < q.Limit {
			page.Addresses = append(page.Addresses, string(value))
			last = suffix
		}
		return (q.Total && contains != "") || len(page.Addresses) < q.Limit, nil
	})
	if err != nil {
		return page, err
	}
	if len(page.Addresses) == q.Limit && last != nil {
		page.Next = base64.RawURLEncoding.EncodeToString(last)
	}
	if q.Total {
		if contains != "" {
			page.Total = matched
		} else {
			page.Total, err = x.count(dimAddresses, nil)
		}
	}
	return page, err
}
