package resource

import (
	"errors"
	"fmt"
	"slices"

	"github.com/alephd/alephd/state"
)

// A node that fails a challenge on a file did not prove it holds the file
// (it lost or deleted it, or was down through the proof window). When the
// epoch closes it gives up the file, which goes to the next member in the
// file's rendezvous order, so the file keeps its replicas with nodes that
// must now fetch it; and the node is excluded from that file for
// score_window_epochs epochs, so that the next refresh does not hand the
// file straight back to it. The span is the score window's because that
// is how long the failure weighs on the node's score: once it has left
// the window the node is judged as any other, and the file may return to
// it (rendezvous hashing ranks it where it always did). An exclusion
// ranks the node below every member not excluded from the file, rather
// than removing it: when too few members are left, the file stays with
// excluded ones (and keeps challenging them) instead of losing replicas.
// A file released (no live STORE) drops its exclusions.

func excludedKey(file, node string) []byte {
	return state.NewKey(ModulePrefix, prefixExcluded).String(file).String(node).Bytes()
}

func expiryKey(until uint64, file, node string) []byte {
	return state.NewKey(ModulePrefix, prefixExpiry).Uint64(until).String(file).String(node).Bytes()
}

// Exclusion is a node excluded from a file through epoch Until (it expires
// when that epoch closes). Genesis carries them as they are.
type Exclusion struct {
	File  string `json:"file"`
	Node  string `json:"node"`
	Until uint64 `json:"until"`
}

// Excluded lists the nodes excluded from file, in hash order.
func (k *Keeper) Excluded(kv state.KV, file string) ([]string, error) {
	return namesUnder(kv, state.NewKey(ModulePrefix, prefixExcluded).String(file).Bytes())
}

// Exclusions lists every exclusion, in file and node order.
func (k *Keeper) Exclusions(kv state.KV) ([]Exclusion, error) {
	prefix := []byte{ModulePrefix, prefixExcluded}
	var out []Exclusion
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		e := Exclusion{File: r.String(), Node: r.String()}
		var verr error
		e.Until, verr = readUvarint(v)
		if bad = errors.Join(r.Err(), verr); bad != nil {
			bad = fmt.Errorf("exclusion %x: %w", key, bad)
			return false
		}
		out = append(out, e)
		return true
	})
	return out, errors.Join(err, bad)
}

// exclusionsByFile groups Exclusions by file, for a walk over many files.
// The map is only looked up, never ranged over.
func (k *Keeper) exclusionsByFile(kv state.KV) (map[string][]string, error) {
	all, err := k.Exclusions(kv)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, e := range all {
		out[e.File] = append(out[e.File], e.Node) // in node order
	}
	return out, nil
}

// setExclusion excludes node from file through epoch until, replacing an
// exclusion it had.
func (k *Keeper) setExclusion(kv state.KV, e Exclusion) error {
	old, err := kv.Get(excludedKey(e.File, e.Node))
	if err != nil {
		return err
	}
	if old != nil {
		until, err := readUvarint(old)
		if err != nil {
			return err
		}
		if err := kv.Delete(expiryKey(until, e.File, e.Node)); err != nil {
			return err
		}
	}
	if err := kv.Set(excludedKey(e.File, e.Node), uvarint(e.Until)); err != nil {
		return err
	}
	return kv.Set(expiryKey(e.Until, e.File, e.Node), present)
}

// dropExclusions deletes every exclusion from file (it was released).
func (k *Keeper) dropExclusions(kv state.KV, file string) error {
	nodes, err := k.Excluded(kv, file)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		b, err := kv.Get(excludedKey(file, n))
		if err != nil {
			return err
		}
		until, err := readUvarint(b)
		if err != nil {
			return err
		}
		if err := errors.Join(kv.Delete(excludedKey(file, n)), kv.Delete(expiryKey(until, file, n))); err != nil {
			return err
		}
	}
	return nil
}

