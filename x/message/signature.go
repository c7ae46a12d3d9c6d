package message

import (
	"encoding/hex"
	"strings"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// evmChains are the Aleph chain codes whose messages are signed with
// EIP-191 personal_sign by an Ethereum account: the chains that pyaleph's
// src/aleph/chains/signature_verifier.py maps to its EVM verifier.
var evmChains = map[string]bool{
	"ARB": true, "BASE": true, "BLAST": true, "BOB": true, "BSC": true,
	"CYBER": true, "ETH": true, "ETHERLINK": true, "FRAX": true, "HYPE": true,
	"INK": true, "LENS": true, "LINEA": true, "LISK": true, "METIS": true,
	"MODE": true, "NEO": true, "OP": true, "POL": true, "SONIC": true,
	"UNICHAIN": true, "WLD": true, "ZORA": true,
}

// IsEVMChain reports whether messages of chain are verified as EIP-191.
func IsEVMChain(chain string) bool { return evmChains[chain] }

// SigningPayload is what the sender signs: "{chain}\n{sender}\n{type}\n{item_hash}".
func SigningPayload(m *pb.AlephMessage) []byte {
	return []byte(m.Chain + "\n" + m.Sender + "\n" + m.Type + "\n" + m.ItemHash)
}

// VerifySignature checks that the message's EIP-191 signature recovers to
// its sender, compared case-insensitively so EIP-55 checksummed and
// lower-case senders both verify.
func VerifySignature(m *pb.AlephMessage) error {
	if !IsEVMChain(m.Chain) {
		return errs.Wrapf(ErrChain, "chain %q is not supported; alephd verifies EVM chains (ETH, BSC, ARB, BASE, OP, POL, ...)", m.Chain)
	}
	// The 0x prefix is required: common.IsHexAddress also takes the bare
	// hex, and the two spellings would be two senders (and owners) for one
	// key, each with its own free-message count.
	if !strings.HasPrefix(m.Sender, "0x") || !common.IsHexAddress(m.Sender) {
		return errs.Wrapf(ErrSignatureFormat, "sender %q is not a 0x-prefixed Ethereum address", m.Sender)
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(m.Signature, "0x"))
	if err != nil || len(sig) != crypto.SignatureLength {
		return errs.Wrapf(ErrSignatureFormat, "signature must be 65 bytes as 0x-prefixed hex, got %d characters", len(m.Signature))
	}
	if sig[64] >= 27 { // personal_sign gives v as 27/28; ecrecover wants 0/1
		sig[64] -= 27
	}
	if sig[64] > 1 {
		return errs.Wrapf(ErrSignatureFormat, "signature recovery id %d is not 27 or 28", sig[64]+27)
	}
	pub, err := crypto.Ecrecover(accounts.TextHash(SigningPayload(m)), sig)
	if err != nil {
		return errs.Wrapf(ErrSignature, "signature does not recover to any key: %v", err)
	}
	// Compared as bytes: case in the sender (EIP-55 or not) does not matter,
	// and no checksum is computed unless the check fails.
	recovered := common.BytesToAddress(crypto.Keccak256(pub[1:])[12:])
	if recovered != common.HexToAddress(m.Sender) {
		return errs.Wrapf(ErrSignature, "signature recovers %s, sender is %s", recovered.Hex(), m.Sender)
	}
	return nil
}
