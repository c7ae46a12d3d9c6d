package node

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// Faults. No tokens are taken (they live on Ethereum): a CCN that double
// signs, or misses more than downtime_max_missed_bps of its last
// downtime_window blocks, is jailed. A jailed CCN is no candidate for the
// validator set, which is recomputed at once; its owner may unjail it from
// jail_blocks later.

// ConsensusAddress is CometBFT's address of an ed25519 consensus key: the
// first 20 bytes of its SHA-256.
func ConsensusAddress(pubKey []byte) []byte {
	h := sha256.Sum256(pubKey)
	return h[:20]
}

// Vote is a validator's part in the last commit, as the block hook sees it.
type Vote struct {
	Address []byte
	Signed  bool
}

// BeginBlock counts each CCN's part in the last commit, and jails those
// that double signed (misbehavior, by consensus address) or missed too
// many blocks. It reports whether it jailed any.
func (k *Keeper) BeginBlock(kv state.KV, height int64, votes []Vote, misbehavior [][]byte) (bool, error) {
	jailed := false
	for _, addr := range misbehavior {
		n, err := k.byConsensusAddress(kv, addr)
		if err != nil {
			return false, err
		}
		if n != nil && !n.Jailed {
			if err := k.jail(kv, n, height); err != nil {
				return false, err
			}
			jailed = true
		}
	}
	for _, v := range votes {
		n, err := k.byConsensusAddress(kv, v.Address)
		if err != nil {
			return false, err
		}
		if n == nil || n.Jailed {
			continue
		}
		down, err := k.count(kv, n.Hash, !v.Signed)
		if err != nil {
			return false, err
		}
		if down {
			if err := k.jail(kv, n, height); err != nil {
				return false, err
			}
			jailed = true
		}
	}
	return jailed, nil
}

func (k *Keeper) byConsensusAddress(kv state.KV, addr []byte) (*pb.NodeRecord, error) {
	hash, err := kv.Get(consensusKey(addr))
	if err != nil || hash == nil {
		return nil, err
	}
	return k.Node(kv, string(hash))
}

// count records one block, missed or not, in a CCN's window, and reports
// whether it has now missed more than it may: the window must be full
// before it can (a validator that just joined is not judged on less).
func (k *Keeper) count(kv state.KV, node string, missed bool) (bool, error) {
	w := k.params.DowntimeWindow
	b, err := kv.Get(livenessKey(node))
	if err != nil {
		return false, err
	}
	if len(b) != 16+int((w+7)/8) {
		b = make([]byte, 16+(w+7)/8)
	}
	seen, misses := int64(binary.BigEndian.Uint64(b)), int64(binary.BigEndian.Uint64(b[8:]))
	pos := seen % w
	byteAt, bit := 16+pos/8, byte(1)<<(pos%8)
	if seen >= w && b[byteAt]&bit != 0 {
		misses--
	}
	b[byteAt] &^= bit
	if missed {
		b[byteAt] |= bit
		misses++
	}
	seen++
	binary.BigEndian.PutUint64(b, uint64(seen))
	binary.BigEndian.PutUint64(b[8:], uint64(misses))
	if err := kv.Set(livenessKey(node), b); err != nil {
		return false, err
	}
	return seen >= w && misses*10_000 > w*int64(k.params.DowntimeMaxMissedBps), nil
}

func (k *Keeper) jail(kv state.KV, n *pb.NodeRecord, height int64) error {
	n.Jailed, n.JailedUntil = true, height+k.params.JailBlocks
	if err := kv.Delete(livenessKey(n.Hash)); err != nil {
		return err
	}
	return k.saveNode(kv, n)
}

// unjail ends a CCN's jail, at its owner's request, once its time is up.
func (k *Keeper) unjail(kv state.KV, op *Operation) error {
	n, err := k.target(kv, op, pb.NodeKind_NODE_KIND_CORE)
	if err != nil {
		return err
	}
	switch {
	case balance.Canonical(n.Owner) != op.Owner:
		return errs.Wrapf(ErrNotOwner, "%s does not own node %s", op.Owner, n.Hash)
	case !n.Jailed:
		return errs.Wrapf(ErrJail, "node %s is not jailed", n.Hash)
	case op.Height < n.JailedUntil:
		return errs.Wrapf(ErrJail, "node %s stays jailed until height %d; this is %d", n.Hash, n.JailedUntil, op.Height)
	}
	n.Jailed, n.JailedUntil = false, 0
	return k.saveNode(kv, n)
}
