package chains

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/btcsuite/btcd/btcutil/bech32"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/mr-tron/base58"
	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // Avalanche addresses are RIPEMD-160 hashes; no other package has it.
)

// avalanche is pyaleph's AvalancheConnector (chains/avalanche.py), for the
// AVAX chain: the signature is cb58 (base58 of the 65 bytes r||s||recid and
// the last 4 bytes of their sha256) over sha256("\x1aAvalanche Signed
// Message:\n" + uint32 BE length + buffer); the key recovered gives
// "{chain}-" + bech32("avax", ripemd160(sha256(compressed key))), which must
// be the sender, the chain letter taken from it (X-avax1…, P-avax1…).
// pyaleph verifies no 0x sender on AVAX: an EVM key on Avalanche's C-chain
// signs with an EVM chain name such as ETH.
var avalanche = &Scheme{
	Name:   `secp256k1 recovery over sha256("\x1aAvalanche Signed Message:\n" + uint32 length + buffer), cb58 signature`,
	Sender: "{chain}-avax1… (X-avax1…, P-avax1…): bech32 of ripemd160(sha256(key)), exact case",
	verify: verifyAvalanche,
}

func init() { register(avalanche, "AVAX") }

const avalancheMessagePrefix = "\x1aAvalanche Signed Message:\n"

// AvalancheDigest is what an Avalanche key pair signs for s.
func AvalancheDigest(s *Signed) [32]byte {
	buf := s.Buffer()
	b := make([]byte, 0, len(avalancheMessagePrefix)+4+len(buf))
	b = append(b, avalancheMessagePrefix...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(buf)))
	return sha256.Sum256(append(b, buf...))
}

// avalancheAddress is pyaleph's address_to_string: the prefix is always
// "avax", whatever the sender's.
func avalancheAddress(chainID string, compressed []byte) (string, error) {
	sh := sha256.Sum256(compressed)
	rh := ripemd160.New()
	rh.Write(sh[:])
	conv, err := bech32.ConvertBits(rh.Sum(nil), 8, 5, true)
	if err != nil {
		return "", err
	}
	enc, err := bech32.Encode("avax", conv)
	return chainID + "-" + enc, err
}

func verifyAvalanche(sv Signed) error {
	s := &sv
	chainID, rest, ok := strings.Cut(s.Sender, "-")
	if !ok || !strings.Contains(rest, "1") {
		if IsEVMAddress(s.Sender) {
			return errf(ErrSender, s, "sender %s is an EVM address: pyaleph verifies AVAX messages from Avalanche key pairs only (X-avax1…); an EVM key on the C-chain signs as chain ETH", s.Sender)
		}
		return errf(ErrSender, s, "sender %q is not an Avalanche address ({chain}-avax1…)", s.Sender)
	}
	raw, err := base58.Decode(s.Signature)
	if err != nil || len(raw) != 69 {
		return errf(ErrFormat, s, "signature must be cb58: base58 of 65 bytes (r, s, recovery id) and a 4-byte checksum")
	}
	sig, sum := raw[:65], raw[65:]
	if h := sha256.Sum256(sig); string(h[28:]) != string(sum) {
		return errf(ErrFormat, s, "signature's cb58 checksum does not match")
	}
	if sig[64] > 3 {
		return errf(ErrFormat, s, "signature recovery id %d is not 0..3", sig[64])
	}
	digest := AvalancheDigest(s)
	pub, err := crypto.Ecrecover(digest[:], sig)
	if err != nil {
		return errf(ErrMismatch, s, "signature over sha256(Avalanche message %q) recovers no key: %v", s.Buffer(), err)
	}
	key, err := crypto.UnmarshalPubkey(pub)
	if err != nil {
		return errf(ErrMismatch, s, "signature recovers no valid key: %v", err)
	}
	addr, err := avalancheAddress(chainID, crypto.CompressPubkey(key))
	if err != nil || addr != s.Sender {
		return errf(ErrMismatch, s, "signature over sha256(Avalanche message %q) recovers %s, sender is %s", s.Buffer(), addr, s.Sender)
	}
	return nil
}
