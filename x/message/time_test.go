package message_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/x/message"
)

// TestParseTime checks the time forms Aleph clients send (numbers of
// seconds, numeric strings, ISO 8601 with or without zone), read exactly to
// the nanosecond without floats, and the forms refused with ErrTime.
func TestParseTime(t *testing.T) {
	iso := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixNano()
	}
	ok := []struct {
		raw  string
		want int64
	}{
		{"1652345678", 1_652_345_678_000_000_000},
		{"1652345678.123", 1_652_345_678_123_000_000},
		{"1651050219.3488848", 1_651_050_219_348_884_800},
		{"1652345678.1234567899", 1_652_345_678_123_456_789}, // below a nanosecond: floor
		{"1.6e9", 1_600_000_000_000_000_000},
		{"1.6E+9", 1_600_000_000_000_000_000},
		{"16e8", 1_600_000_000_000_000_000},
		{"0", 0},
		{"0.0", 0},
		{"-0", 0},
		{" 1652345678 ", 1_652_345_678_000_000_000},
		{"9223372036.854775807", 9_223_372_036_854_775_807}, // the last int64 nanosecond
		{`"1652345678.5"`, 1_652_345_678_500_000_000},
		{`"1.6e9"`, 1_600_000_000_000_000_000},
		{`"2022-05-12T08:54:38.123Z"`, iso("2022-05-12T08:54:38.123Z")},
		{`"2024-11-20T16:02:43.214390+00:00"`, iso("2024-11-20T16:02:43.21439Z")},
		{`"2024-11-20T18:02:43.214390+02:00"`, iso("2024-11-20T16:02:43.21439Z")},
		{`"2024-11-20T16:02:43.214390"`, iso("2024-11-20T16:02:43.21439Z")}, // no zone: UTC
		{`"2024-11-20T16:02:43"`, iso("2024-11-20T16:02:43Z")},
		{`"2024-11-20 16:02:43.214390+00:00"`, iso("2024-11-20T16:02:43.21439Z")}, // Python str(datetime)
		{`"2024-11-20 16:02:43"`, iso("2024-11-20T16:02:43Z")},
		{`"1970-01-01T00:00:00Z"`, 0},
		{`"2261-12-31T23:59:59Z"`, iso("2261-12-31T23:59:59Z")},
	}
	for _, tc := range ok {
		got, err := message.ParseTime(tc.raw)
		if err != nil || got != tc.want {
			t.Errorf("ParseTime(%s) = %d, %v; want %d", tc.raw, got, err, tc.want)
		}
	}
	bad := []string{
		"", " ", "null", "true", "[1]", `{"t":1}`, `""`, `"abc"`, `"yesterday"`,
		"-1", "-0.5", `"-1"`, "-1e9",
		"1/2", `"1/2"`, "NaN", `"NaN"`, "Infinity", `"Inf"`,
		"1e19", "9223372036.854775808", "1e999999",
		`"1969-12-31T23:59:59Z"`, `"2262-01-01T00:00:00Z"`, `"0000-01-01T00:00:00Z"`,
		`"2022-05-12T08:54:38.123Z`, `"2022-13-12T08:54:38Z"`,
	}
	for _, raw := range bad {
		if got, err := message.ParseTime(raw); !errors.Is(err, message.ErrTime) {
			t.Errorf("ParseTime(%s) = %d, %v; want ErrTime", raw, got, err)
		}
	}
}

// TestParseTimeStringMatchesNumber checks that a number of seconds reads the
// same whether sent as a JSON number or as a string holding it.
func TestParseTimeStringMatchesNumber(t *testing.T) {
	for _, raw := range []string{"0", "1", "1652345678", "1652345678.000001", "1.6e9", "1651050219.3488848", "9223372036.854775807"} {
		n, err1 := message.ParseTime(raw)
		s, err2 := message.ParseTime(`"` + raw + `"`)
		if err1 != nil || err2 != nil || n != s {
			t.Errorf("%s: number %d (%v), string %d (%v)", raw, n, err1, s, err2)
		}
	}
}

// TestParseTimeRejectsNonDecimalNumerals guards agreement with aleph-message
// (pydantic float/datetime parsing): a time string is decimal seconds or an
// ISO date. math/big also reads Go literals (hex, binary, octal prefixes,
// binary exponents, digit separators), which no Aleph client sends and
// pyaleph refuses.
func TestParseTimeRejectsNonDecimalNumerals(t *testing.T) {
	for _, raw := range []string{`"0x10"`, `"0b101"`, `"0o17"`, `"0x1p4"`, `"0x6282a6d0"`} {
		if got, err := message.ParseTime(raw); !errors.Is(err, message.ErrTime) {
			t.Errorf("ParseTime(%s) = %d, %v; want ErrTime", raw, got, err)
		}
	}
}

// BenchmarkParseTime measures ParseTime on ordinary and on hostile tokens.
// A time is parsed before the signature is checked, so its cost is paid for
// unsigned junk; the long-token cases show it grows faster than linearly.
func BenchmarkParseTime(b *testing.B) {
	cases := []struct{ name, raw string }{
		{"seconds", "1652345678.123456"},
		{"iso", `"2024-11-20T16:02:43.214390+00:00"`},
		{"exponent_1e999999", "1e999999"},
		{"exponent_1e-999999", "1e-999999"},
		{"digits_100k", "1." + strings.Repeat("3", 100_000)},
		{"digits_400k", "1." + strings.Repeat("3", 400_000)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_, _ = message.ParseTime(tc.raw) // the cost is measured, not the result (some inputs are refused)
			}
		})
	}
}

// TestPlainSecondsMatchesExact checks the fast path against the exact
// big.Rat parse on every shape it accepts.
func TestPlainSecondsMatchesExact(t *testing.T) {
	for _, s := range []string{"0", "1", "1700000000", "1700000000.1", "1700000000.123456", "1700000000.1234567899",
		"9223372035.999999999", "1.", "0.000000001", "0.0000000009", "00012.5"} {
		fast, err := message.ParseTime(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		exact, err := message.ParseTime(s + "e0") // the exponent form skips the fast path
		if err != nil {
			t.Fatalf("%se0: %v", s, err)
		}
		if fast != exact {
			t.Errorf("%s: fast %d, exact %d", s, fast, exact)
		}
	}
}
