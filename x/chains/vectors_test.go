package chains

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

// vector is one of pyaleph's signed fixtures (source names the file and
// test); testdata/pyaleph_vectors.json copies their fields.
type vector struct {
	Source    string `json:"source"`
	Chain     string `json:"chain"`
	Sender    string `json:"sender"`
	Type      string `json:"type"`
	ItemHash  string `json:"item_hash"`
	Signature string `json:"signature"`
	Time      string `json:"time"`
	TimeNano  int64  `json:"time_nano"`
	Note      string `json:"note"`
}

func loadVectors(t testing.TB) []vector {
	b, err := os.ReadFile("testdata/pyaleph_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

func (v vector) signed() *Signed {
	return &Signed{Chain: v.Chain, Sender: v.Sender, Type: v.Type, ItemHash: v.ItemHash, Signature: v.Signature, TimeNano: v.TimeNano}
}

// otherKey is a fixed secp256k1 key that signed none of the vectors.
func otherKey(t testing.TB) []byte {
	k, err := crypto.ToECDSA(crypto.Keccak256([]byte("chains: another key")))
	if err != nil {
		t.Fatal(err)
	}
	return crypto.CompressPubkey(&k.PublicKey)
}

// otherSender is a valid address of the vector's chain that is not the
// signer's: the signature must then be refused as not the sender's.
func otherSender(t testing.TB, v vector) string {
	switch v.Chain {
	case "ETH":
		return "0x0000000000000000000000000000000000000001"
	case "SOL":
		return "11111111111111111111111111111112" // the system program's key, 32 bytes
	case "DOT":
		if v.Sender == "5CGNMKCscqN2QNcT7Jtuz23ab7JUxh8wTEtXhECZLJn5vCGX" {
			return "5D9eKrAsfitxW48YrqMUXejcrnB2N8tLxPeFmoEZ4G74JFyz"
		}
		return "5CGNMKCscqN2QNcT7Jtuz23ab7JUxh8wTEtXhECZLJn5vCGX"
	case "TEZOS":
		if v.Sender == "tz1VrPqrVdMFsgykWyhGH7SYcQ9avHTjPcdD" {
			return "tz1SmGHzna3YhKropa3WudVq72jhTPDBn4r5"
		}
		return "tz1VrPqrVdMFsgykWyhGH7SYcQ9avHTjPcdD"
	case "CSDK":
		return "cosmos1rq3rcux05yftlh307gw8khh6xj43nv40aq27f5" // pyaleph's test_verify_signature_bad_address
	case "NULS2":
		return nulsAddress("NULS", 1, otherKey(t))
	case "AVAX":
		a, err := avalancheAddress("X", otherKey(t))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	t.Fatalf("no other sender for %s", v.Chain)
	return ""
}

// TestPyalephVectors verifies pyaleph's own signed fixtures, one or more
// per chain and key type, then refuses each tampered (item_hash changed)
// with an error that names the chain, and each under a sender whose key did
// not sign.
func TestPyalephVectors(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range loadVectors(t) {
		seen[v.Chain] = true
		t.Run(v.Chain+"/"+v.Source[strings.LastIndex(v.Source, " ")+1:], func(t *testing.T) {
			if err := Verify(v.signed()); err != nil {
				t.Fatalf("%s (%s): %v", v.Source, v.Note, err)
			}

			tampered := v.signed()
			last := tampered.ItemHash[len(tampered.ItemHash)-1]
			tampered.ItemHash = tampered.ItemHash[:len(tampered.ItemHash)-1] + map[bool]string{true: "0", false: "1"}[last != '0']
			err := Verify(tampered)
			if !errors.Is(err, ErrMismatch) {
				t.Fatalf("tampered item_hash: %v, want ErrMismatch", err)
			}
			if !strings.HasPrefix(err.Error(), v.Chain+": ") {
				t.Fatalf("tampered: error %q does not name the chain", err)
			}

			other := v.signed()
			other.Sender = otherSender(t, v)
			if err := Verify(other); !errors.Is(err, ErrMismatch) {
				t.Fatalf("sender %s: %v, want ErrMismatch", other.Sender, err)
			}
		})
	}
	for _, c := range []string{"ETH", "SOL", "DOT", "TEZOS", "CSDK", "NULS2", "AVAX"} {
		if !seen[c] {
			t.Errorf("no vector for %s", c)
		}
	}
}

// TestBounds: an oversized sender or signature is refused before any
// decoder sees it (base58 decoding is quadratic in its input).
func TestBounds(t *testing.T) {
	for _, v := range loadVectors(t) {
		s := v.signed()
		s.Sender = strings.Repeat("1", 1<<20)
		if err := Verify(s); !errors.Is(err, ErrSender) {
			t.Fatalf("%s with a 1 MiB sender: %v", v.Chain, err)
		}
		s = v.signed()
		s.Signature = `{"signature":"` + strings.Repeat("1", 1<<20) + `"}`
		if err := Verify(s); !errors.Is(err, ErrFormat) {
			t.Fatalf("%s with a 1 MiB signature: %v", v.Chain, err)
		}
	}
}
