package chains

import (
	"bytes"
	"encoding/hex"
	"strings"

	"github.com/ChainSafe/go-schnorrkel"
	"github.com/mr-tron/base58"
	"golang.org/x/crypto/blake2b"
)

// substrate is pyaleph's SubstrateConnector (chains/substrate.py): the
// signature field is JSON {"curve": "sr25519", "data": hex}; the sender is
// an SS58 address of any network, whose key must verify the sr25519
// signature (context "substrate") over the buffer, or over
// "<Bytes>" + buffer + "</Bytes>" as polkadot-js browser extensions wrap
// what they sign (substrate-interface's Keypair.verify tries both).
// pyaleph refuses every curve but sr25519, so ed25519 and ecdsa keys are
// refused here too.
var substrate = &Scheme{
	Name:   `sr25519 (context "substrate") over the buffer, raw or wrapped in <Bytes>…</Bytes>`,
	Sender: "an SS58 address of a 32-byte sr25519 key (any network prefix), exact case",
	verify: verifySubstrate,
}

func init() { register(substrate, "DOT") }

const substrateShape = `{"curve": "sr25519", "data": "0x" + 64 bytes of hex}`

func verifySubstrate(sv Signed) error {
	s := &sv
	pub, err := decodeSS58(s.Sender)
	if err != nil {
		return errf(ErrSender, s, "sender %q is not an SS58 address of a 32-byte key: %v", s.Sender, err)
	}
	o, err := sigObject(s, substrateShape)
	if err != nil {
		return err
	}
	if o.Has("curve") {
		curve, err := member(s, o, "curve", substrateShape)
		if err != nil {
			return err
		}
		if curve != "sr25519" {
			return errf(ErrFormat, s, "curve %q is not supported; pyaleph verifies sr25519 only", curve)
		}
	}
	data, err := member(s, o, "data", substrateShape)
	if err != nil {
		return err
	}
	raw, err := hex.DecodeString(strings.TrimPrefix(data, "0x"))
	if err != nil || len(raw) != schnorrkel.SignatureSize {
		return errf(ErrFormat, s, "signature data must be 64 bytes of hex, got %d characters", len(data))
	}
	var sig schnorrkel.Signature
	if err := sig.Decode([schnorrkel.SignatureSize]byte(raw)); err != nil {
		return errf(ErrFormat, s, "signature data is not an sr25519 signature: %v", err)
	}
	key, err := schnorrkel.NewPublicKey(pub)
	if err != nil {
		return errf(ErrSender, s, "sender %q is not an sr25519 public key: %v", s.Sender, err)
	}
	buf := s.Buffer()
	if ok, _ := key.Verify(&sig, schnorrkel.NewSigningContext(substrateContext, buf)); ok {
		return nil
	}
	wrapped := make([]byte, 0, len(buf)+len(bytesOpen)+len(bytesClose))
	wrapped = append(append(append(wrapped, bytesOpen...), buf...), bytesClose...)
	if ok, _ := key.Verify(&sig, schnorrkel.NewSigningContext(substrateContext, wrapped)); ok {
		return nil
	}
	return errf(ErrMismatch, s, "sr25519 signature over %q (raw or in <Bytes>…</Bytes>) does not verify with the key of %s", buf, s.Sender)
}

var (
	substrateContext = []byte("substrate")
	bytesOpen        = []byte("<Bytes>")
	bytesClose       = []byte("</Bytes>")
	ss58Prefix       = []byte("SS58PRE")
)

// decodeSS58 returns the 32-byte account key of an SS58 address: a one- or
// two-byte network prefix, the key, and the first two bytes of
// blake2b-512("SS58PRE" || prefix || key), as substrate-interface's
// ss58_decode checks them. Shorter account indices carry no key and are
// refused.
func decodeSS58(addr string) ([32]byte, error) {
	var key [32]byte
	raw, err := base58.Decode(addr)
	if err != nil {
		return key, err
	}
	if len(raw) == 0 {
		return key, errBadLength
	}
	prefixLen := 1
	if raw[0]&0x40 != 0 {
		prefixLen = 2
	}
	if len(raw) != prefixLen+32+2 {
		return key, errBadLength
	}
	if prefixLen == 1 && (raw[0] == 46 || raw[0] == 47) {
		return key, errReservedSS58
	}
	h := blake2b.Sum512(append(append([]byte{}, ss58Prefix...), raw[:len(raw)-2]...))
	if !bytes.Equal(h[:2], raw[len(raw)-2:]) {
		return key, errChecksum
	}
	copy(key[:], raw[prefixLen:prefixLen+32])
	return key, nil
}
