package api

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"testing/iotest"
)

// TestOneValue checks the streaming check against json.Valid, reading
// the input whole and one byte at a time.
func TestOneValue(t *testing.T) {
	for _, in := range []string{
		`{"a": 1}`, ` [1, 2, {"b": [null, true, "x"]}] `, `"s"`, `0`, `-1.5e3`, `null`, "{}\n",
		``, ` `, `{`, `[1,]`, `[1 2]`, `{"a" 1}`, `{1: 2}`, `{"a": 1} {"b": 2}`, `1 2`, `1x`, `[`, `]`, `{"a": 1}}`,
		`"unterminated`, `tru`, `[1, 2`, `{"a": }`, `{,}`, `[,1]`, `{"a":1,}`, "\"\xff\"", `nul`, `01`,
	} {
		want := json.Valid([]byte(in))
		for _, r := range []io.Reader{bytes.NewReader([]byte(in)), iotest.OneByteReader(bytes.NewReader([]byte(in)))} {
			j := newJSONCheck(r)
			_, err := io.Copy(io.Discard, j)
			if verr := j.verdict(); err == nil {
				err = verr
			}
			if got := err == nil; got != want {
				t.Errorf("%q: valid %v, want %v (%v)", in, got, want, err)
			}
		}
	}
}
