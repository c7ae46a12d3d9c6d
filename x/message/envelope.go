package message

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"unicode/utf8"

	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/internal/jsonobj"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// Message types pyaleph knows.
const (
	TypePost      = "POST"
	TypeAggregate = "AGGREGATE"
	TypeStore     = "STORE"
	TypeForget    = "FORGET"
	TypeProgram   = "PROGRAM"
	TypeInstance  = "INSTANCE"
)

var knownTypes = map[string]bool{
	TypePost: true, TypeAggregate: true, TypeStore: true,
	TypeForget: true, TypeProgram: true, TypeInstance: true,
}

// KnownType reports whether t is an Aleph message type.
func KnownType(t string) bool { return knownTypes[t] }

// FromJSON decodes an Aleph message object, keeping item_content and the
// time token exactly as sent. Members are matched by exact name; members
// clients add beyond these (size, confirmed, content...) are ignored.
func FromJSON(data []byte) (*pb.AlephMessage, error) {
	f, err := jsonobj.Decode(data)
	if err != nil {
		return nil, errs.Wrapf(ErrDecode, "message is not a JSON object: %v", err)
	}
	m := &pb.AlephMessage{}
	var content string
	for _, g := range []struct {
		name string
		v    *string
	}{{"chain", &m.Chain}, {"sender", &m.Sender}, {"type", &m.Type}, {"channel", &m.Channel},
		{"item_type", &m.ItemType}, {"item_hash", &m.ItemHash}, {"item_content", &content}, {"signature", &m.Signature}} {
		if err := f.Get(g.name, g.v); err != nil {
			return nil, errs.Wrapf(ErrDecode, "message field %s must be a string", g.name)
		}
	}
	m.ItemContent = []byte(content)
	if raw := f["time"]; len(raw) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, errs.Wrapf(ErrTime, "time is not valid JSON: %v", err)
		}
		m.Time = buf.String()
	}
	return m, nil
}

// ToJSON encodes the message in pyaleph's field order, with item_content and
// time exactly as received.
func ToJSON(m *pb.AlephMessage) []byte { return toJSON(m, true) }

// ToJSONWithoutContent is ToJSON with no item_content field: how pyaleph
// serves a forgotten message.
func ToJSONWithoutContent(m *pb.AlephMessage) []byte { return toJSON(m, false) }

func toJSON(m *pb.AlephMessage, withContent bool) []byte {
	var b bytes.Buffer
	b.Grow(256 + len(m.ItemContent)*11/10)
	field := func(name string, raw []byte, first bool) {
		if !first {
			b.WriteByte(',')
		}
		b.WriteString(`"` + name + `":`)
		b.Write(raw)
	}
	str := func(s string) []byte { out, _ := json.Marshal(s); return out }
	b.WriteByte('{')
	field("chain", str(m.Chain), true)
	field("sender", str(m.Sender), false)
	field("type", str(m.Type), false)
	field("channel", str(m.Channel), false)
	t := []byte(m.Time)
	if len(t) == 0 {
		t = []byte("null")
	}
	field("time", t, false)
	field("item_type", str(m.ItemType), false)
	field("item_hash", str(m.ItemHash), false)
	switch {
	case withContent && !Inline(m) && len(m.ItemContent) == 0:
		// Content that is not inline and not attested yet (pyaleph keeps
		// item_content null for these). Once attested, the record keeps
		// the bytes, served and exported like inline content.
		field("item_content", []byte("null"), false)
	case withContent:
		field("item_content", str(string(m.ItemContent)), false)
	}
	field("signature", str(m.Signature), false)
	b.WriteByte('}')
	return b.Bytes()
}

// ValidateEnvelope runs every stateless check of a message at a block time:
// ParseEnvelope, then CheckTime.
func ValidateEnvelope(m *pb.AlephMessage, p Params, blockTimeUnixNano int64) (*Content, error) {
	c, t, err := ParseEnvelope(m, p)
	if err != nil {
		return nil, err
	}
	return c, CheckTime(t, blockTimeUnixNano, p)
}

// CheckTime refuses a message time more than MaxFutureSeconds past block time.
func CheckTime(timeUnixNano, blockTimeUnixNano int64, p Params) error {
	if limit := blockTimeUnixNano + p.MaxFutureSeconds*1e9; timeUnixNano > limit {
		return errs.Wrapf(ErrFutureTime, "message time is %d s ahead of the chain's time; at most %d s is allowed", (timeUnixNano-blockTimeUnixNano)/1e9, p.MaxFutureSeconds)
	}
	return nil
}

// ParseEnvelope runs the checks that depend on the message alone, cheapest
// first: required fields, type, item_type, size, item hash, time syntax,
// content shape. It returns the parsed content and the message time in Unix
// nanoseconds. Being a pure function of its inputs, its result may be cached
// by transaction hash. It does not verify the signature; that costs an
// ecrecover and comes after the payment check.
func ParseEnvelope(m *pb.AlephMessage, p Params) (*Content, int64, error) {
	for _, f := range []struct{ name, value string }{
		{"chain", m.Chain}, {"sender", m.Sender}, {"type", m.Type},
		{"item_type", m.ItemType}, {"item_hash", m.ItemHash}, {"signature", m.Signature}, {"time", m.Time},
	} {
		if f.value == "" {
			return nil, 0, errs.Wrapf(ErrMissingField, "message has no %s", f.name)
		}
	}
	if !knownTypes[m.Type] {
		return nil, 0, errs.Wrapf(ErrUnknownType, "type %q is not one of POST, AGGREGATE, STORE, FORGET, PROGRAM, INSTANCE", m.Type)
	}
	if !Inline(m) {
		return parseNonInline(m)
	}
	if len(m.ItemContent) == 0 {
		return nil, 0, errs.Wrapf(ErrMissingField, "inline message has no item_content")
	}
	if !utf8.Valid(m.ItemContent) {
		return nil, 0, errs.Wrapf(ErrContent, "item_content is not valid UTF-8")
	}
	// Counted in characters, as pyaleph counts a Python string.
	if n := uint64(utf8.RuneCount(m.ItemContent)); n > p.MaxContentChars {
		return nil, 0, errs.Wrapf(ErrTooLarge, "item_content is %d characters, the limit is %d", n, p.MaxContentChars)
	}
	sum := sha256.Sum256(m.ItemContent)
	if want := hex.EncodeToString(sum[:]); m.ItemHash != want {
		return nil, 0, errs.Wrapf(ErrHashMismatch, "item_hash is %s but sha256(item_content) is %s", m.ItemHash, want)
	}
	t, err := ParseTime(m.Time)
	if err != nil {
		return nil, 0, err
	}
	c, err := ParseContent(m.Type, m.ItemContent)
	return c, t, err
}
