package chains

import (
	"encoding/hex"
	"strings"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// evm is pyaleph's EVMVerifier (chains/evm.py): EIP-191 personal_sign over
// the buffer, the recovered address compared with the sender whatever its
// case.
var evm = &Scheme{
	Name:   "EIP-191 personal_sign, secp256k1 key recovery",
	Sender: "0x and 40 hex digits, any case (EIP-55 or not)",
	verify: verifyEVM,
}

func init() {
	// The chains signature_verifier.py maps to EVMVerifier or its subclass
	// EthereumVerifier. AVAX is not among them: pyaleph verifies AVAX
	// messages as Avalanche key pairs (avalanche.go).
	register(evm, "ARB", "BASE", "BLAST", "BOB", "BSC", "CYBER", "ETH", "ETHERLINK",
		"FRAX", "HYPE", "INK", "LENS", "LINEA", "LISK", "METIS", "MODE", "NEO", "OP",
		"POL", "SONIC", "UNICHAIN", "WLD", "ZORA")
}

// EVMPayload is the EIP-191 digest an EVM wallet signs for s.
func EVMPayload(s *Signed) []byte { return accounts.TextHash(s.Buffer()) }

func verifyEVM(sv Signed) error {
	s := &sv
	// The 0x prefix is required: the bare hex would be a second spelling
	// (and owner) for one key, each with its own free-message count.
	if !strings.HasPrefix(s.Sender, "0x") || !IsEVMAddress(s.Sender) {
		return errf(ErrSender, s, "sender %q is not a 0x-prefixed Ethereum address", s.Sender)
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(s.Signature, "0x"))
	if err != nil || len(sig) != crypto.SignatureLength {
		return errf(ErrFormat, s, "signature must be 65 bytes as 0x-prefixed hex, got %d characters", len(s.Signature))
	}
	if sig[64] >= 27 { // personal_sign gives v as 27/28; ecrecover wants 0/1
		sig[64] -= 27
	}
	if sig[64] > 1 {
		return errf(ErrFormat, s, "signature recovery id %d is not 27 or 28", sig[64]+27)
	}
	pub, err := crypto.Ecrecover(EVMPayload(s), sig)
	if err != nil {
		return errf(ErrMismatch, s, "EIP-191 signature over %q does not recover to any key: %v", s.Buffer(), err)
	}
	// Compared as bytes: case in the sender (EIP-55 or not) does not matter,
	// and no checksum is computed unless the check fails.
	recovered := common.BytesToAddress(crypto.Keccak256(pub[1:])[12:])
	if recovered != common.HexToAddress(s.Sender) {
		return errf(ErrMismatch, s, "EIP-191 signature over %q recovers %s, sender is %s", s.Buffer(), recovered.Hex(), s.Sender)
	}
	return nil
}
