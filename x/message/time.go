package message

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/alephd/alephd/errs"
)

// isoLayouts are the ISO 8601 forms Aleph clients send: RFC 3339 and
// Python's isoformat(), with or without a zone (no zone means UTC).
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

var nanosPerSecond = big.NewInt(int64(time.Second))

// maxTimeToken bounds the time token: parsing is cheap only for short
// numbers, and it runs before the signature check.
const maxTimeToken = 64

// decimalSeconds is the number syntax a time may use: decimal digits, an
// optional fraction and a short exponent (no hex, octal or binary forms).
var decimalSeconds = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,2})?$`)

// ParseTime turns the raw JSON token of an Aleph time into Unix nanoseconds:
// a number of seconds ("1652345678.123", "1.6e9"), or a string holding such a
// number or an ISO 8601 date. It uses exact decimal arithmetic, never floats,
// so every validator gets the same nanosecond.
func ParseTime(raw string) (int64, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > maxTimeToken {
		return 0, errs.Wrapf(ErrTime, "time is %d characters long; at most %d are allowed", len(raw), maxTimeToken)
	}
	if raw == "" || raw == "null" {
		return 0, errs.Wrapf(ErrTime, "time is missing")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return 0, errs.Wrapf(ErrTime, "time %s is not a JSON string", raw)
		}
		if ns, err := parseSeconds(s); err == nil {
			return ns, nil
		}
		for _, layout := range isoLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				if t.Before(time.Unix(0, 0)) || t.Year() > 2261 {
					return 0, errs.Wrapf(ErrTime, "time %q is out of range (1970 to 2261)", s)
				}
				return t.UnixNano(), nil
			}
		}
		return 0, errs.Wrapf(ErrTime, "time %q is neither seconds since 1970 nor an ISO 8601 date", s)
	}
	return parseSeconds(raw)
}

func parseSeconds(s string) (int64, error) {
	if ns, ok := plainSeconds(s); ok {
		return ns, nil
	}
	if !decimalSeconds.MatchString(s) {
		return 0, errs.Wrapf(ErrTime, "time %q is not a decimal number of seconds", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, errs.Wrapf(ErrTime, "time %q is not a number of seconds", s)
	}
	if r.Sign() < 0 {
		return 0, errs.Wrapf(ErrTime, "time %q is before 1970", s)
	}
	r.Mul(r, new(big.Rat).SetInt(nanosPerSecond))
	ns := new(big.Int).Quo(r.Num(), r.Denom()) // floor, as r >= 0
	if !ns.IsInt64() {
		return 0, errs.Wrapf(ErrTime, "time %q is out of range", s)
	}
	return ns.Int64(), nil
}

// plainSeconds parses the form nearly every client sends, "1700000000.123456"
// (up to 10 integer digits below 9223372036, so the nanoseconds fit in
// int64; any number of fraction digits, nanoseconds kept),
// exactly and without allocating. ok is false for any other form.
func plainSeconds(s string) (ns int64, ok bool) {
	dot := strings.IndexByte(s, '.')
	intPart, frac := s, ""
	if dot >= 0 {
		intPart, frac = s[:dot], s[dot+1:]
	}
	if len(intPart) == 0 || len(intPart) > 10 {
		return 0, false
	}
	var sec int64
	for i := 0; i < len(intPart); i++ {
		c := intPart[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sec = sec*10 + int64(c-'0')
	}
	if sec >= 9_223_372_036 {
		return 0, false // near the int64 edge: the exact path range-checks
	}
	var nanos, scale int64 = 0, 100_000_000
	for i := 0; i < len(frac); i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		nanos += int64(c-'0') * scale // digits past nanoseconds add 0: floor
		scale /= 10
	}
	return sec*1_000_000_000 + nanos, true
}
