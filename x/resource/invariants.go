package resource

import (
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource/proof"
)

// Invariants checks the module's state:
//   - a score window holds at most score_window_epochs epochs, in
//     increasing order and within that span, each with passed <= issued and
//     up <= slots, and its score is Score of them (so within 0..10,000);
//   - an open challenge names a chunk inside its file, a sha256 file's
//     carries a 32-byte root and an IPFS file's none, and a passed one the
//     height it was proven at;
//   - a zero-score count is 1 to zero_score_epochs-1 (it unlinks at that);
//   - an open liveness slot is one the params open, with a 32-byte nonce,
//     and a slot marked up is one the params open (checkLiveness);
//   - every file is held by exactly Assign over the members (its excluded
//     nodes ranked after the others, assignFile), and the holdings index
//     lists exactly those (file, node) pairs;
//   - every exclusion is indexed by its expiry and names an assigned file
//     (checkExclusions).
func (k *Keeper) Invariants(kv state.KV) error {
	var bad error
	prefix := []byte{ModulePrefix, prefixWindow}
	err := state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		nodeHash := r.String()
		w := new(pb.ScoreWindow)
		if bad = errors.Join(r.Err(), proto.Unmarshal(v, w)); bad == nil {
			bad = k.checkWindow(w)
		}
		if bad != nil {
			bad = fmt.Errorf("score window of %s: %w", nodeHash, bad)
		}
		return bad == nil
	})
	if err = errors.Join(err, bad); err != nil {
		return err
	}
	prefix = []byte{ModulePrefix, prefixChallenge}
	err = state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		epoch, nodeHash, slot := r.Uint64(), r.String(), r.Uint32()
		c := new(pb.ChallengeRecord)
		if bad = errors.Join(r.Err(), proto.Unmarshal(v, c)); bad == nil {
			bad = k.checkChallenge(c)
		}
		if bad != nil {
			bad = fmt.Errorf("challenge %d/%s/%d: %w", epoch, nodeHash, slot, bad)
		}
		return bad == nil
	})
	if err = errors.Join(err, bad); err != nil {
		return err
	}
	prefix = []byte{ModulePrefix, prefixZero}
	err = state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		nodeHash := r.String()
		n, verr := readUvarint(v)
		if bad = errors.Join(r.Err(), verr); bad == nil && (n == 0 || (k.params.ZeroScoreEpochs > 0 && n >= uint64(k.params.ZeroScoreEpochs))) {
			bad = fmt.Errorf("zero score count of %s is %d, outside 1..%d", nodeHash, n, k.params.ZeroScoreEpochs)
		}
		return bad == nil
	})
	if err = errors.Join(err, bad); err != nil {
		return err
	}
	if err := k.checkLiveness(kv); err != nil {
		return err
	}
	if err := k.checkExclusions(kv); err != nil {
		return err
	}
	return k.checkAssignments(kv)
}

func (k *Keeper) checkAssignments(kv state.KV) error {
	members, err := k.Members(kv)
	if err != nil {
		return err
	}
	excluded, err := k.exclusionsByFile(kv)
	if err != nil {
		return err
	}
	var bad error
	holdings := 0
	prefix := []byte{ModulePrefix, prefixFile}
	err = state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		hash := r.String()
		a := new(pb.FileAssignment)
		if bad = errors.Join(r.Err(), proto.Unmarshal(v, a)); bad != nil {
			return false
		}
		if want := k.assignFile(hash, members, excluded[hash]); !slices.Equal(a.Nodes, want) {
			bad = fmt.Errorf("file %s is held by %v, its assignment is %v", hash, a.Nodes, want)
			return false
		}
		for _, n := range a.Nodes {
			ok, err := kv.Has(holdingKey(n, hash))
			if bad = err; err == nil && !ok {
				bad = fmt.Errorf("file %s is held by %s, which does not list it", hash, n)
			}
			if bad != nil {
				return false
			}
		}
		holdings += len(a.Nodes)
		return true
	})
	if err = errors.Join(err, bad); err != nil {
		return err
	}
	listed := 0
	err = state.IteratePrefix(kv, []byte{ModulePrefix, prefixHolding}, false, func(_, _ []byte) bool {
		listed++
		return true
	})
	if err == nil && listed != holdings {
		err = fmt.Errorf("%d holdings listed, the assignments have %d", listed, holdings)
	}
	return err
}

func (k *Keeper) checkWindow(w *pb.ScoreWindow) error {
	n := uint64(k.params.ScoreWindowEpochs)
	if uint64(len(w.Epochs)) > n {
		return fmt.Errorf("%d epochs, more than %d", len(w.Epochs), n)
	}
	for i, e := range w.Epochs {
		if i > 0 && e.Epoch <= w.Epochs[i-1].Epoch {
			return fmt.Errorf("epoch %d after epoch %d", e.Epoch, w.Epochs[i-1].Epoch)
		}
		if last := w.Epochs[len(w.Epochs)-1].Epoch; last-e.Epoch >= n {
			return fmt.Errorf("epoch %d is outside the window ending at %d", e.Epoch, last)
		}
		if e.Passed > e.Issued || e.Up > e.Slots {
			return fmt.Errorf("epoch %d: %d of %d passed, %d of %d up", e.Epoch, e.Passed, e.Issued, e.Up, e.Slots)
		}
	}
	if s := Score(w.Epochs); w.ScoreBps != s || s > BPS {
		return fmt.Errorf("score %d, its epochs give %d", w.ScoreBps, s)
	}
	return nil
}

func (k *Keeper) checkChallenge(c *pb.ChallengeRecord) error {
	if c.Index >= proof.Chunks(c.Size, k.params.FileChunkSize(c.File)) {
		return fmt.Errorf("chunk %d of a file of %d bytes", c.Index, c.Size)
	}
	if sha := isSHA256File(c.File); sha != (len(c.ChunkRoot) == 32) || (!sha && len(c.ChunkRoot) > 0) {
		return fmt.Errorf("file %s with a chunk root of %d bytes", c.File, len(c.ChunkRoot))
	}
	if c.Passed != (c.ProvenHeight > 0) {
		return fmt.Errorf("passed %v at height %d", c.Passed, c.ProvenHeight)
	}
	return nil
}
