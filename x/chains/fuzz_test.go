package chains

import (
	"errors"
	"testing"
)

// FuzzVerify feeds arbitrary fields to every chain's decoders (base58,
// base58check, SS58, bech32, cb58, the signature JSON shapes, compact and
// recoverable secp256k1 signatures), seeded with pyaleph's fixtures. Nothing
// may panic; every refusal is one of the four kinds; the verdict is the
// same twice; and an accepted sender is an address of its chain's family.
func FuzzVerify(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.Chain, v.Sender, v.Type, v.ItemHash, v.Signature, v.TimeNano)
		f.Add(v.Chain, v.Sender[:len(v.Sender)-1], v.Type, v.ItemHash, v.Signature, v.TimeNano)
		f.Add(v.Chain, v.Sender, v.Type, v.ItemHash, v.Signature[:len(v.Signature)/2], int64(-1))
	}
	f.Add("TEZOS", "tz1", "POST", "", `{"signature":"sig","publicKey":"edpk","signingType":"micheline"}`, int64(-1))
	f.Add("DOT", "5", "POST", "", `{"curve":"sr25519","data":"0x"}`, int64(0))
	f.Add("CSDK", "1", "POST", "", `{"signature":"","pub_key":{"type":"tendermint/PubKeySecp256k1","value":""}}`, int64(0))
	f.Add("NULS2", "NULSd", "POST", "", "", int64(0))
	f.Add("AVAX", "X-", "POST", "", "1", int64(0))
	f.Fuzz(func(t *testing.T, chain, sender, typ, itemHash, signature string, timeNano int64) {
		s := &Signed{Chain: chain, Sender: sender, Type: typ, ItemHash: itemHash, Signature: signature, TimeNano: timeNano}
		err := Verify(s)
		if err != nil {
			kinds := 0
			for _, k := range []error{ErrUnknownChain, ErrSender, ErrFormat, ErrMismatch} {
				if errors.Is(err, k) {
					kinds++
				}
			}
			if kinds != 1 {
				t.Fatalf("error of %d kinds: %v", kinds, err)
			}
		}
		if again := Verify(s); (err == nil) != (again == nil) || err != nil && err.Error() != again.Error() {
			t.Fatalf("two verdicts: %v, then %v", err, again)
		}
		if err == nil && !IsAddress(sender) {
			t.Fatalf("accepted %s sender %q, which is no address", chain, sender)
		}
	})
}

// FuzzAddress checks the address rule: normalizing is idempotent, an
// address is the same account as its normal form, and only 0x addresses
// change.
func FuzzAddress(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.Sender)
	}
	f.Add("0XABCDEF0123456789abcdef0123456789ABCDEF01")
	f.Fuzz(func(t *testing.T, a string) {
		n := NormalizeAddress(a)
		if NormalizeAddress(n) != n || !SameAddress(a, n) || !SameAddress(n, a) {
			t.Fatalf("NormalizeAddress(%q) = %q", a, n)
		}
		if n != a && !IsEVMAddress(a) {
			t.Fatalf("a non-0x address changed: %q -> %q", a, n)
		}
		_ = AddressChain(a)
	})
}
