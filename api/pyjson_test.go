package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// pyalephVectors are add_json bodies and what pyaleph stores for them,
// from testdata/pyaleph_dumps.py (pyaleph's add_json serialization) run
// with orjson 3.8.3.
var pyalephVectors = []struct{ in, out string }{
	{`{"b": 1, "a": {"d": [1, 2], "c": null}}`, `{"a":{"c":null,"d":[1,2]},"b":1}`},
	{`[1.0, 1e16, 1e15, 1.5e-7, 0.0001, 0.00001, 1e-6, -0.0, 1E400, -1e400, 0.1, 2.5e+300, 5e-324, 1.7976931348623157e308]`,
		`[1.0,1e16,1000000000000000.0,1.5e-7,0.0001,0.00001,1e-6,-0.0,null,null,0.1,2.5e300,5e-324,1.7976931348623157e308]`},
	{`{"a":-0,"c":18446744073709551615,"d":-9223372036854775808,"g":"tab\t/\u00e9\ud83d\ude00\u007f\u0001\u001f"}`,
		"{\"a\":0,\"c\":18446744073709551615,\"d\":-9223372036854775808,\"g\":\"tab\\t/é😀\x7f\\u0001\\u001f\"}"},
	// An integer past 64 bits: orjson refuses, json.dumps writes it.
	{`{"b": 1, "a": [1.0, 1e16, 1.5e-7, 1e-5, 1E400, 123456789012345678901234567890, "\u00e9\ud83d\ude00\u007f"]}`,
		`{"a": [1.0, 1e+16, 1.5e-07, 1e-05, Infinity, 123456789012345678901234567890, "\u00e9\ud83d\ude00\u007f"], "b": 1}`},
	{`"s"`, `"s"`}, {` 12 `, `12`}, {`true`, `true`}, {`{"k": 1, "k": 2}`, `{"k":2}`},
	{`{"é": 1, "e": 2, "z": 3, "Z": 4}`, `{"Z":4,"e":2,"z":3,"é":1}`},
}

// TestPyalephJSON: add_json stores what pyaleph stores, byte for byte.
func TestPyalephJSON(t *testing.T) {
	for _, v := range pyalephVectors {
		got, err := pyalephJSON([]byte(v.in))
		if err != nil || string(got) != v.out {
			t.Errorf("%s:\n got %s (%v)\nwant %s", v.in, got, err, v.out)
		}
	}
}

// TestPyalephJSONAgainstPython runs pyaleph's serialization itself, where
// python3 has orjson, over the vectors and more bodies.
func TestPyalephJSONAgainstPython(t *testing.T) {
	if exec.Command("python3", "-c", "import orjson").Run() != nil {
		t.Skip("python3 with orjson is not installed")
	}
	bodies := []string{
		`{"x": [0.5, 3.14159, 1e21, 1e-7, 123456.789, 9007199254740993, -1.25e-10, 100.0, 1e22]}`,
		`{"nested": {"b": {"d": 1, "c": [{"z": 0, "y": -1}]}, "a": ""}, "num": 4.35, "big": 1e100}`,
		`[9223372036854775807, -9223372036854775809]`, `[0.000001234, 12345678901234567.0, 1.0e0]`,
		`{"emoji": "\ud83d\ude00 ok", "ctl": "\u0000\b\f\n\r\t", "quote": "\"\\"}`,
	}
	for _, v := range pyalephVectors {
		bodies = append(bodies, v.in)
	}
	for _, b := range bodies {
		cmd := exec.Command("python3", "testdata/pyaleph_dumps.py")
		cmd.Stdin = strings.NewReader(b)
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("python on %s: %v", b, err)
		}
		got, err := pyalephJSON([]byte(b))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s (%v)\nwant %s", b, got, err, want)
		}
	}
}

// TestPyalephJSONRefuses: a body that is not one JSON value, or not
// UTF-8, is refused (422), as pyaleph's json.loads refuses it.
func TestPyalephJSONRefuses(t *testing.T) {
	for _, in := range []string{``, ` `, `{`, `[1,]`, `[1 2]`, `{"a" 1}`, `{1: 2}`, `{"a": 1} {"b": 2}`, `1 2`, `1x`,
		`]`, `{"a": 1}}`, `"unterminated`, `tru`, `{"a":1,}`, "\"\xff\"", `nul`, `01`} {
		var nj *notJSON
		if _, err := pyalephJSON([]byte(in)); !errors.As(err, &nj) {
			t.Errorf("%q: %v, want a refusal", in, err)
		}
	}
}

// FuzzPyalephJSON: no body panics the serializer; what it accepts it
// writes as valid JSON, and writing that again changes nothing.
func FuzzPyalephJSON(f *testing.F) {
	for _, v := range pyalephVectors {
		f.Add([]byte(v.in))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := pyalephJSON(body)
		if err != nil {
			return
		}
		if !json.Valid(out) && !bytes.Contains(out, []byte("Infinity")) && !bytes.Contains(out, []byte("NaN")) {
			t.Fatalf("%q wrote invalid JSON %q", body, out)
		}
		if again, err := pyalephJSON(out); err == nil && !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", body, out, again)
		}
	})
}
