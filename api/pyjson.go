package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// add_json stores what pyaleph stores, so that one body gets one hash on
// both nodes: pyaleph reads the body with Python's json.loads and writes
// aleph.toolkit.json.dumps(value) (src/aleph/storage.py add_json), which
// is orjson.dumps(value, OPT_SORT_KEYS | OPT_NON_STR_KEYS): keys sorted at
// every depth, no whitespace, non-ASCII as UTF-8, floats in orjson's
// shortest form (1e16, 1.5e-7, 100000.0), NaN and infinities as null. When
// orjson refuses the value (an integer beyond 64 bits, nesting deeper than
// 255), pyaleph falls back to json.dumps(value, sort_keys=True): ", " and
// ": " separators, ASCII only, floats as Python's repr (1e+16).
// pyalephJSON is that function of the body.

// notJSON is why an add_json body is not one JSON value.
type notJSON struct{ err error }

func (e *notJSON) Error() string { return "the body is not one JSON value: " + e.err.Error() }
func (e *notJSON) Unwrap() error { return e.err }

// orjsonMaxDepth is orjson's recursion limit: deeper values raise.
const orjsonMaxDepth = 255

// pyalephJSON re-serializes body, one JSON value, as pyaleph's add_json
// does.
func pyalephJSON(body []byte) ([]byte, error) {
	if !utf8.Valid(body) { // aiohttp decodes the body strictly
		return nil, &notJSON{errors.New("the body is not UTF-8")}
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, &notJSON{err}
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, &notJSON{errors.New("more than one value")}
	}
	var b bytes.Buffer
	w := pyWriter{b: &b}
	if w.fits(v, 0) {
		w.value(v)
		return b.Bytes(), nil
	}
	w.python = true
	w.value(v)
	return b.Bytes(), nil
}

// pyWriter writes a decoded value as orjson does, or (python) as Python's
// json.dumps with sort_keys.
type pyWriter struct {
	b      *bytes.Buffer
	python bool
}

// fits reports whether orjson serializes v: integers within 64 bits
// (signed, or unsigned up to 2^64-1), nesting within its limit.
func (w pyWriter) fits(v any, depth int) bool {
	switch x := v.(type) {
	case map[string]any:
		if depth >= orjsonMaxDepth {
			return false
		}
		for _, e := range x {
			if !w.fits(e, depth+1) {
				return false
			}
		}
	case []any:
		if depth >= orjsonMaxDepth {
			return false
		}
		for _, e := range x {
			if !w.fits(e, depth+1) {
				return false
			}
		}
	case json.Number:
		if isPyInt(string(x)) {
			n, ok := new(big.Int).SetString(string(x), 10)
			return ok && n.Cmp(minInt64) >= 0 && n.Cmp(maxUint64) <= 0
		}
	}
	return true
}

var (
	minInt64  = big.NewInt(math.MinInt64)
	maxUint64 = new(big.Int).SetUint64(math.MaxUint64)
)

// isPyInt reports whether a JSON number is an int to Python's json.loads
// (no fraction, no exponent).
func isPyInt(s string) bool { return !strings.ContainsAny(s, ".eE") }

func (w pyWriter) value(v any) {
	switch x := v.(type) {
	case nil:
		w.b.WriteString("null")
	case bool:
		w.b.WriteString(strconv.FormatBool(x))
	case string:
		w.str(x)
	case json.Number:
		w.number(string(x))
	case []any:
		w.b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				w.sep(",")
			}
			w.value(e)
		}
		w.b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // code point order, as Python and orjson sort
		w.b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				w.sep(",")
			}
			w.str(k)
			w.sep(":")
			w.value(x[k])
		}
		w.b.WriteByte('}')
	}
}

// sep writes a separator: Python's default ones are followed by a space.
func (w pyWriter) sep(s string) {
	w.b.WriteString(s)
	if w.python {
		w.b.WriteByte(' ')
	}
}

