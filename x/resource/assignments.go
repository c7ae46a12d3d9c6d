package resource

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// Members are the resource nodes assignments follow, in hash order: the
// candidates as of the last Refresh (each epoch's start), so that a file
// added between two refreshes is assigned over the same set as the others.
func (k *Keeper) Members(kv state.KV) ([]Candidate, error) {
	prefix := []byte{ModulePrefix, prefixMember}
	var out []Candidate
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		c := Candidate{Node: r.String()}
		var werr error
		c.Weight, werr = readUvarint(v)
		if bad = errors.Join(r.Err(), werr); bad != nil {
			bad = fmt.Errorf("member %q: %w", c.Node, bad)
			return false
		}
		out = append(out, c)
		return true
	})
	return out, errors.Join(err, bad)
}

// Assignment returns a file's assignment, or nil.
func (k *Keeper) Assignment(kv state.KV, hash string) (*pb.FileAssignment, error) {
	b, err := kv.Get(FileKey(hash))
	if err != nil || b == nil {
		return nil, err
	}
	a := new(pb.FileAssignment)
	if err := proto.Unmarshal(b, a); err != nil {
		return nil, fmt.Errorf("decode assignment of %s: %w", hash, err)
	}
	return a, nil
}

// AddFile assigns a file that became live (its first processed STORE) to
// its replicas among the members. A file already assigned keeps its
// holders.
func (k *Keeper) AddFile(kv state.KV, f FileInfo) error {
	if !k.params.Enabled {
		return nil
	}
	if a, err := k.Assignment(kv, f.Hash); err != nil || a != nil {
		return err
	}
	members, err := k.Members(kv)
	if err != nil {
		return err
	}
	excluded, err := k.Excluded(kv, f.Hash)
	if err != nil {
		return err
	}
	a := &pb.FileAssignment{Size: f.Size, ChunkRoot: f.ChunkRoot}
	return k.setHolders(kv, f.Hash, a, k.assignFile(f.Hash, members, excluded))
}

// RemoveFile releases a file whose last live STORE is gone: its holders
// are no longer challenged on it, and its exclusions go.
func (k *Keeper) RemoveFile(kv state.KV, hash string) error {
	a, err := k.Assignment(kv, hash)
	if err != nil || a == nil {
		return err
	}
	if err := k.dropExclusions(kv, hash); err != nil {
		return err
	}
	for _, n := range a.Nodes {
		if err := kv.Delete(holdingKey(n, hash)); err != nil {
			return err
		}
	}
	return kv.Delete(FileKey(hash))
}

// setHolders makes nodes a's holders of file, writing only the holdings
// that change.
func (k *Keeper) setHolders(kv state.KV, file string, a *pb.FileAssignment, nodes []string) error {
	for _, n := range a.Nodes {
		if !slices.Contains(nodes, n) {
			if err := kv.Delete(holdingKey(n, file)); err != nil {
				return err
			}
		}
	}
	for _, n := range nodes {
		if !slices.Contains(a.Nodes, n) {
			if err := kv.Set(holdingKey(n, file), present); err != nil {
				return err
			}
		}
	}
	a.Nodes = nodes
	return kv.Set(FileKey(file), marshal(a))
}

