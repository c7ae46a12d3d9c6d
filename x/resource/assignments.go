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
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		out = append(out, Candidate{Node: r.String(), Weight: 1})
		bad = r.Err()
		return bad == nil
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
	a := &pb.FileAssignment{Size: f.Size, ChunkRoot: f.ChunkRoot}
	return k.setHolders(kv, f.Hash, a, Assign(f.Hash, members, int(k.params.Replicas)))
}

// RemoveFile releases a file whose last live STORE is gone: its holders
// are no longer challenged on it.
func (k *Keeper) RemoveFile(kv state.KV, hash string) error {
	a, err := k.Assignment(kv, hash)
	if err != nil || a == nil {
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
// changed, re-assigns every file over them. Rendezvous hashing moves only
// what must move (a node that left gives its files to the next node in
// each file's order; one that joined takes the files where it ranks among
// the first replicas), and only changed holdings are written. It returns
// how many files changed holders.
//
// Every file is re-ranked when the set changes: N hashes per file, at most
// once an epoch. A per-node index of files would bound a departure to the
// node's own files; joins must look at every file either way.
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
	for _, m := range was {
		if err := kv.Delete(memberKey(m.Node)); err != nil {
			return 0, err
		}
	}
	for _, c := range now {
		if err := kv.Set(memberKey(c.Node), present); err != nil {
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
	moved := 0
	for _, f := range files {
		nodes := Assign(f.hash, now, int(k.params.Replicas))
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
		prefix := state.NewKey(ModulePrefix, prefixHolding).String(m.Node).Bytes()
		var hashes []string
		var bad error
		err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
			r := state.ReadKey(key, len(prefix))
			hashes = append(hashes, r.String())
			bad = r.Err()
			return bad == nil
		})
		if err = errors.Join(err, bad); err != nil {
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