func (w pyWriter) number(s string) {
	if isPyInt(s) {
		n, _ := new(big.Int).SetString(s, 10) // a JSON integer: always parses
		w.b.WriteString(n.String())           // -0 is 0
		return
	}
	f, err := strconv.ParseFloat(s, 64)
	var ne *strconv.NumError
	if err != nil && (!errors.As(err, &ne) || !errors.Is(ne.Err, strconv.ErrRange)) {
		w.b.WriteString("null") // not reached for a decoded JSON number
		return
	}
	if w.python {
		w.b.WriteString(pyRepr(f))
	} else {
		w.b.WriteString(orjsonFloat(f))
	}
}

// shortest returns the shortest decimal digits of f (no sign) and the
// position of the decimal point k: |f| = 0.digits × 10^k.
func shortest(f float64) (string, int) {
	s := strconv.FormatFloat(math.Abs(f), 'e', -1, 64) // d.ddde±x
	mant, exp, _ := strings.Cut(s, "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(exp)
	return digits, e + 1
}

// orjsonFloat formats f as orjson does (the Rust ryu crate's format64):
// integral values within 16 digits end in ".0", others switch to
// exponent notation below 1e-5 and from 1e16, the exponent without "+".
func orjsonFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null"
	}
	sign := ""
	if math.Signbit(f) {
		sign = "-"
	}
	if f == 0 {
		return sign + "0.0"
	}
	d, k := shortest(f)
	n := len(d)
	e := k - n // f = d × 10^e
	switch {
	case e >= 0 && k <= 16:
		return sign + d + strings.Repeat("0", e) + ".0"
	case k > 0 && k <= 16:
		return sign + d[:k] + "." + d[k:]
	case k > -5 && k <= 0:
		return sign + "0." + strings.Repeat("0", -k) + d
	case n == 1:
		return sign + d + "e" + strconv.Itoa(k-1)
	default:
		return sign + d[:1] + "." + d[1:] + "e" + strconv.Itoa(k-1)
	}
}

// pyRepr formats f as Python's float repr: exponent notation below 1e-4
// and from 1e16, with a signed two-digit exponent.
func pyRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	sign := ""
	if math.Signbit(f) {
		sign = "-"
	}
	if f == 0 {
		return sign + "0.0"
	}
	d, k := shortest(f)
	x := k - 1 // the decimal exponent
	if x < -4 || x >= 16 {
		m := d[:1]
		if len(d) > 1 {
			m += "." + d[1:]
		}
		return sign + m + fmt.Sprintf("e%+03d", x)
	}
	switch {
	case k <= 0:
		return sign + "0." + strings.Repeat("0", -k) + d
	case k >= len(d):
		return sign + d + strings.Repeat("0", k-len(d)) + ".0"
	default:
		return sign + d[:k] + "." + d[k:]
	}
}

// str writes a JSON string: orjson escapes only '"', '\\' and control
// characters; Python's ensure_ascii also everything outside ' '..'~'.
func (w pyWriter) str(s string) {
	w.b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			w.b.WriteString(`\"`)
		case r == '\\':
			w.b.WriteString(`\\`)
		case r == '\n':
			w.b.WriteString(`\n`)
		case r == '\r':
			w.b.WriteString(`\r`)
		case r == '\t':
			w.b.WriteString(`\t`)
		case r == '\b':
			w.b.WriteString(`\b`)
		case r == '\f':
			w.b.WriteString(`\f`)
		case r < 0x20:
			fmt.Fprintf(w.b, `\u%04x`, r)
		case w.python && r > 0x7e:
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				fmt.Fprintf(w.b, `\u%04x\u%04x`, hi, lo)
			} else {
				fmt.Fprintf(w.b, `\u%04x`, r)
			}
		default:
			var buf [utf8.UTFMax]byte
			w.b.Write(buf[:utf8.EncodeRune(buf[:], r)])
		}
	}
	w.b.WriteByte('"')
}
