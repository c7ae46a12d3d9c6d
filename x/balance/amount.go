package balance

import (
	"fmt"
	"math/big"
	"strings"
)

// Decimals is the number of decimals of ALEPH.
const Decimals = 18

// unit is 10^18: one ALEPH in base units.
var unit = new(big.Int).Exp(big.NewInt(10), big.NewInt(Decimals), nil)

// Unit returns one ALEPH in base units.
func Unit() *big.Int { return new(big.Int).Set(unit) }

// maxTokenChars bounds a decimal amount before it is parsed, so a hostile
// exponent cannot make big.Rat allocate without limit.
const maxTokenChars = 80

// ParseTokens reads a decimal ALEPH amount ("12", "0.5", "1e3", "1.5E-3")
// exactly, with no float in between, and returns it in base units. Digits
// beyond the 18th decimal are an error unless truncate is set, when they
// are dropped (oracles report what chains compute, which may carry more).
func ParseTokens(s string, truncate bool) (*big.Int, error) {
	if s == "" || len(s) > maxTokenChars {
		return nil, fmt.Errorf("amount %q is not a decimal number of ALEPH", s)
	}
	if strings.Trim(s, "0123456789.eE+-") != "" {
		return nil, fmt.Errorf("amount %q is not a decimal number of ALEPH", s)
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if exp := strings.TrimLeft(s[i+1:], "+-"); len(exp) > 3 {
			return nil, fmt.Errorf("amount %q has an exponent out of range", s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("amount %q is not a decimal number of ALEPH", s)
	}
	if r.Sign() < 0 {
		return nil, fmt.Errorf("amount %q is negative", s)
	}
	r.Mul(r, new(big.Rat).SetInt(unit))
	if !r.IsInt() && !truncate {
		return nil, fmt.Errorf("amount %q has more than %d decimals", s, Decimals)
	}
	return new(big.Int).Quo(r.Num(), r.Denom()), nil
}

// WholeTokens is how many whole ALEPH amount holds.
func WholeTokens(amount *big.Int) *big.Int { return new(big.Int).Quo(amount, unit) }

// Format renders base units as a decimal ALEPH amount, trailing zeros trimmed.
func Format(amount *big.Int) string {
	q, r := new(big.Int).QuoRem(amount, unit, new(big.Int))
	if r.Sign() == 0 {
		return q.String()
	}
	frac := fmt.Sprintf("%018s", r.String())
	return q.String() + "." + strings.TrimRight(frac, "0")
}
