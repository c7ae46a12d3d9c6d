package resource

import (
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// SyncFiles makes the assigned files the live files: a file that a
// processed STORE (or a non-inline message's content) names and that is
// not assigned yet is assigned with its attested size; an assigned file
// that no live STORE names any more is released. Both lists are walked
// once, in key order, at each epoch's start, so a file stored within an
// epoch is challenged from the next.
//
// Only IPFS files are assigned for now: a sha256 file is challenged over
// its chunk root, which validators do not attest yet.
func (k *Keeper) SyncFiles(kv state.KV) error {
	live, err := k.messages.LiveFiles(kv)
	if err != nil {
		return err
	}
	var assigned []string
	var bad error
	prefix := []byte{ModulePrefix, prefixFile}
	err = state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		assigned = append(assigned, r.String())
		bad = r.Err()
		return bad == nil
	})
	if err = errors.Join(err, bad); err != nil {
		return err
	}
	i, j := 0, 0
	for i < len(live) || j < len(assigned) {
		switch {
		case j == len(assigned) || (i < len(live) && live[i] < assigned[j]):
			if err := k.addLive(kv, live[i]); err != nil {
				return err
			}
			i++
		case i == len(live) || assigned[j] < live[i]:
			if err := k.RemoveFile(kv, assigned[j]); err != nil {
				return err
			}
			j++
		default:
			i, j = i+1, j+1
		}
	}
	return nil
}

// addLive assigns a live file with the size its STOREs attest.
func (k *Keeper) addLive(kv state.KV, file string) error {
	if isSHA256File(file) {
		return nil
	}
	if _, err := cid.Decode(file); err != nil {
		return nil // not a CID a proof could walk to
	}
	stores, err := k.messages.FileStores(kv, file)
	if err != nil || len(stores) == 0 {
		return err
	}
	rec, err := k.messages.GetMessage(kv, stores[0])
	if err != nil {
		return err
	}
	if rec == nil {
		return fmt.Errorf("file %s names STORE %s, which has no record", file, stores[0])
	}
	return k.AddFile(kv, FileInfo{Hash: file, Size: sizeOf(rec)})
}

func sizeOf(rec *pb.MessageRecord) uint64 { return rec.FileSize }
