package resource

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/ipfs/go-cid"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource/proof"
)

// SyncFiles makes the assigned files the live files: a file that a
// processed STORE (or a non-inline message's content) names and that is
// not assigned yet is assigned with its attested size; an assigned file
// that no live STORE names any more is released. Both lists are walked
// once, in key order, at each epoch's start, so a file stored within an
// epoch is challenged from the next.
//
// A sha256 file is challenged over its chunk root, which validators attest
// with it (AttestedFile.chunk_root, kept in MessageRecord.file_chunk_root):
// it is assigned once one of its live STOREs has one (the first in
// FileStores order), and waits unassigned until then (a STORE processed
// before the chain enabled the module has none). An IPFS file whose CID no
// proof can walk (not sha2-256, or neither dag-pb nor raw:
// proof.CheckCID) is never assigned: validators whose kubo can stat it
// attest it, but its holders could only fail its challenges. Nor is one
// whose DAG no resource node holds: an IPFS file is assigned once one of
// its live STOREs has an attested DAG size (AttestedFile.dag_bytes, kept
// in MessageRecord.file_dag_bytes) within MaxDAGBytes of its size (the
// first in FileStores order). A file of tiny leaves is mostly links
// (`ipfs add --chunker=size-1`): every node would refuse it, and every
// holder in turn fail its challenges. A STORE processed before the chain
// enabled the module has no DAG size, and its file waits unassigned.
func (k *Keeper) SyncFiles(kv state.KV) error {
	live, err := k.messages.LiveFiles(kv)
	if err != nil {
		return err
	}
	assigned, err := namesUnder(kv, []byte{ModulePrefix, prefixFile})
	if err != nil {
		return err
	}
	// Both lists come in state key order, where a name's length (its
	// uvarint prefix) sorts before its bytes: they are merged in that
	// order, not Go's string order (a 64-digit sha256 hash sorting before
	// a 59-character CID would otherwise be released with it).
	i, j := 0, 0
	for i < len(live) || j < len(assigned) {
		switch {
		case j == len(assigned) || (i < len(live) && keyOrder(live[i], assigned[j]) < 0):
			if err := k.addLive(kv, live[i]); err != nil {
				return err
			}
			i++
		case i == len(live) || keyOrder(assigned[j], live[i]) < 0:
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

// keyOrder compares two names as they order in state keys, encoded by
// state.Key's String (a uvarint length, then the bytes).
func keyOrder(a, b string) int {
	return bytes.Compare(state.NewKey().String(a).Bytes(), state.NewKey().String(b).Bytes())
}

// addLive assigns a live file with the size its STOREs attest, a sha256
// file with the chunk root they attest, and an IPFS file only if they
// attest a DAG a resource node holds.
func (k *Keeper) addLive(kv state.KV, file string) error {
	sha := isSHA256File(file)
	if sha && k.params.RootChunkSize == 0 {
		return nil // no chunk size to challenge it in
	}
	if !sha {
		if c, err := cid.Decode(file); err != nil || proof.CheckCID(c) != nil {
			return nil // not a CID a proof could walk (proof.VerifyIPFS)
		}
	}
	stores, err := k.messages.FileStores(kv, file)
	if err != nil {
		return err
	}
	for _, hash := range stores {
		rec, err := k.messages.GetMessage(kv, hash)
		if err != nil {
			return err
		}
		if rec == nil {
			return fmt.Errorf("file %s names STORE %s, which has no record", file, hash)
		}
		if !sha {
			if Holdable(sizeOf(rec), rec.FileDagBytes) {
				return k.AddFile(kv, FileInfo{Hash: file, Size: sizeOf(rec)})
			}
			continue
		}
		if len(rec.FileChunkRoot) == sha256.Size {
			return k.AddFile(kv, FileInfo{Hash: file, Size: sizeOf(rec), ChunkRoot: bytes.Clone(rec.FileChunkRoot)})
		}
	}
	return nil
}

func sizeOf(rec *pb.MessageRecord) uint64 { return rec.FileSize }
