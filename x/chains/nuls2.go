package chains

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/mr-tron/base58"
	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // NULS addresses are RIPEMD-160 hashes; no other package has it.
)

// nuls2 is pyaleph's Nuls2Verifier (chains/nuls2.py) with aleph-nuls2's
// recover_message_address: the signature is base64 of 65 bytes, a recovery
// byte 27..30 then r||s, over sha256("\x18NULS Signed Message:\n" +
// varint(len) + buffer); the key recovered gives the address
// prefix + letter + base58(chain id LE16 || 1 || ripemd160(sha256(key)) ||
// xor), which must be the sender: "NULSd…" on chain 1, "tNULSe…" on 2.
var nuls2 = &Scheme{
	Name:   `secp256k1 recovery over sha256("\x18NULS Signed Message:\n" + varint length + buffer)`,
	Sender: "NULSd… (chain 1) or tNULSe… (chain 2), base58, exact case",
	verify: verifyNULS2,
}

func init() { register(nuls2, "NULS2") }

// nulsNetworks are the chain ids aleph-nuls2 names; pyaleph refuses others.
var nulsNetworks = map[uint16]string{1: "NULS", 2: "tNULS"}

const nulsMessagePrefix = "\x18NULS Signed Message:\n"

// NULS2Digest is what a NULS2 wallet signs for s.
func NULS2Digest(s *Signed) [32]byte {
	buf := s.Buffer()
	b := make([]byte, 0, len(nulsMessagePrefix)+9+len(buf))
	b = append(b, nulsMessagePrefix...)
	b = appendNULSVarInt(b, uint64(len(buf)))
	return sha256.Sum256(append(b, buf...))
}

// appendNULSVarInt is NULS' (Bitcoin's) compact size: one byte below 253,
// else a marker and 2, 4 or 8 little-endian bytes.
func appendNULSVarInt(b []byte, v uint64) []byte {
	switch {
	case v < 253:
		return append(b, byte(v))
	case v <= 0xffff:
		return binary.LittleEndian.AppendUint16(append(b, 253), uint16(v))
	case v <= 0xffffffff:
		return binary.LittleEndian.AppendUint32(append(b, 254), uint32(v))
	}
	return binary.LittleEndian.AppendUint64(append(b, 255), v)
}

// nulsAddress is aleph-nuls2's address_from_hash(public_key_to_hash(pub)).
func nulsAddress(prefix string, chainID uint16, pub []byte) string {
	sh := sha256.Sum256(pub)
	rh := ripemd160.New()
	rh.Write(sh[:])
	h := binary.LittleEndian.AppendUint16(make([]byte, 0, 24), chainID)
	h = append(append(h, 1), rh.Sum(nil)...)
	var x byte
	for _, c := range h {
		x ^= c
	}
	letter := "abcdefghijklmnopqrstuvwxyz"[len(prefix)-1]
	return prefix + string(letter) + base58.Encode(append(h, x))
}

func verifyNULS2(sv Signed) error {
	s := &sv
	// hash_from_address: the prefix, one letter, base58 whose first two
	// bytes are the chain id.
	var rest string
	switch {
	case strings.HasPrefix(s.Sender, "NULS") && len(s.Sender) > 5:
		rest = s.Sender[5:]
	case strings.HasPrefix(s.Sender, "tNULS") && len(s.Sender) > 6:
		rest = s.Sender[6:]
	default:
		return errf(ErrSender, s, "sender %q is not a NULS address (NULSd… or tNULSe…)", s.Sender)
	}
	raw, err := base58.Decode(rest)
	if err != nil || len(raw) < 3 {
		return errf(ErrSender, s, "sender %q is not a NULS address: its body is not base58", s.Sender)
	}
	chainID := binary.LittleEndian.Uint16(raw[:2])
	prefix, ok := nulsNetworks[chainID]
	if !ok {
		return errf(ErrSender, s, "sender %q names NULS chain id %d; pyaleph verifies chains 1 (NULS) and 2 (tNULS)", s.Sender, chainID)
	}
	sig, err := base64.StdEncoding.DecodeString(s.Signature)
	if err != nil || len(sig) != 65 {
		return errf(ErrFormat, s, "signature must be 65 bytes (recovery byte, r, s) in base64")
	}
	if sig[0] < 27 || sig[0] > 30 {
		return errf(ErrFormat, s, "signature recovery byte %d is not 27..30", sig[0])
	}
	// libsecp256k1 takes r||s||recid, as coincurve_sig reorders it.
	rsv := make([]byte, 65)
	copy(rsv, sig[1:])
	rsv[64] = sig[0] - 27
	digest := NULS2Digest(s)
	pub, err := crypto.Ecrecover(digest[:], rsv)
	if err != nil {
		return errf(ErrMismatch, s, "signature over sha256(NULS message %q) recovers no key: %v", s.Buffer(), err)
	}
	key, err := crypto.UnmarshalPubkey(pub)
	if err != nil {
		return errf(ErrMismatch, s, "signature recovers no valid key: %v", err)
	}
	if addr := nulsAddress(prefix, chainID, crypto.CompressPubkey(key)); addr != s.Sender {
		return errf(ErrMismatch, s, "signature over sha256(NULS message %q) recovers %s, sender is %s", s.Buffer(), addr, s.Sender)
	}
	return nil
}
