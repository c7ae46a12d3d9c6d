package chains

import (
	"errors"
	"strings"
	"testing"
)

// TestRefusalKinds: for each chain, a sender not in the chain's format is
// ErrSender and a signature not in the shape its wallets send is ErrFormat,
// each with a message that names the chain and says what was expected.
func TestRefusalKinds(t *testing.T) {
	byChain := map[string]vector{}
	for _, v := range loadVectors(t) {
		if _, ok := byChain[v.Chain]; !ok {
			byChain[v.Chain] = v
		}
	}
	cases := []struct {
		chain, sender, signature string
		want                     error
		says                     string
	}{
		{"ETH", "AzfsDdCQp8uqzR4ProJ7yyLGKNp9iXHt92rEoiAHG4Pw", "", ErrSender, "0x-prefixed Ethereum address"},
		{"ETH", "", "0x1234", ErrFormat, "65 bytes"},
		{"SOL", "0xA07B1214bAe0D5ccAA25449C3149c0aC83658874", "", ErrSender, "base58 ed25519 public key"},
		{"SOL", "", "56hzHaJHH3bz1DtU6Wjhyn7eLsMCYSY4HcXkKrpwAdEHFdw7k95NPzubR3x7otstbr5JCffw81Qqpd9YUq8XJuFi", ErrFormat, "JSON object"},
		{"SOL", "", `{"signature":"x","publicKey":"AzfsDdCQp8uqzR4ProJ7yyLGKNp9iXHt92rEoiAHG4Pw","version":2}`, ErrFormat, "version 2"},
		{"DOT", "5CGNMKCscqN2QNcT7Jtuz23ab7JUxh8wTEtXhECZLJn5vCGY", "", ErrSender, "SS58"},
		{"DOT", "", `{"curve":"ed25519","data":"0x00"}`, ErrFormat, "sr25519 only"},
		{"DOT", "", `{"curve":"sr25519"}`, ErrFormat, `"data"`},
		{"TEZOS", "", `{"signature":"sig","publicKey":"tz1SmGHzna3YhKropa3WudVq72jhTPDBn4r5"}`, ErrFormat, "edpk, sppk or p2pk"},
		{"TEZOS", "", `{"publicKey":"edpkvUuhtQDPA9KfC3BY7ydh89hT34KTANMfX7L22BUrA9aGWg6QxF"}`, ErrFormat, `"signature"`},
		{"CSDK", "nobech32", "", ErrSender, "bech32"},
		{"CSDK", "", `{"signature":"","pub_key":{"type":"tendermint/PubKeyEd25519","value":""}}`, ErrFormat, "PubKeySecp256k1"},
		{"NULS2", "TTapAav8g3fFjxQQCjwPd4ERPnai9oya", "", ErrSender, "NULS address"},
		{"NULS2", "", "!!", ErrFormat, "65 bytes"},
		{"AVAX", "0xA07B1214bAe0D5ccAA25449C3149c0aC83658874", "", ErrSender, "Avalanche key pairs only"},
		{"AVAX", "avax14x5a42stua94l2vxjcag6c9ftd8ea0y8fltdwv", "", ErrSender, "{chain}-avax1"},
		{"AVAX", "", "0", ErrFormat, "cb58"},
		{"AURORA", "0xA07B1214bAe0D5ccAA25449C3149c0aC83658874", "0x", ErrUnknownChain, "pyaleph's list"},
	}
	for _, tc := range cases {
		s := &Signed{Chain: tc.chain, Type: "POST", ItemHash: "00", TimeNano: -1}
		if v, ok := byChain[tc.chain]; ok {
			s = v.signed()
		}
		if tc.sender != "" {
			s.Sender = tc.sender
		}
		if tc.signature != "" {
			s.Signature = tc.signature
		}
		err := Verify(s)
		if !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), tc.chain) && tc.want != ErrUnknownChain || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s sender %q signature %q: %v, want %v saying %q", tc.chain, tc.sender, tc.signature, err, tc.want, tc.says)
		}
	}
}
