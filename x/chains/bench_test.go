package chains

import (
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// BenchmarkVerify is the cost of one signature check per chain and key
// type, on pyaleph's fixtures (testdata/pyaleph_vectors.json). Compare it
// with BenchmarkEcrecover from the same run: machines differ by 2x.
//
//	go test -run '^$' -bench . -cpu 1 ./x/chains/
func BenchmarkVerify(b *testing.B) {
	for _, v := range loadVectors(b) {
		name := v.Chain
		if v.Chain == "TEZOS" || v.Chain == "DOT" {
			name += "/" + strings.NewReplacer(" ", "_", ",", "").Replace(v.Note)
		}
		b.Run(name, func(b *testing.B) {
			s := v.signed()
			for b.Loop() {
				if err := Verify(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEcrecover is the baseline: go-ethereum's secp256k1 key recovery
// alone, the core of an EVM check.
func BenchmarkEcrecover(b *testing.B) {
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte("bench")))
	if err != nil {
		b.Fatal(err)
	}
	h := accounts.TextHash([]byte("ETH\n0x\nPOST\nhash"))
	sig, err := crypto.Sign(h, key)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := crypto.Ecrecover(h, sig); err != nil {
			b.Fatal(err)
		}
	}
}
