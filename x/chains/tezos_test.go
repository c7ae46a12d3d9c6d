package chains

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"

	"golang.org/x/crypto/blake2b"
)

// TestTezosP256: pyaleph's fixtures have no tz3 key, so a P-256 key signs
// here as Tezos wallets do (blake2b-256 of the raw buffer, p2sig… or the
// generic sig…), and a tampered copy is refused.
func TestTezosP256(t *testing.T) {
	d := make([]byte, 32)
	d[31] = 7
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := key.PublicKey.Bytes() // 0x04 || x || y
	if err != nil {
		t.Fatal(err)
	}
	compressed := append([]byte{2 | raw[64]&1}, raw[1:33]...)
	h, _ := blake2b.New(20, nil)
	h.Write(compressed)
	p2 := &tezosCurves[2]
	s := &Signed{Chain: "TEZOS", Sender: encodeBase58Check(p2.pkh, h.Sum(nil)), Type: "POST", ItemHash: "00ff", TimeNano: -1}
	if s.Sender[:3] != "tz3" {
		t.Fatalf("sender %s", s.Sender)
	}
	digest := blake2b.Sum256(s.Buffer())
	r, ss, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	pk := encodeBase58Check(p2.pk, compressed)
	for _, prefix := range [][]byte{p2.sig, tezosGenericSig} {
		s.Signature = fmt.Sprintf(`{"publicKey":%q,"signature":%q}`, pk, encodeBase58Check(prefix, sig))
		if err := Verify(s); err != nil {
			t.Fatalf("%s: %v", s.Signature, err)
		}
		tampered := *s
		tampered.ItemHash = "00fe"
		if err := Verify(&tampered); !errors.Is(err, ErrMismatch) {
			t.Fatalf("tampered: %v", err)
		}
	}
	// An ed25519 (edsig) signature prefix on a p2pk key is refused.
	s.Signature = fmt.Sprintf(`{"publicKey":%q,"signature":%q}`, pk, encodeBase58Check(tezosCurves[0].sig, sig))
	if err := Verify(s); !errors.Is(err, ErrFormat) {
		t.Fatalf("edsig on a p2pk key: %v", err)
	}
}
