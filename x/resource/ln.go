package resource

import "math/bits"

// lnFrac is the fractional bits of negLn's fixed point: -ln(u) is at most
// 53·ln 2 ≈ 36.7 < 2^6, so 57 bits keep it below 2^63.
const lnFrac = 57

// ln2 is ln 2 in fixed point with lnFrac fractional bits:
// round(0.693147180559945309417232121458176568 · 2^57).
const ln2 = 0x162e42fefa39ef3

// negLn returns -ln(u) in fixed point, for u = (h>>11 + 1) / 2^53 in
// (0, 1]: the exponential variable of weighted rendezvous hashing. It is
// integer arithmetic only, exact to about 2^-50 (TestNegLn compares it
// with math.Log), and, being pure integer code, the same on every machine.
func negLn(h uint64) uint64 {
	x := h>>11 + 1 // 1 .. 2^53
	// ln x = k·ln 2 + ln m, x = m·2^k, m in [1, 2)
	k := uint(bits.Len64(x) - 1)
	m := x << (lnFrac - k) // m in fixed point (k <= 53 < lnFrac)
	lnx := uint64(k)*ln2 + lnMantissa(m)
	return 53*ln2 - lnx
}

// lnMantissa is ln m for m in [1, 2) (fixed point), by the series
// ln m = 2·atanh(z) = 2·(z + z³/3 + z⁵/5 + …), z = (m-1)/(m+1) <= 1/3, so
// each term is a ninth of the last and 20 terms pass 2^-57.
func lnMantissa(m uint64) uint64 {
	const one = uint64(1) << lnFrac
	num, den := m-one, m+one
	// z = num/den in fixed point: (num << lnFrac) / den, a 128-bit dividend
	hi, lo := num>>(64-lnFrac), num<<lnFrac
	z, _ := bits.Div64(hi, lo, den)
	z2 := mulFix(z, z)
	var sum uint64
	term := z
	for i := uint64(1); i < 40 && term > 0; i += 2 {
		sum += term / i
		term = mulFix(term, z2)
	}
	return 2 * sum
}

// mulFix is a·b in fixed point with lnFrac fractional bits.
func mulFix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi<<(64-lnFrac) | lo>>lnFrac
}
