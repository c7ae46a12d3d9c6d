package message

import (
	"encoding/json"
	"strings"

	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/internal/jsonobj"
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

// ParseContent decodes and checks item_content for a message type.
func ParseContent(msgType string, data []byte) (*Content, error) {
	f, err := jsonobj.Decode(data)
	if err != nil {
		return nil, errs.Wrapf(ErrContent, "item_content is not one JSON object: %v", err)
	}
	var address, postType, itemType, itemHash string
	var hashes, aggregates []string
	for _, g := range []struct {
		name string
		v    any
	}{{"address", &address}, {"type", &postType}, {"item_type", &itemType}, {"item_hash", &itemHash},
		{"hashes", &hashes}, {"aggregates", &aggregates}} {
		if err := f.Get(g.name, g.v); err != nil {
			return nil, errs.Wrapf(ErrContent, "item_content of the %s shape: %v", msgType, err)
		}
	}
	if address == "" {
		return nil, errs.Wrapf(ErrContent, "item_content has no address")
	}
	c := &Content{Address: address}
	t, err := ParseTime(string(f["time"]))
	if err != nil {
		return nil, errs.Wrapf(ErrContent, "content.time: %v", err)
	}
	if t > maxContentTimeSeconds*1e9 {
		return nil, errs.Wrapf(ErrContent, "content.time is beyond %d seconds", maxContentTimeSeconds)
	}
	c.TimeNano = t

	switch msgType {
	case TypePost:
		if postType == "" {
			return nil, errs.Wrapf(ErrContent, "POST content has no type")
		}
		c.PostType = postType
		if c.Ref, err = refString(f["ref"]); err != nil {
			return nil, err
		}
		if c.PostType == AmendType && c.Ref == "" {
			return nil, errs.Wrapf(ErrContent, "an amend needs ref, the item_hash of the post it amends")
		}
	case TypeAggregate:
		if c.Key, err = parseAggregateKey(f["key"]); err != nil {
			return nil, err
		}
		obj, err := jsonobj.Decode(f["content"])
		if err != nil {
			return nil, errs.Wrapf(ErrAggregateContent, "content.content of aggregate %q must be a JSON object", c.Key)
		}
		c.Object = obj
	case TypeStore:
		if itemHash == "" {
			return nil, errs.Wrapf(ErrStoreContent, "STORE content has no item_hash naming the file")
		}
		kind := fileHashKind(itemHash)
		if kind == "" {
			return nil, errs.Wrapf(ErrStoreContent, "file hash %q is neither a sha256 (64 hex characters) nor an IPFS CID", itemHash)
		}
		if itemType != kind {
			return nil, errs.Wrapf(ErrStoreContent, "STORE item_type is %q but hash %s is a %s hash", itemType, itemHash, kind)
		}
		c.FileType, c.FileHash = kind, itemHash
	case TypeForget:
		if len(hashes) == 0 && len(aggregates) == 0 {
			return nil, errs.Wrapf(ErrForgetEmpty, "FORGET needs at least one entry in hashes or aggregates")
		}
		if len(hashes) > maxForgetTargets || len(aggregates) > maxForgetTargets {
			return nil, errs.Wrapf(ErrContent, "FORGET lists at most %d hashes and %d aggregates", maxForgetTargets, maxForgetTargets)
		}
		c.Hashes, c.Aggregates = hashes, aggregates
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
	obj, err := jsonobj.Decode(raw)
	var hash string
	if err == nil {
		err = obj.Get("item_hash", &hash)
	}
	if err != nil {
		return "", errs.Wrapf(ErrContent, "ref must be a string or an object with item_hash")
	}
	return hash, nil
}

// aggregateKey accepts a string key or aleph-message's {"name": key} form.
func parseAggregateKey(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s, nil
	}
	if obj, err := jsonobj.Decode(raw); err == nil {
		var name string
		if obj.Get("name", &name) == nil && name != "" {
			return name, nil
		}
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
