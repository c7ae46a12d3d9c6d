package simulation

import (
	"bytes"
	"context"
	"fmt"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// proofTx is a storage proof transaction a simulated node sends, and what
// the chain must do with it: accept it (want nil) or refuse it with want.
type proofTx struct {
	tx   []byte
	sp   *pb.StorageProof
	kind string // "honest", or the lie it tells
	want *errs.Error
}

// lie is a challenge a liar answered with a lie, which it proves validly
// once the deadline has passed.
type lie struct {
	id slotID
	n  *crn
	ch *pb.ChallengeRecord
}

// slotID names one challenge.
type slotID struct {
	epoch uint64
	node  string
	slot  uint32
}

// proofs are the storage proof transactions the nodes send in the block
// at height h, from the challenges in committed state snap. Each node not
// silent answers its epoch's challenges at one seeded height of the proof
// window: an honest node every one with a valid proof; a liar each one
// either validly or with a lie (a tampered chunk, a wrong path, a
// signature for another chain), which leaves that challenge unanswered,
// and which it proves validly once the deadline has passed (late). Liars
// also replay proofs accepted earlier (answered, or past their deadline),
// sign proofs for other nodes' challenges and claim their own for the next
// epoch.
func (r *resourceSim) proofs(snap state.KV, h int64, answered map[slotID]bool) ([]proofTx, error) {
	k := resource.NewKeeper(nil, nil)
	if err := k.LoadParams(snap); err != nil {
		return nil, err
	}
	var out []proofTx
	late, err := r.late(h)
	if err != nil {
		return nil, err
	}
	out = append(out, late...)
	e, first := r.params.Epoch(h)
	deadline := r.params.Deadline(e)
	if h <= first || h > deadline {
		return out, nil
	}
	for _, n := range r.crns {
		if n.does == silent {
			continue
		}
		at, ok := n.answerAt[e]
		if !ok {
			at = first + 1 + r.rng.Int63n(deadline-first)
			n.answerAt[e] = at
		}
		if at == h {
			for slot := range r.params.ChallengesPerEpoch {
				id := slotID{e, n.hash, slot}
				ch, err := k.Challenge(snap, e, n.hash, slot)
				if err != nil {
					return nil, err
				}
				if ch == nil || answered[id] {
					continue
				}
				answered[id] = true
				p, err := r.answer(n, e, slot, ch)
				if err != nil {
					return nil, err
				}
				out = append(out, p)
			}
		}
		if n.does == liar && r.rng.Intn(3) == 0 {
			p, ok, err := r.extraLie(snap, k, n, e, h)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// late are the valid proofs liars send, once the deadline has passed, for
// the challenges they lied on: refused, so a proof that comes too late
// cannot mend a failed challenge.
func (r *resourceSim) late(h int64) ([]proofTx, error) {
	var out []proofTx
	keep := r.lied[:0]
	for _, l := range r.lied {
		if h <= r.params.Deadline(l.id.epoch) {
			keep = append(keep, l)
			continue
		}
		sp, err := r.prove(l.n.hash, l.id.epoch, l.id.slot, l.ch, l.ch.Index)
		if err != nil {
			return nil, err
		}
		tx, err := signed(sp, resourceChainID, l.n)
		if err != nil {
			return nil, err
		}
		out = append(out, proofTx{tx: tx, sp: sp, kind: "late", want: resource.ErrDeadline})
	}
	r.lied = keep
	return out, nil
}

// prove builds a valid, unsigned proof of n's challenge, for chunk index
// of its file, from what the simulation holds: an IPFS file's blocks in
// the embedded store (proof.ProveIPFS), a sha256 file's bytes
// (proof.ProveChunk). What a node holding the file sends.
func (r *resourceSim) prove(nodeHash string, e uint64, slot uint32, ch *pb.ChallengeRecord, index uint64) (*pb.StorageProof, error) {
	f := r.file(ch.File)
	if f == nil {
		return nil, fmt.Errorf("challenge on %s, a file the simulation never stored", ch.File)
	}
	sp := &pb.StorageProof{Node: nodeHash, File: ch.File, Epoch: e, Index: ch.Index, Slot: slot}
	var err error
	if f.data != nil {
		sp.Chunk, sp.Path, err = proof.ProveChunk(bytes.NewReader(f.data), int(r.params.RootChunkSize), index)
	} else {
		sp.Blocks, err = proof.ProveIPFS(context.Background(), r.get, f.root, ch.Size, index*r.params.ChunkSize, r.params.Limits())
	}
	if err != nil {
		return nil, fmt.Errorf("prove chunk %d of %s: %w", index, ch.File, err)
	}
	return sp, nil
}

// otherChunk is an index on ch's file whose proof is another chunk's: the
// next chunk of a sha256 file, the first byte of the next leaf of an IPFS
// file (chunk_size is the offset granularity of IPFS challenges, and the
// bytes of one leaf share its proof). False for a file of one chunk or
// one leaf.
func (r *resourceSim) otherChunk(ch *pb.ChallengeRecord) (uint64, bool) {
	cs := r.params.FileChunkSize(ch.File)
	if f := r.file(ch.File); f != nil && f.data == nil {
		leaves := proof.Chunks(ch.Size, simLeaf)
		if leaves < 2 {
			return 0, false
		}
		next := (ch.Index*cs/simLeaf + 1) % leaves
		return next * simLeaf / cs, true
	}
	chunks := proof.Chunks(ch.Size, cs)
	return (ch.Index + 1) % chunks, chunks > 1
}

// file is the simulated file hash names, or nil.
func (r *resourceSim) file(hash string) *simFile {
	for _, f := range r.files {
		if f.hash == hash {
			return f
		}
	}
	return nil
}

// signed signs sp with key for chain and encodes it.
func signed(sp *pb.StorageProof, chain string, n *crn) ([]byte, error) {
	if err := resource.SignProof(chain, sp, n.key); err != nil {
		return nil, err
	}
	return app.EncodeStorageProof(sp), nil
}

// answer is n's answer to one of its challenges: valid, or (a liar, one
// time in two) a lie the chain refuses.
func (r *resourceSim) answer(n *crn, e uint64, slot uint32, ch *pb.ChallengeRecord) (proofTx, error) {
	kind := "honest"
	if n.does == liar && r.rng.Intn(2) == 0 {
		kind = []string{"tampered chunk", "wrong path", "another chain"}[r.lies%3] // in turn, so a run tells each
		r.lies++
	}
	sp, err := r.prove(n.hash, e, slot, ch, ch.Index)
	if err != nil {
		return proofTx{}, err
	}
	if kind != "honest" {
		r.lied = append(r.lied, lie{id: slotID{e, n.hash, slot}, n: n, ch: ch})
	}
	chain, want := resourceChainID, (*errs.Error)(nil)
	switch kind {
	case "tampered chunk": // one byte of the chunk changed
		if sp.Chunk != nil {
			sp.Chunk[len(sp.Chunk)-1] ^= 0x01
		} else {
			leaf := sp.Blocks[len(sp.Blocks)-1]
			leaf[len(leaf)-1] ^= 0x01
		}
		want = resource.ErrProof
	case "wrong path":
		if index, ok := r.otherChunk(ch); ok {
			// the path to another chunk, for this one
			other, err := r.prove(n.hash, e, slot, ch, index)
			if err != nil {
				return proofTx{}, err
			}
			sp.Blocks, sp.Path = other.Blocks, other.Path
		} else if sp.Chunk != nil { // a one-chunk file: a path one hash too long
			sp.Path = append(sp.Path, make([]byte, 32))
		} else { // a one-block file: a block past the leaf
			sp.Blocks = append(sp.Blocks, sp.Blocks[0])
		}
		want = resource.ErrProof
	case "another chain":
		chain, want = "another-chain", resource.ErrSignature
	}
	tx, err := signed(sp, chain, n)
	return proofTx{tx: tx, sp: sp, kind: kind, want: want}, err
}

// extraLie is a liar's extra transaction in the block at h of epoch e: a
// replay of a proof accepted earlier (refused as answered, or as past its
// deadline if it was another epoch's), a valid proof of another node's
// open challenge signed with the liar's key, or a valid proof of its own
// challenge claimed for the next epoch (which has no challenges yet).
func (r *resourceSim) extraLie(snap state.KV, k *resource.Keeper, n *crn, e uint64, h int64) (proofTx, bool, error) {
	for range 3 { // the kinds in turn; one that cannot be made now yields to the next
		kind := r.extras % 3
		r.extras++
		if p, ok, err := r.extraLieOf(kind, snap, k, n, e, h); err != nil || ok {
			return p, ok, err
		}
	}
	return proofTx{}, false, nil
}

// extraLieOf makes one extra lie of a kind (0: replay, 1: next epoch, 2:
// another node's challenge), if it can.
func (r *resourceSim) extraLieOf(kind int, snap state.KV, k *resource.Keeper, n *crn, e uint64, h int64) (proofTx, bool, error) {
	switch kind {
	case 0:
		if len(r.accepted) == 0 {
			return proofTx{}, false, nil
		}
		p := r.accepted[r.rng.Intn(len(r.accepted))]
		want := resource.ErrAnswered
		if p.sp.Epoch != e || h > r.params.Deadline(p.sp.Epoch) {
			want = resource.ErrDeadline
		}
		return proofTx{tx: p.tx, sp: p.sp, kind: "replay", want: want}, true, nil
	case 1: // its own challenge, as one of the next epoch
		slot, ch, err := r.someChallenge(snap, k, n, e)
		if err != nil || ch == nil {
			return proofTx{}, false, err
		}
		sp, err := r.prove(n.hash, e+1, slot, ch, ch.Index)
		if err != nil {
			return proofTx{}, false, err
		}
		tx, err := signed(sp, resourceChainID, n)
		return proofTx{tx: tx, sp: sp, kind: "next epoch", want: resource.ErrChallenge}, true, err
	}
	// another node's challenge, starting from a random node
	start := r.rng.Intn(len(r.crns))
	for i := range r.crns {
		other := r.crns[(start+i)%len(r.crns)]
		if other == n {
			continue
		}
		slot, ch, err := r.someChallenge(snap, k, other, e)
		if err != nil {
			return proofTx{}, false, err
		}
		if ch == nil {
			continue
		}
		sp, err := r.prove(other.hash, e, slot, ch, ch.Index)
		if err != nil {
			return proofTx{}, false, err
		}
		tx, err := signed(sp, resourceChainID, n)
		return proofTx{tx: tx, sp: sp, kind: "another node's challenge", want: resource.ErrSignature}, true, err
	}
	return proofTx{}, false, nil
}

// someChallenge is one of n's challenges in epoch e, from a random slot
// on, or nil if it has none.
func (r *resourceSim) someChallenge(snap state.KV, k *resource.Keeper, n *crn, e uint64) (uint32, *pb.ChallengeRecord, error) {
	c := r.params.ChallengesPerEpoch
	start := uint32(r.rng.Intn(int(c)))
	for i := range c {
		slot := (start + i) % c
		ch, err := k.Challenge(snap, e, n.hash, slot)
		if err != nil || ch != nil {
			return slot, ch, err
		}
	}
	return 0, nil, nil
}
