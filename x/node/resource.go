package node

import (
	"encoding/hex"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// resourceFields reads what only a resource node declares: details.pubkey,
// the secp256k1 key it signs storage proofs and liveness answers with (hex,
// 33 bytes compressed or 65 uncompressed, 0x optional; stored compressed),
// and details.capacity, its storage in bytes. A key left out (or "") keeps
// the node's key; a capacity left out keeps its capacity.
//
// secp256k1 because it is the key type of every Aleph account: an operator
// can use an Ethereum key and any SDK account to sign, and validators check
// with go-ethereum's crypto (libsecp256k1), which the chain already uses for
// messages. A public key rather than an address, so a signature checks
// without recovery and the key names itself in views.
func resourceFields(op *Operation, n *pb.NodeRecord) error {
	var key string
	if err := op.Details.Get("pubkey", &key); err != nil {
		return errs.Wrapf(ErrOperation, "details.%v", err)
	}
	if key != "" {
		pk, err := ParseResourceKey(key)
		if err != nil {
			return err
		}
		n.Pubkey = pk
	}
	if err := op.Details.Get("capacity", &n.Capacity); err != nil {
		return errs.Wrapf(ErrOperation, "details.%v (a whole number of bytes, 0 for none declared)", err)
	}
	return nil
}

// ParseResourceKey reads a resource node's public key as details.pubkey
// gives it and returns its 33-byte compressed form, or refuses a key that
// is not a point of secp256k1.
func ParseResourceKey(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return nil, errs.Wrapf(ErrOperation, "details.pubkey must be a secp256k1 public key in hex (33 bytes compressed or 65 uncompressed): %v", err)
	}
	switch len(b) {
	case 33:
		pub, err := crypto.DecompressPubkey(b)
		if err != nil {
			return nil, errs.Wrapf(ErrOperation, "details.pubkey is not a secp256k1 public key: %v", err)
		}
		return crypto.CompressPubkey(pub), nil
	case 65:
		pub, err := crypto.UnmarshalPubkey(b)
		if err != nil {
			return nil, errs.Wrapf(ErrOperation, "details.pubkey is not a secp256k1 public key: %v", err)
		}
		return crypto.CompressPubkey(pub), nil
	}
	return nil, errs.Wrapf(ErrOperation, "details.pubkey must be a secp256k1 public key of 33 bytes (compressed) or 65 (uncompressed), got %d bytes", len(b))
}

// ResourceCandidates are the resource nodes linked to an active CCN, in
// hash order: those that may hold files and be challenged. It reads each
// node record once and builds no views (Registry would read every CCN's
// stakers).
func (k *Keeper) ResourceCandidates(kv state.KV) ([]*pb.NodeRecord, error) {
	active := map[string]bool{}
	var crns []*pb.NodeRecord
	var bad error
	err := state.IteratePrefix(kv, []byte{ModulePrefix, prefixNode}, false, func(_, v []byte) bool {
		n := new(pb.NodeRecord)
		if bad = unmarshal(v, n); bad != nil {
			return false
		}
		switch {
		case n.Kind == pb.NodeKind_NODE_KIND_CORE:
			active[n.Hash] = k.Active(n)
		case n.Parent != "":
			crns = append(crns, n)
		}
		return true
	})
	if err != nil || bad != nil {
		return nil, errorsJoin(err, bad)
	}
	out := crns[:0]
	for _, n := range crns { // a CRN may sort before its CCN: filter after the pass
		if active[n.Parent] {
			out = append(out, n)
		}
	}
	return out, nil
}

// Unlink detaches a resource node from its CCN without an operation: the
// chain's own decision (x/resource unlinks a node whose score stays 0). A
// hash that names no linked resource node is left alone, so a node dropped
// or unlinked by its owner in the meantime is no error.
func (k *Keeper) Unlink(kv state.KV, hash string) error {
	n, err := k.Node(kv, hash)
	if err != nil || n == nil || n.Kind != pb.NodeKind_NODE_KIND_RESOURCE || n.Parent == "" {
		return err
	}
	return k.detach(kv, n)
}