// Refresh makes the members the registry's current candidates and, if they
// changed, re-assigns the files that must move. Rendezvous hashing moves
// only those: a node that left gives each of its files to the next node in
// that file's order; one that joined takes the files where it ranks among
// the first replicas. So a file is re-ranked over all members only if a
// holder left, it has fewer holders than it should, or a joining node
// outranks its weakest holder (Outranks); the others cost one hash per
// joining node and one for the weakest holder. Only changed holdings are
// written. A file with exclusions (exclusions.go) ranks its excluded
// nodes below the others: it is re-ranked if one of them holds it, and
// otherwise only as above, over the joining nodes not excluded
// (mayMoveExcluded). It returns how many files changed holders.
func (k *Keeper) Refresh(kv state.KV) (int, error) {
	now, err := k.Candidates(kv)
	if err != nil {
		return 0, err
	}
	was, err := k.Members(kv)
	if err != nil {
		return 0, err
	}
	if slices.Equal(now, was) {
		return 0, nil
	}
	left := map[string]bool{}
	for _, m := range was {
		if !slices.Contains(now, m) {
			left[m.Node] = true
		}
		if err := kv.Delete(memberKey(m.Node)); err != nil {
			return 0, err
		}
	}
	var joined []Candidate
	for _, c := range now {
		if !slices.Contains(was, c) {
			joined = append(joined, c)
		}
		if err := kv.Set(memberKey(c.Node), uvarint(c.Weight)); err != nil {
			return 0, err
		}
	}
	type file struct {
		hash string
		a    *pb.FileAssignment
	}
	var files []file
	var bad error
	prefix := []byte{ModulePrefix, prefixFile}
	err = state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		f := file{hash: r.String(), a: new(pb.FileAssignment)}
		if bad = errors.Join(r.Err(), proto.Unmarshal(v, f.a)); bad != nil {
			return false
		}
		files = append(files, f)
		return true
	})
	if err = errors.Join(err, bad); err != nil {
		return 0, err
	}
	weights := make(map[string]uint64, len(now))
	for _, c := range now {
		weights[c.Node] = c.Weight
	}
	excluded, err := k.exclusionsByFile(kv)
	if err != nil {
		return 0, err
	}
	replicas := int(k.params.Replicas)
	full := min(replicas, len(now))
	moved := 0
	for _, f := range files {
		ex := excluded[f.hash]
		if !k.mayMoveExcluded(f.hash, f.a.Nodes, ex, left, joined, weights, full) {
			continue
		}
		nodes := k.assignFile(f.hash, now, ex)
		if slices.Equal(nodes, f.a.Nodes) {
			continue
		}
		moved++
		if err := k.setHolders(kv, f.hash, f.a, nodes); err != nil {
			return moved, err
		}
	}
	return moved, nil
}

// mayMove tells whether a file held by holders could be assigned otherwise
// after the members changed: a holder left, it lacks holders, or a joining
// node outranks the weakest holder. A member whose weight changed counts as
// one that left (its files are re-ranked) and one that joined (it may take
// others'); weights are the members' current ones.
func (k *Keeper) mayMove(file string, holders []string, left map[string]bool, joined []Candidate, weights map[string]uint64, full int) bool {
	if len(holders) < full {
		return true
	}
	hs := make([]Candidate, len(holders))
	for i, h := range holders {
		if left[h] {
			return true
		}
		hs[i] = Candidate{Node: h, Weight: weights[h]}
	}
	for _, j := range joined {
		if Outranks(file, j, hs, full) {
			return true
		}
	}
	return false
}

// mayMoveExcluded is mayMove for a file with nodes excluded from it
// (exclusions.go). While no holder is excluded, the holders are the first
// of the members not excluded, ranked as rendezvous hashing ranks them, so
// only a holder leaving or a joining member that is not excluded can change
// them: mayMove over those joiners. A file that an excluded node holds
// (too few others were left) is re-ranked in full.
func (k *Keeper) mayMoveExcluded(file string, holders, excluded []string, left map[string]bool, joined []Candidate, weights map[string]uint64, full int) bool {
	if len(excluded) == 0 {
		return k.mayMove(file, holders, left, joined, weights, full)
	}
	for _, h := range holders {
		if slices.Contains(excluded, h) {
			return true
		}
	}
	var eligible []Candidate
	for _, j := range joined {
		if !slices.Contains(excluded, j.Node) {
			eligible = append(eligible, j)
		}
	}
	return k.mayMove(file, holders, left, eligible, weights, full)
}

// Holdings lists every member with the files it holds (none: an empty
// list), in node and file hash order: what an epoch's challenges are drawn
// over.
func (k *Keeper) Holdings(kv state.KV) ([]Holding, error) {
	members, err := k.Members(kv)
	if err != nil {
		return nil, err
	}
	out := make([]Holding, len(members))
	for i, m := range members {
		out[i].Node = m.Node
		hashes, err := namesUnder(kv, state.NewKey(ModulePrefix, prefixHolding).String(m.Node).Bytes())
		if err != nil {
			return nil, err
		}
		for _, h := range hashes {
			a, err := k.Assignment(kv, h)
			if err != nil {
				return nil, err
			}
			if a == nil {
				return nil, fmt.Errorf("node %s holds %s, which has no assignment", m.Node, h)
			}
			out[i].Files = append(out[i].Files, FileInfo{Hash: h, Size: a.Size, ChunkRoot: bytes.Clone(a.ChunkRoot)})
		}
	}
	return out, nil
}
