package chains

import "strings"

// NormalizeAddress is the form an address is keyed and compared by. An EVM
// address (0x and 40 hex digits) is one account whatever its case, so it
// is lower-cased; every other address (base58 for SOL, NULS2 and Tezos,
// SS58 for DOT, bech32 for Cosmos and Avalanche) is case-sensitive and kept
// exactly: lower-casing a base58 address would name another account.
func NormalizeAddress(addr string) string {
	if IsEVMAddress(addr) {
		return strings.ToLower(addr)
	}
	return addr
}

// SameAddress reports whether a and b name one account.
func SameAddress(a, b string) bool {
	if a == b {
		return true
	}
	return len(a) == len(b) && IsEVMAddress(a) && IsEVMAddress(b) && strings.EqualFold(a, b)
}

// IsEVMAddress reports whether addr is 0x (or 0X) and 40 hex digits.
func IsEVMAddress(addr string) bool {
	if len(addr) != 42 || addr[0] != '0' || (addr[1] != 'x' && addr[1] != 'X') {
		return false
	}
	for i := 2; i < 42; i++ {
		c := addr[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
