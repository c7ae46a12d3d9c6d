package chains

import (
	"strings"

	"github.com/btcsuite/btcd/btcutil/bech32"
	"github.com/mr-tron/base58"
)

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
		if !isHexDigit(addr[i]) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// IsAddress reports whether addr is an address in the sender format of
// one of the chains with a scheme (see each Scheme's Sender), so that a
// balance or an authorization can name it before it signs anything.
func IsAddress(addr string) bool {
	return AddressChain(addr) != ""
}

// AddressChain names the chain family whose sender format addr has ("ETH"
// for every EVM chain), or returns "" when it has none. A 32-byte base58
// key is reported as SOL (Eclipse uses the same form).
func AddressChain(addr string) string {
	if len(addr) > MaxSenderLen {
		return ""
	}
	switch {
	case strings.HasPrefix(addr, "0x") && IsEVMAddress(addr):
		return "ETH"
	case isTezosAddress(addr):
		return "TEZOS"
	case isNULSAddress(addr):
		return "NULS2"
	case isAvalancheAddress(addr):
		return "AVAX"
	case isBech32(addr):
		return "CSDK"
	}
	if _, err := decodeSS58(addr); err == nil {
		return "DOT"
	}
	if b, err := base58.Decode(addr); err == nil && len(b) == 32 && len(addr) >= 32 {
		return "SOL"
	}
	return ""
}

func isTezosAddress(addr string) bool {
	if !strings.HasPrefix(addr, "tz") {
		return false
	}
	for _, c := range tezosCurves {
		if _, err := decodePrefixed(addr, c.pkh, 20); err == nil {
			return true
		}
	}
	return false
}

func isNULSAddress(addr string) bool {
	var rest, prefix string
	switch {
	case strings.HasPrefix(addr, "NULS") && len(addr) > 5:
		prefix, rest = "NULS", addr[5:]
	case strings.HasPrefix(addr, "tNULS") && len(addr) > 6:
		prefix, rest = "tNULS", addr[6:]
	default:
		return false
	}
	b, err := base58.Decode(rest)
	if err != nil || len(b) != 24 || b[2] != 1 {
		return false
	}
	var x byte
	for _, c := range b[:23] {
		x ^= c
	}
	chainID := uint16(b[0]) | uint16(b[1])<<8
	return x == b[23] && nulsNetworks[chainID] == prefix && addr[len(prefix)] == "abcdefghijklmnopqrstuvwxyz"[len(prefix)-1]
}

func isAvalancheAddress(addr string) bool {
	chainID, rest, ok := strings.Cut(addr, "-")
	if !ok || chainID == "" {
		return false
	}
	hrp, data, err := bech32.Decode(rest)
	return err == nil && hrp == "avax" && len(data) == 32 && rest == strings.ToLower(rest)
}

// isBech32 is a lower-case bech32 string of a 20-byte hash, as Cosmos SDK
// chains spell their addresses (cosmos1…, osmo1…).
func isBech32(addr string) bool {
	hrp, data, err := bech32.Decode(addr)
	return err == nil && hrp != "" && len(data) == 32 && addr == strings.ToLower(addr)
}
