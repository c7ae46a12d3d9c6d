package resource

import (
	"bytes"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// Reads over one node's keys, for the routes a resource node follows
// (app's /resource/files and /resource/challenges). They iterate only the
// node's own prefix, so their cost follows what the node holds, not how
// many nodes and files the chain has, as filtering Holdings did. They are
// queries, but they follow consensus code's rules all the same: key order
// only, no map order.

// NodeFiles lists the files node holds (05 04 node …), in file hash order,
// each with its attested size and chunk root: the node's entry of
// Holdings, for a member. A node holding nothing gets none.
func (k *Keeper) NodeFiles(kv state.KV, node string) ([]FileInfo, error) {
	hashes, err := namesUnder(kv, state.NewKey(ModulePrefix, prefixHolding).String(node).Bytes())
	if err != nil {
		return nil, err
	}
	out := make([]FileInfo, 0, len(hashes))
	for _, h := range hashes {
		a, err := k.Assignment(kv, h)
		if err != nil {
			return nil, err
		}
		if a == nil {
			return nil, fmt.Errorf("node %s holds %s, which has no assignment", node, h)
		}
		out = append(out, FileInfo{Hash: h, Size: a.Size, ChunkRoot: bytes.Clone(a.ChunkRoot)})
	}
	return out, nil
}

// NodeChallenge is one of a node's challenges and its slot.
type NodeChallenge struct {
	Slot uint32
	*pb.ChallengeRecord
}

// NodeChallenges lists node's challenges of epoch (05 02 epoch node …),
// in slot order; none once the epoch's challenges are closed.
func (k *Keeper) NodeChallenges(kv state.KV, epoch uint64, node string) ([]NodeChallenge, error) {
	prefix := state.NewKey(ModulePrefix, prefixChallenge).Uint64(epoch).String(node).Bytes()
	var out []NodeChallenge
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		c := NodeChallenge{Slot: r.Uint32(), ChallengeRecord: new(pb.ChallengeRecord)}
		if bad = errors.Join(r.Err(), proto.Unmarshal(v, c.ChallengeRecord)); bad != nil {
			bad = fmt.Errorf("challenge %d/%s: %w", epoch, node, bad)
			return false
		}
		out = append(out, c)
		return true
	})
	return out, errors.Join(err, bad)
}
