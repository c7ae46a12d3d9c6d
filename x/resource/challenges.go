package resource

import (
	"bytes"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// FileInfo is an assigned file as its challenges need it: hash, attested
// size, and a sha256 file's chunk root (empty for an IPFS file).
type FileInfo struct {
	Hash      string
	Size      uint64
	ChunkRoot []byte
}

// Holding is what one resource node holds: its assigned files.
type Holding struct {
	Node  string
	Files []FileInfo
}

// OpenEpoch draws and records the challenges of epoch for each holding,
// from seed (EpochSeed). A node holding no non-empty file gets none.
func (k *Keeper) OpenEpoch(kv state.KV, epoch uint64, seed []byte, holdings []Holding) error {
	for _, h := range holdings {
		files := make([]File, len(h.Files))
		byHash := make(map[string]FileInfo, len(h.Files))
		for i, f := range h.Files {
			files[i] = File{Hash: f.Hash, Size: f.Size, ChunkSize: k.params.FileChunkSize(f.Hash)}
			byHash[f.Hash] = f
		}
		for _, c := range Draw(seed, h.Node, files, int(k.params.ChallengesPerEpoch)) {
			f := byHash[c.File]
			rec := &pb.ChallengeRecord{File: c.File, Index: c.Index, Size: f.Size, ChunkRoot: f.ChunkRoot}
			if err := kv.Set(challengeKey(epoch, h.Node, c.Slot), marshal(rec)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Challenge returns one challenge, or nil.
func (k *Keeper) Challenge(kv state.KV, epoch uint64, nodeHash string, slot uint32) (*pb.ChallengeRecord, error) {
	b, err := kv.Get(challengeKey(epoch, nodeHash, slot))
	if err != nil || b == nil {
		return nil, err
	}
	c := new(pb.ChallengeRecord)
	if err := proto.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("decode challenge %d/%s/%d: %w", epoch, nodeHash, slot, err)
	}
	return c, nil
}

// ApplyProof checks a proof at height and, if it answers an open
// challenge, marks it passed. Anything else is refused with a registered
// error and changes nothing: a challenge that no valid proof answers fails
// at its deadline, not when someone sends a bad one.
func (k *Keeper) ApplyProof(kv state.KV, height int64, p *pb.StorageProof) error {
	if !k.params.Enabled {
		return errs.Wrapf(ErrDisabled, "this chain's resource params do not enable storage proofs")
	}
	c, err := k.Challenge(kv, p.Epoch, p.Node, p.Slot)
	if err != nil {
		return err
	}
	if c == nil {
		if height > k.params.Deadline(p.Epoch) {
			return errs.Wrapf(ErrDeadline, "epoch %d's challenges closed at height %d", p.Epoch, k.params.Deadline(p.Epoch))
		}
		return errs.Wrapf(ErrChallenge, "node %s has no challenge %d in epoch %d", p.Node, p.Slot, p.Epoch)
	}
	if c.File != p.File || c.Index != p.Index {
		return errs.Wrapf(ErrChallenge, "challenge %d of node %s in epoch %d is chunk %d of %s, not chunk %d of %s",
			p.Slot, p.Node, p.Epoch, c.Index, c.File, p.Index, p.File)
	}
	if height > k.params.Deadline(p.Epoch) {
		return errs.Wrapf(ErrDeadline, "epoch %d's challenges closed at height %d", p.Epoch, k.params.Deadline(p.Epoch))
	}
	if c.Passed {
		return errs.Wrapf(ErrAnswered, "challenge %d of node %s in epoch %d was proven at height %d", p.Slot, p.Node, p.Epoch, c.ProvenHeight)
	}
	if err := verify(c, p, k.params); err != nil {
		return err
	}
	c.Passed, c.ProvenHeight = true, height
	return kv.Set(challengeKey(p.Epoch, p.Node, p.Slot), marshal(c))
}

// CloseEpoch ends epoch's challenges: each node's issued and passed count
// goes into its score window, and the challenges are deleted. It runs at
// the epoch's deadline, after the block's proofs. The nodes are judged
// later, once, at the epoch's last height (FinishEpoch), on their proofs
// and liveness together. Each file a node failed a challenge on moves to
// another node, and the node is excluded from it for a while
// (settleFailures).
func (k *Keeper) CloseEpoch(kv state.KV, epoch uint64) error {
	prefix := epochChallengesPrefix(epoch)
	type entry struct {
		key  []byte
		node string
		file string
		pass bool
	}
	var entries []entry
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		nodeHash := r.String()
		c := new(pb.ChallengeRecord)
		if bad = errors.Join(r.Err(), proto.Unmarshal(v, c)); bad != nil {
			return false
		}
		entries = append(entries, entry{key: bytes.Clone(key), node: nodeHash, file: c.File, pass: c.Passed})
		return true
	})
	if err = errors.Join(err, bad); err != nil {
		return err
	}
	var failed []failure
	for i := 0; i < len(entries); { // entries are grouped by node, in key order
		t := &pb.EpochTally{Epoch: epoch}
		j := i
		for ; j < len(entries) && entries[j].node == entries[i].node; j++ {
			t.Issued++
			if entries[j].pass {
				t.Passed++
			} else {
				failed = append(failed, failure{node: entries[j].node, file: entries[j].file})
			}
			if err := kv.Delete(entries[j].key); err != nil {
				return err
			}
		}
		if _, err := k.record(kv, entries[i].node, t); err != nil {
			return err
		}
		i = j
	}
	// A failed challenge moves its file off the node (exclusions.go).
	return k.settleFailures(kv, epoch, failed)
}
