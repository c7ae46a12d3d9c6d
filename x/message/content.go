package message

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/alephd/alephd/errs"
)

// maxContentTimeSeconds bounds content.time as aleph-message does
// (BaseContent.time le=9_223_372_036), so it fits in int64 nanoseconds.
const maxContentTimeSeconds = 9_223_372_036

// maxForgetTargets caps each FORGET list, as aleph-message does.
const maxForgetTargets = 1000

// Content is the parsed item_content of a message: the fields every type
// has, plus those of its own type.
type Content struct {
	Address  string
	TimeNano int64

	// POST
	PostType string
	Ref      string

	// AGGREGATE
	Key    string
	Object map[string]json.RawMessage

	// STORE
	FileType string
	FileHash string

	// FORGET
	Hashes     []string
	Aggregates []string
}

// rawContent is the union of the fields alephd reads; others are kept in
// item_content untouched.
type rawContent struct {
	Address    *string         `json:"address"`
	Time       json.RawMessage `json:"time"`
	Type       *string         `json:"type"`
	Ref        json.RawMessage `json:"ref"`
	Key        json.RawMessage `json:"key"`
	Content    json.RawMessage `json:"content"`
	ItemType   string          `json:"item_type"`
	ItemHash   string          `json:"item_hash"`
	Hashes     []string        `json:"hashes"`
	Aggregates []string        `json:"aggregates"`
}

// ParseContent decodes and checks item_content for a message type.
func ParseContent(msgType string, data []byte) (*Content, error) {
	var r rawContent
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, errs.Wrapf(ErrContent, "item_content is not a JSON object of the %s shape: %v", msgType, err)
	}
	if dec.More() {
		return nil, errs.Wrapf(ErrContent, "item_content has data after its JSON object")
	}
	if r.Address == nil || *r.Address == "" {
		return nil, errs.Wrapf(ErrContent, "item_content has no address")
	}
	c := &Content{Address: *r.Address}
	t, err := ParseTime(string(r.Time))
	if err != nil {
		return nil, errs.Wrapf(ErrContent, "content.time: %v", err)
	}
	if t > maxContentTimeSeconds*1e9 {
		return nil, errs.Wrapf(ErrContent, "content.time is beyond %d seconds", maxContentTimeSeconds)
	}
	c.TimeNano = t

	switch msgType {
	case TypePost:
		if r.Type == nil || *r.Type == "" {
			return nil, errs.Wrapf(ErrContent, "POST content has no type")
		}
		c.PostType = *r.Type
		if c.Ref, err = refString(r.Ref); err != nil {
			return nil, err
		}
		if c.PostType == "amend" && c.Ref == "" {
			return nil, errs.Wrapf(ErrContent, "an amend needs ref, the item_hash of the post it amends")
		}
	case TypeAggregate:
		if c.Key, err = parseAggregateKey(r.Key); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(r.Content, &c.Object); err != nil || c.Object == nil {
			return nil, errs.Wrapf(ErrAggregateContent, "content.content of aggregate %q must be a JSON object", c.Key)
		}
	case TypeStore:
		if r.ItemHash == "" {
			return nil, errs.Wrapf(ErrStoreContent, "STORE content has no item_hash naming the file")
		}
		kind := fileHashKind(r.ItemHash)
		if kind == "" {
			return nil, errs.Wrapf(ErrStoreContent, "file hash %q is neither a sha256 (64 hex characters) nor an IPFS CID", r.ItemHash)
		}
		if r.ItemType != kind {
			return nil, errs.Wrapf(ErrStoreContent, "STORE item_type is %q but hash %s is a %s hash", r.ItemType, r.ItemHash, kind)
		}
		c.FileType, c.FileHash = kind, r.ItemHash
	case TypeForget:
		if len(r.Hashes) == 0 && len(r.Aggregates) == 0 {
			return nil, errs.Wrapf(ErrForgetEmpty, "FORGET needs at least one entry in hashes or aggregates")
		}
		if len(r.Hashes) > maxForgetTargets || len(r.Aggregates) > maxForgetTargets {
			return nil, errs.Wrapf(ErrContent, "FORGET lists at most %d hashes and %d aggregates", maxForgetTargets, maxForgetTargets)
		}
		c.Hashes, c.Aggregates = r.Hashes, r.Aggregates
	}
	return c, nil
}

// refString accepts ref as a string or as a ChainRef object, whose item_hash
// is what it points at.
func refString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var obj struct {
		ItemHash string `json:"item_hash"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", errs.Wrapf(ErrContent, "ref must be a string or an object with item_hash")
	}
	return obj.ItemHash, nil
}

// aggregateKey accepts a string key or aleph-message's {"name": key} form.
func parseAggregateKey(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s, nil
	}
	var obj struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Name != "" {
		return obj.Name, nil
	}
	return "", errs.Wrapf(ErrContent, "AGGREGATE content needs key, a non-empty string")
}

// fileHashKind tells a sha256 hex digest ("storage") from a CID ("ipfs"), as
// pyaleph's item_type_from_hash does.
func fileHashKind(h string) string {
	switch {
	case len(h) == 64 && strings.Trim(h, "0123456789abcdef") == "":
		return "storage"
	case strings.HasPrefix(h, "Qm") && len(h) >= 44 && len(h) <= 46:
		return "ipfs"
	case strings.HasPrefix(h, "bafy") || strings.HasPrefix(h, "bafk"):
		return "ipfs"
	}
	return ""
}
