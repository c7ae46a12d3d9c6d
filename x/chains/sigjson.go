package chains

import "github.com/alephd/alephd/internal/jsonobj"

// sigObject decodes a signature field that holds a JSON object, with
// members matched by exact name as pyaleph reads a Python dict (Go's
// struct decoding would also match "PublicKey" or "PUBLICKEY").
func sigObject(s *Signed, shape string) (jsonobj.Object, error) {
	o, err := jsonobj.Decode([]byte(s.Signature))
	if err != nil {
		return nil, errf(ErrFormat, s, "signature must be a JSON object %s: %v", shape, err)
	}
	return o, nil
}

// member returns the string member name of o, refusing a missing or
// non-string one with the signature's expected shape.
func member(s *Signed, o jsonobj.Object, name, shape string) (string, error) {
	var v string
	if !o.Has(name) {
		return "", errf(ErrFormat, s, "signature has no %q member; it must be %s", name, shape)
	}
	if err := o.Get(name, &v); err != nil {
		return "", errf(ErrFormat, s, "signature member %v; it must be %s", err, shape)
	}
	return v, nil
}
