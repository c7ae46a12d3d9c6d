package message

import (
	"encoding/binary"
	"fmt"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// Keeper reads and writes this module's records. It holds no state of its
// own: every call names the KV it works on, so the same code serves block
// execution, CheckTx and queries.
type Keeper struct{}

// marshal encodes a record deterministically.
func marshal(m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil { // only possible for invalid UTF-8 in string fields, which validation excludes
		panic(fmt.Sprintf("message: encode %T: %v", m, err))
	}
	return b
}

// GetMessage returns the record of item_hash, or nil if there is none.
func (Keeper) GetMessage(kv state.KV, hash string) (*pb.MessageRecord, error) {
	b, err := kv.Get(messageKey(hash))
	if err != nil || b == nil {
		return nil, err
	}
	rec := new(pb.MessageRecord)
	if err := unmarshalRecord(b, rec); err != nil {
		return nil, fmt.Errorf("decode message record %s: %w", hash, err)
	}
	return rec, nil
}

func unmarshalRecord(b []byte, rec *pb.MessageRecord) error { return proto.Unmarshal(b, rec) }

// SaveMessage writes a record under its item_hash.
func (Keeper) SaveMessage(kv state.KV, rec *pb.MessageRecord) error {
	return kv.Set(messageKey(rec.Message.ItemHash), marshal(rec))
}

// EachRecord calls fn with every message record, in item_hash order,
// until fn returns an error.
func (Keeper) EachRecord(kv state.KV, fn func(*pb.MessageRecord) error) error {
	var fnErr error
	prefix := []byte{ModulePrefix, prefixMessage}
	err := state.IteratePrefix(kv, prefix, false, func(_, v []byte) bool {
		rec := new(pb.MessageRecord)
		if fnErr = unmarshalRecord(v, rec); fnErr != nil {
			fnErr = fmt.Errorf("decode message record: %w", fnErr)
			return false
		}
		fnErr = fn(rec)
		return fnErr == nil
	})
	if err == nil {
		err = fnErr
	}
	return err
}

// HasMessage reports whether item_hash was ever accepted.
func (Keeper) HasMessage(kv state.KV, hash string) (bool, error) {
	return kv.Has(messageKey(hash))
}

// GetAggregate returns the merged aggregate of (owner, key), or nil.
func (Keeper) GetAggregate(kv state.KV, owner, key string) (*pb.AggregateRecord, error) {
	b, err := kv.Get(aggregateKey(owner, key))
	if err != nil || b == nil {
		return nil, err
	}
	rec := new(pb.AggregateRecord)
	if err := proto.Unmarshal(b, rec); err != nil {
		return nil, fmt.Errorf("decode aggregate %s/%s: %w", owner, key, err)
	}
	return rec, nil
}

// NamedAggregate is one key of an owner's aggregates.
type NamedAggregate struct {
	Key    string
	Record *pb.AggregateRecord
}

// Aggregates returns every aggregate of owner, in key order.
func (k Keeper) Aggregates(kv state.KV, owner string) ([]NamedAggregate, error) {
	prefix := aggregateOwnerPrefix(owner)
	var out []NamedAggregate
	var decodeErr error
	err := state.IteratePrefix(kv, prefix, false, func(key, value []byte) bool {
		name, _, err := readString(key[len(prefix):])
		rec := new(pb.AggregateRecord)
		if err == nil {
			err = proto.Unmarshal(value, rec)
		}
		if err != nil {
			decodeErr = fmt.Errorf("decode aggregate key %x: %w", key, err)
			return false
		}
		out = append(out, NamedAggregate{Key: name, Record: rec})
		return true
	})
	if err == nil {
		err = decodeErr
	}
	return out, err
}

// LatestAmend returns the item_hash of the amend that currently replaces the
// content of post original, or "" if it has none.
func (Keeper) LatestAmend(kv state.KV, original string) (string, error) {
	b, err := kv.Get(postHeadKey(original))
	if err != nil || b == nil {
		return "", err
	}
	_, hash := decodeHead(b)
	return hash, nil
}

func encodeHead(timeNano int64, hash string) []byte {
	b := make([]byte, 8+len(hash))
	binary.BigEndian.PutUint64(b, uint64(timeNano))
	copy(b[8:], hash)
	return b
}

func decodeHead(b []byte) (int64, string) {
	if len(b) < 8 {
		return 0, ""
	}
	return int64(binary.BigEndian.Uint64(b)), string(b[8:])
}

// readString reads a uvarint-length-prefixed string from the front of b.
func readString(b []byte) (string, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return "", nil, fmt.Errorf("bad length prefix")
	}
	return string(b[w : w+int(n)]), b[w+int(n):], nil
}

// later reports whether (t1, h1) orders after (t2, h2): content time first,
// item_hash to break ties, so the outcome never depends on arrival order.
func later(t1 int64, h1 string, t2 int64, h2 string) bool {
	if t1 != t2 {
		return t1 > t2
	}
	return h1 > h2
}
