package message

import (
	"encoding/json"
	"errors"
)

// fields is a JSON object's members by their exact names. Aleph clients and
// pyaleph read JSON with Python, where "address" and "Address" are different
// keys; Go's struct decoding would match either, so a message could say one
// thing to pyaleph and another to alephd. Reading members by exact name
// closes that gap.
type fields map[string]json.RawMessage

// decodeObject decodes data, which must be exactly one JSON object.
// Duplicate names keep the last value, as Python does.
func decodeObject(data []byte) (fields, error) {
	var f fields
	if err := json.Unmarshal(data, &f); err != nil { // rejects trailing data too
		return nil, err
	}
	if f == nil {
		return nil, errors.New("null is not a JSON object")
	}
	return f, nil
}

// DecodeObject decodes data, which must be one JSON object, into its
// members by exact name, as Python (and pyaleph) reads them: encoding/json
// matches struct fields case-insensitively, so {"channel": "A", "CHANNEL":
// "B"} would read as B there. Duplicate names keep the last value.
func DecodeObject(data []byte) (map[string]json.RawMessage, error) { return decodeObject(data) }

// has reports whether name is present and not null.
func (f fields) has(name string) bool {
	raw, ok := f[name]
	return ok && string(raw) != "null"
}

// get decodes member name into v when present and not null.
func (f fields) get(name string, v any) error {
	if !f.has(name) {
		return nil
	}
	if err := json.Unmarshal(f[name], v); err != nil {
		return errors.New(name + ": " + err.Error())
	}
	return nil
}
