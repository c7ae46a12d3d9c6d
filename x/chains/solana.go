package chains

import (
	"crypto/ed25519"

	"github.com/mr-tron/base58"
)

// solana is pyaleph's SolanaConnector (chains/solana.py), which it also
// uses for Eclipse (ES): the signature field is JSON
// {"signature": base58, "publicKey": base58[, "version": 1]}, publicKey must
// equal the sender, and the ed25519 signature covers the buffer itself.
var solana = &Scheme{
	Name:   "ed25519 over the buffer; signature JSON {signature, publicKey} in base58",
	Sender: "the base58 ed25519 public key (32 bytes), exact case",
	verify: verifySolana,
}

func init() { register(solana, "SOL", "ES") }

const solanaShape = `{"signature": base58, "publicKey": base58}`

func verifySolana(sv Signed) error {
	s := &sv
	pub, err := base58.Decode(s.Sender)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return errf(ErrSender, s, "sender %q is not a base58 ed25519 public key (32 bytes)", s.Sender)
	}
	o, err := sigObject(s, solanaShape)
	if err != nil {
		return err
	}
	if v, ok := o["version"]; ok && string(v) != "1" {
		return errf(ErrFormat, s, "signature version %s is not supported; pyaleph verifies version 1", v)
	}
	key, err := member(s, o, "publicKey", solanaShape)
	if err != nil {
		return err
	}
	// pyaleph compares the strings: the key must be spelled as the sender.
	if key != s.Sender {
		return errf(ErrMismatch, s, "signature publicKey %q is not the sender %q", key, s.Sender)
	}
	b58, err := member(s, o, "signature", solanaShape)
	if err != nil {
		return err
	}
	raw, err := base58.Decode(b58)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return errf(ErrFormat, s, "signature.signature is not a base58 ed25519 signature (64 bytes)")
	}
	if !ed25519.Verify(ed25519.PublicKey(pub), s.Buffer(), raw) {
		return errf(ErrMismatch, s, "ed25519 signature over %q does not verify with key %s", s.Buffer(), s.Sender)
	}
	return nil
}
