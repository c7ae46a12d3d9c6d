package chains

import "testing"

// TestAddressRules: only 0x addresses fold case; every vector's sender is
// an address of its chain's family, and near misses are not.
func TestAddressRules(t *testing.T) {
	evm := "0xA07B1214bAe0D5ccAA25449C3149c0aC83658874"
	sol := "AzfsDdCQp8uqzR4ProJ7yyLGKNp9iXHt92rEoiAHG4Pw"
	if NormalizeAddress(evm) != "0xa07b1214bae0d5ccaa25449c3149c0ac83658874" || !SameAddress(evm, "0xa07b1214bae0d5ccaa25449c3149c0ac83658874") {
		t.Fatal("0x addresses must fold case")
	}
	if NormalizeAddress(sol) != sol || SameAddress(sol, "azfsddcqp8uqzr4projyylgknp9ixht92reoiahg4pw") {
		t.Fatal("base58 addresses must be exact")
	}
	// 40 hex digits without 0x could be base58 of another key: kept exact.
	bare := "A07B1214bAe5D5ccAA25449C3149c7aC83658874"
	if NormalizeAddress(bare) != bare || SameAddress(bare, "a07b1214bae5d5ccaa25449c3149c7ac83658874") {
		t.Fatal("bare hex must be exact")
	}
	family := map[string]string{"ETH": "ETH", "SOL": "SOL", "DOT": "DOT", "TEZOS": "TEZOS", "CSDK": "CSDK", "NULS2": "NULS2", "AVAX": "AVAX"}
	for _, v := range loadVectors(t) {
		if got := AddressChain(v.Sender); got != family[v.Chain] {
			t.Errorf("AddressChain(%s) = %q, want %q", v.Sender, got, family[v.Chain])
		}
	}
	for _, bad := range []string{
		"", "VM on executor", "0x1234", evm[2:] + "zz", "tz1SmGHzna3YhKropa3WudVq72jhTPDBn4r6",
		"NULSd6HgeZVDvQ2pKQLakAsStYvGAT6WVFu9k", "X-1d00alcs4nz0frv46mnt890lkht94hxuyrarwx7",
		"COSMOS1PJEKM3SZCHHL7P2JR39HVZPWY78R5HZTQDQASD", "5CGNMKCscqN2QNcT7Jtuz23ab7JUxh8wTEtXhECZLJn5vCGY",
	} {
		if c := AddressChain(bad); c != "" {
			t.Errorf("AddressChain(%q) = %q, want none", bad, c)
		}
	}
}
