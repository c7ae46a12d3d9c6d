package resource

import (
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	pb "github.com/alephd/alephd/proto/alephdv1"
)

func TestProbeSignature(t *testing.T) {
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := crypto.CompressPubkey(&key.PublicKey)
	nonce := []byte("nonce-of-the-slot-0123456789abcd")
	sig, err := SignProbe(key, "chain", "node", 3, 1, nonce)
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyProbe(pub, "chain", "node", 3, 1, nonce, sig) {
		t.Fatal("a valid answer does not verify")
	}
	other, _ := crypto.GenerateKey()
	for name, ok := range map[string]bool{
		"other chain": VerifyProbe(pub, "chain2", "node", 3, 1, nonce, sig),
		"other node":  VerifyProbe(pub, "chain", "node2", 3, 1, nonce, sig),
		"other epoch": VerifyProbe(pub, "chain", "node", 4, 1, nonce, sig),
		"other slot":  VerifyProbe(pub, "chain", "node", 3, 2, nonce, sig),
		"other nonce": VerifyProbe(pub, "chain", "node", 3, 1, []byte("x"), sig),
		"other key":   VerifyProbe(crypto.CompressPubkey(&other.PublicKey), "chain", "node", 3, 1, nonce, sig),
		"no key":      VerifyProbe(nil, "chain", "node", 3, 1, nonce, sig),
		"short sig":   VerifyProbe(pub, "chain", "node", 3, 1, nonce, sig[:63]),
	} {
		if ok {
			t.Errorf("%s: verifies", name)
		}
	}
	// A proof's digest differs from a probe's for the same key, so neither
	// can stand for the other.
	if string(ProbeDigest("chain", "node", 3, 1, nonce)) == string(ProofDigest("chain", &pb.StorageProof{Node: "node", Epoch: 3, Slot: 1})) {
		t.Fatal("probe and proof digests collide")
	}
}
