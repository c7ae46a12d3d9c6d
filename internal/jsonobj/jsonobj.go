package jsonobj

import (
	"encoding/json"
	"errors"
)

// Object is a JSON object's members by exact name.
type Object map[string]json.RawMessage

// Decode decodes data, which must be exactly one JSON object (trailing
// data and null are refused). Duplicate names keep the last value, as
// Python does.
func Decode(data []byte) (Object, error) {
	var o Object
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, err
	}
	if o == nil {
		return nil, errors.New("null is not a JSON object")
	}
	return o, nil
}

// Has reports whether member name is present and not null.
func (o Object) Has(name string) bool {
	raw, ok := o[name]
	return ok && string(raw) != "null"
}

// Get decodes member name into v when it is present and not null, and
// leaves v alone otherwise. The error names the member.
func (o Object) Get(name string, v any) error {
	if !o.Has(name) {
		return nil
	}
	if err := json.Unmarshal(o[name], v); err != nil {
		return errors.New(name + ": " + err.Error())
	}
	return nil
}