// assignFile is a file's holders over members when excluded are excluded
// from it: Assign over the others, then, if that leaves it short of
// replicas, Assign over the excluded members for the rest.
func (k *Keeper) assignFile(file string, members []Candidate, excluded []string) []string {
	replicas := int(k.params.Replicas)
	if len(excluded) == 0 {
		return Assign(file, members, replicas)
	}
	var eligible, barred []Candidate
	for _, m := range members {
		if slices.Contains(excluded, m.Node) {
			barred = append(barred, m)
		} else {
			eligible = append(eligible, m)
		}
	}
	out := Assign(file, eligible, replicas)
	if len(out) < replicas {
		out = append(out, Assign(file, barred, replicas-len(out))...)
	}
	return out
}

// reassign sets a file's holders to assignFile over the members and its
// exclusions as they are now; a file no longer assigned is left alone.
func (k *Keeper) reassign(kv state.KV, file string, members []Candidate) error {
	a, err := k.Assignment(kv, file)
	if err != nil || a == nil {
		return err
	}
	excluded, err := k.Excluded(kv, file)
	if err != nil {
		return err
	}
	nodes := k.assignFile(file, members, excluded)
	if slices.Equal(nodes, a.Nodes) {
		return nil
	}
	return k.setHolders(kv, file, a, nodes)
}

// failure is a challenge a node failed: it did not prove it holds file.
type failure struct {
	node, file string
}

// settleFailures runs when epoch closes, on the challenges it failed (in
// key order): exclusions that end with this epoch expire first (their
// files may return to the nodes, as rendezvous ranks them), then each
// (node, file) failed is excluded through epoch + score_window_epochs and
// the file re-assigned without the node. Files no longer assigned are
// skipped. Everything is read and written in key order.
func (k *Keeper) settleFailures(kv state.KV, epoch uint64, failed []failure) error {
	expired, err := k.expire(kv, epoch)
	if err != nil {
		return err
	}
	var files []string // files whose exclusions changed, first change first
	for _, e := range expired {
		if !slices.Contains(files, e.File) {
			files = append(files, e.File)
		}
	}
	for _, f := range failed {
		a, err := k.Assignment(kv, f.file)
		if err != nil {
			return err
		}
		if a == nil {
			continue // released since it was drawn
		}
		if err := k.setExclusion(kv, Exclusion{File: f.file, Node: f.node, Until: epoch + uint64(k.params.ScoreWindowEpochs)}); err != nil {
			return err
		}
		if !slices.Contains(files, f.file) {
			files = append(files, f.file)
		}
	}
	if len(files) == 0 {
		return nil
	}
	members, err := k.Members(kv)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := k.reassign(kv, f, members); err != nil {
			return err
		}
	}
	return nil
}

// expire deletes the exclusions that end at or before epoch and returns
// them.
func (k *Keeper) expire(kv state.KV, epoch uint64) ([]Exclusion, error) {
	prefix := []byte{ModulePrefix, prefixExpiry}
	var out []Exclusion
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		e := Exclusion{Until: r.Uint64(), File: r.String(), Node: r.String()}
		if bad = r.Err(); bad != nil || e.Until > epoch {
			return false
		}
		out = append(out, e)
		return true
	})
	if err = errors.Join(err, bad); err != nil {
		return nil, err
	}
	for _, e := range out {
		if err := errors.Join(kv.Delete(excludedKey(e.File, e.Node)), kv.Delete(expiryKey(e.Until, e.File, e.Node))); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkExclusions: every exclusion is listed under its expiry and the
// other way round, and names a file that is assigned.
func (k *Keeper) checkExclusions(kv state.KV) error {
	all, err := k.Exclusions(kv)
	if err != nil {
		return err
	}
	for _, e := range all {
		ok, err := kv.Has(expiryKey(e.Until, e.File, e.Node))
		if err == nil && !ok {
			err = fmt.Errorf("exclusion of %s from %s through epoch %d is not listed under its expiry", e.Node, e.File, e.Until)
		}
		if err != nil {
			return err
		}
		if ok, err := kv.Has(FileKey(e.File)); err != nil || !ok {
			return errors.Join(err, fmt.Errorf("%s is excluded from %s, which is not assigned", e.Node, e.File))
		}
	}
	listed := 0
	prefix := []byte{ModulePrefix, prefixExpiry}
	err = state.IteratePrefix(kv, prefix, false, func(_, _ []byte) bool {
		listed++
		return true
	})
	if err == nil && listed != len(all) {
		err = fmt.Errorf("%d exclusions listed by expiry, %d by file", listed, len(all))
	}
	return err
}
