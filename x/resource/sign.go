package resource

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/binary"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// proofDomain separates a proof signature from anything else a node's key
// signs (liveness probes, messages).
const proofDomain = "alephd/resource/proof/v1"

// ProofDigest is what a resource node signs for proof p on chain chainID:
// SHA256(domain ‖ len‖chain id ‖ len‖node ‖ epoch ‖ slot ‖ body), lengths
// 2-byte and epoch 8-byte big-endian, slot 4-byte, body = SHA256 of p's
// deterministic encoding without its signature. The chain id keeps a
// proof from being replayed on another chain; the body hash binds the
// file, index, blocks, chunk and path.
func ProofDigest(chainID string, p *pb.StorageProof) []byte {
	body := proto.Clone(p).(*pb.StorageProof)
	body.Signature = nil
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(body)
	if err != nil {
		panic(err) // strings decoded as UTF-8, the rest bytes and integers
	}
	bodyHash := sha256.Sum256(b)
	h := sha256.New()
	h.Write([]byte(proofDomain))
	for _, s := range []string{chainID, p.Node} {
		h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(s)))) //nolint:gosec // names are bounded: DecodeProof's maxNameLen, chain ids by CometBFT (50)
		h.Write([]byte(s))
	}
	h.Write(binary.BigEndian.AppendUint64(nil, p.Epoch))
	h.Write(binary.BigEndian.AppendUint32(nil, p.Slot))
	h.Write(bodyHash[:])
	return h.Sum(nil)
}

// SignProof sets p's signature by key for chain chainID: what a resource
// node does before it submits a proof.
func SignProof(chainID string, p *pb.StorageProof, key *ecdsa.PrivateKey) error {
	p.Signature = nil
	sig, err := crypto.Sign(ProofDigest(chainID, p), key)
	if err != nil {
		return err
	}
	p.Signature = sig[:64] // R ‖ S; the recovery byte is not needed against a known key
	return nil
}

// CheckSignature checks that p is signed by its node's registered key. A
// node without a key cannot answer (ErrNoKey): otherwise anyone holding
// the file could answer for it. Verification only: nothing is written.
func (k *Keeper) CheckSignature(kv state.KV, chainID string, p *pb.StorageProof) error {
	n, err := k.nodes.Node(kv, p.Node)
	if err != nil {
		return err
	}
	if n == nil || n.Kind != pb.NodeKind_NODE_KIND_RESOURCE {
		return errs.Wrapf(ErrChallenge, "%s is not a resource node", p.Node)
	}
	if len(n.Pubkey) == 0 {
		return errs.Wrapf(ErrNoKey, "resource node %s has no pubkey: its owner sets one with an amend (details.pubkey)", p.Node)
	}
	if len(p.Signature) != 64 {
		return errs.Wrapf(ErrSignature, "the signature has %d bytes, want 64 (R ‖ S)", len(p.Signature))
	}
	// VerifySignature refuses high-S signatures, so a valid one has no
	// second encoding.
	if !crypto.VerifySignature(n.Pubkey, ProofDigest(chainID, p), p.Signature) {
		return errs.Wrapf(ErrSignature, "the signature does not verify against node %s's key for this chain, epoch %d and slot %d", p.Node, p.Epoch, p.Slot)
	}
	return nil
}
