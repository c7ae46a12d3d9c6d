package chains

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// negateS returns r || n-s: the other valid ECDSA signature of the same
// message and key.
func negateS(sig []byte) []byte {
	var s secp256k1.ModNScalar
	s.SetByteSlice(sig[32:64])
	s.Negate()
	out := append([]byte(nil), sig...)
	s.PutBytesUnchecked(out[32:64])
	return out
}

// TestHighS follows each verifier pyaleph calls: python-ecdsa (Cosmos)
// takes the high-S twin of a signature, libsecp256k1 (Tezos tz2, through
// pytezos) refuses it.
func TestHighS(t *testing.T) {
	for _, v := range loadVectors(t) {
		switch v.Chain {
		case "CSDK":
			var o map[string]any
			if err := json.Unmarshal([]byte(v.Signature), &o); err != nil {
				t.Fatal(err)
			}
			sig, _ := base64.StdEncoding.DecodeString(o["signature"].(string))
			o["signature"] = base64.StdEncoding.EncodeToString(negateS(sig))
			b, _ := json.Marshal(o)
			s := v.signed()
			s.Signature = string(b)
			if err := Verify(s); err != nil {
				t.Fatalf("CSDK high-S twin: %v (python-ecdsa accepts it)", err)
			}
		case "TEZOS":
			var o map[string]string
			if err := json.Unmarshal([]byte(v.Signature), &o); err != nil {
				t.Fatal(err)
			}
			if o["publicKey"][:4] != "sppk" {
				continue
			}
			curve := &tezosCurves[1]
			sig, err := decodePrefixed(o["signature"], curve.sig, 64)
			if err != nil {
				t.Fatal(err)
			}
			s := v.signed()
			s.Signature = fmt.Sprintf(`{"publicKey":%q,"signature":%q}`, o["publicKey"], encodeBase58Check(curve.sig, negateS(sig)))
			if err := Verify(s); !errors.Is(err, ErrMismatch) {
				t.Fatalf("TEZOS tz2 high-S twin: %v, want ErrMismatch (libsecp256k1 refuses it)", err)
			}
		}
	}
}
