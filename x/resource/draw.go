package resource

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/alephd/alephd/x/resource/proof"
)

// File is an assigned file as challenges see it: its hash, attested size
// and the size of the chunks it is challenged in (Params.FileChunkSize: an
// IPFS file's chunk_size, a sha256 file's root_chunk_size).
type File struct {
	Hash      string
	Size      uint64
	ChunkSize uint64
}

// Challenge is one slot of a node's challenges in an epoch: the chunk
// Index of File it must prove (bytes Index·ChunkSize onwards, the file's
// chunk size).
type Challenge struct {
	Slot  uint32
	File  string
	Index uint64
}

// EpochSeed is the randomness of an epoch's challenges: SHA-256 over a
// domain, the chain id, the epoch and the app hash of the block before the
// epoch's first (the one every validator has committed when the epoch
// begins). No proposer can choose it after the fact: it is fixed before
// the epoch's first block is proposed. The proposer of the block before
// can grind it (another set or order of transactions gives another app
// hash), which is the bias the package doc bounds.
func EpochSeed(chainID string, epoch uint64, appHash []byte) []byte {
	h := sha256.New()
	h.Write([]byte("alephd/resource/seed/v1"))
	writeString(h, chainID)
	var e [8]byte
	binary.BigEndian.PutUint64(e[:], epoch)
	h.Write(e[:])
	writeString(h, string(appHash))
	return h.Sum(nil)
}

// Draw returns node's k challenges for the epoch seed names, over the
// files assigned to it (in any order; empty files, and files without a
// chunk size, are never challenged). Even slots pick a byte uniformly
// over all the node's bytes and challenge the chunk holding it, so a big
// file is challenged as often as its size says, whatever its chunk size;
// odd slots pick a file uniformly, then a chunk in it, so a node cannot
// drop its many small files either. Slots are independent: the same
// chunk may come twice.
func Draw(seed []byte, node string, files []File, k int) []Challenge {
	fs := slices.DeleteFunc(slices.Clone(files), func(f File) bool { return f.Size == 0 || f.ChunkSize == 0 })
	if len(fs) == 0 || k <= 0 {
		return nil
	}
	slices.SortFunc(fs, func(a, b File) int { return cmp.Compare(a.Hash, b.Hash) })
	ends := make([]uint64, len(fs)) // ends[i]: bytes of files 0..i
	var total uint64
	for i, f := range fs {
		total += f.Size // sizes are attested, at most max_file_size each
		ends[i] = total
	}
	out := make([]Challenge, k)
	for slot := range k {
		r := slotRandom(seed, node, uint32(slot))
		var f File
		var index uint64
		if slot%2 == 0 {
			off := bits.Rem64(r[0], r[1], total)
			i, _ := slices.BinarySearch(ends, off+1) // first file ending past off
			f = fs[i]
			index = (off - (ends[i] - f.Size)) / f.ChunkSize
		} else {
			f = fs[bits.Rem64(r[0], r[1], uint64(len(fs)))]
			index = bits.Rem64(r[2], r[3], proof.Chunks(f.Size, f.ChunkSize))
		}
		out[slot] = Challenge{Slot: uint32(slot), File: f.Hash, Index: index}
	}
	return out
}

// slotRandom is 256 bits for one slot of one node, as four words: a
// 128-bit number reduced modulo n is within n/2^128 of uniform.
func slotRandom(seed []byte, node string, slot uint32) [4]uint64 {
	h := sha256.New()
	h.Write([]byte("alephd/resource/challenge/v1"))
	writeString(h, string(seed))
	writeString(h, node)
	var s [4]byte
	binary.BigEndian.PutUint32(s[:], slot)
	h.Write(s[:])
	var sum [sha256.Size]byte
	b := h.Sum(sum[:0])
	return [4]uint64{
		binary.BigEndian.Uint64(b[0:]), binary.BigEndian.Uint64(b[8:]),
		binary.BigEndian.Uint64(b[16:]), binary.BigEndian.Uint64(b[24:]),
	}
}

// writeString writes s length-prefixed, so concatenations never collide.
func writeString(h interface{ Write([]byte) (int, error) }, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	_, _ = h.Write(n[:]) // a hash never fails to write
	_, _ = h.Write([]byte(s))
}
