package resource

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/binary"

	"github.com/ethereum/go-ethereum/crypto"
)

// probeDomain separates a liveness answer from anything else a node's key
// signs (storage proofs, messages).
const probeDomain = "alephd/resource/probe/v1"

// ProbeDigest is what a resource node signs to answer a liveness probe of
// slot (epoch, slot) on chain chainID: SHA256(domain ‖ len‖chain id ‖
// len‖node ‖ epoch ‖ slot ‖ len‖nonce), lengths 2-byte, epoch 8-byte and
// slot 4-byte big-endian. The nonce is the slot's, fixed by state at the
// slot's start (the app hash committed before it), so no answer can be
// made before the slot opens; the chain id and node keep an answer from
// counting on another chain or for another node sharing the key.
func ProbeDigest(chainID, node string, epoch uint64, slot uint32, nonce []byte) []byte {
	h := sha256.New()
	h.Write([]byte(probeDomain))
	for _, b := range [][]byte{[]byte(chainID), []byte(node)} {
		h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(b)))) //nolint:gosec // chain ids (50) and node hashes (maxNameLen) are short
		h.Write(b)
	}
	h.Write(binary.BigEndian.AppendUint64(nil, epoch))
	h.Write(binary.BigEndian.AppendUint32(nil, slot))
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(nonce)))) //nolint:gosec // a nonce is a hash
	h.Write(nonce)
	return h.Sum(nil)
}

// SignProbe is a resource node's answer to a probe: its signature, R ‖ S,
// over ProbeDigest.
func SignProbe(key *ecdsa.PrivateKey, chainID, node string, epoch uint64, slot uint32, nonce []byte) ([]byte, error) {
	sig, err := crypto.Sign(ProbeDigest(chainID, node, epoch, slot, nonce), key)
	if err != nil {
		return nil, err
	}
	return sig[:64], nil
}

// VerifyProbe reports whether sig is node's answer for the slot, by the
// key pubkey (33-byte compressed secp256k1, NodeRecord.pubkey). High-S
// signatures are refused, so a valid answer has one encoding.
func VerifyProbe(pubkey []byte, chainID, node string, epoch uint64, slot uint32, nonce, sig []byte) bool {
	if len(pubkey) == 0 || len(sig) != 64 {
		return false
	}
	return crypto.VerifySignature(pubkey, ProbeDigest(chainID, node, epoch, slot, nonce), sig)
}

// ProbeTarget is one liveness probe a validator's node should make: the
// slot (epoch, slot) of resource node Node, reachable at URL (its
// registered address) and answering with Pubkey, whose nonce is Nonce.
// Answers count until height Until (the last height a record may name the
// slot). Committed state gives the list (Keeper.ProbeTargets); the node
// probes outside consensus.
type ProbeTarget struct {
	Node   string
	URL    string
	Pubkey []byte
	Epoch  uint64
	Slot   uint32
	Nonce  []byte
	Until  int64
}
