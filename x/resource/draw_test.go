package resource

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/alephd/alephd/x/resource/proof"
)

const testChunk = 262144

// TestDrawBounds: every challenge names one of the node's non-empty files
// and a chunk inside it; the draw ignores the files' order, and changes
// with the seed and the node.
func TestDrawBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for round := range 300 {
		var files []File
		for i := range r.IntN(20) {
			size := r.Uint64N(5 * testChunk)
			if r.IntN(4) == 0 {
				size = 0
			}
			chunk := uint64(testChunk)
			switch r.IntN(4) {
			case 0:
				chunk = 4096 // a sha256 file's root chunks
			case 1:
				chunk = 0 // a file without chunks (a sha256 file on a chain with root_chunk_size 0)
			}
			files = append(files, File{Hash: fmt.Sprintf("file-%d-%d", round, i), Size: size, ChunkSize: chunk})
		}
		seed := EpochSeed("test", uint64(round), []byte{byte(round)})
		k := r.IntN(9)
		got := Draw(seed, "crn", files, k)
		live := slices.ContainsFunc(files, func(f File) bool { return f.Size > 0 && f.ChunkSize > 0 })
		if !live || k == 0 {
			if got != nil {
				t.Fatalf("round %d: challenges %v with no non-empty file or k=0", round, got)
			}
			continue
		}
		if len(got) != k {
			t.Fatalf("round %d: %d challenges, want %d", round, len(got), k)
		}
		for i, c := range got {
			j := slices.IndexFunc(files, func(f File) bool { return f.Hash == c.File })
			if c.Slot != uint32(i) || j < 0 || files[j].Size == 0 || files[j].ChunkSize == 0 || c.Index >= proof.Chunks(files[j].Size, files[j].ChunkSize) {
				t.Fatalf("round %d: challenge %+v out of bounds (%+v)", round, c, files)
			}
		}
		rev := slices.Clone(files)
		slices.Reverse(rev)
		if !slices.Equal(Draw(seed, "crn", rev, k), got) {
			t.Fatalf("round %d: the order of files changed the draw", round)
		}
	}
	files := []File{{"a", 100 * testChunk, testChunk}, {"b", 100 * testChunk, testChunk}}
	base := Draw(EpochSeed("test", 1, []byte("h")), "crn", files, 8)
	for _, other := range [][]Challenge{
		Draw(EpochSeed("test", 2, []byte("h")), "crn", files, 8),
		Draw(EpochSeed("test", 1, []byte("i")), "crn", files, 8),
		Draw(EpochSeed("other", 1, []byte("h")), "crn", files, 8),
		Draw(EpochSeed("test", 1, []byte("h")), "crn2", files, 8),
	} {
		if slices.Equal(base, other) {
			t.Fatal("another epoch, app hash, chain or node drew the same challenges")
		}
	}
}

// TestDrawDistribution: even slots follow bytes (a file with 9/10 of the
// bytes gets ~9/10 of them, though its chunks are 64 times smaller: a
// sha256 file's 4 KiB root chunks), odd slots follow files (half each),
// and the chunks of a file are drawn evenly.
func TestDrawDistribution(t *testing.T) {
	const small = 4096
	files := []File{{"big", 90 * testChunk, testChunk}, {"small", 10 * testChunk, small}}
	var even, odd [2]int
	chunks := make([]int, 90)
	smallChunks := make([]int, 10*testChunk/small)
	const epochs = 20_000
	for e := range epochs {
		for _, c := range Draw(EpochSeed("test", uint64(e), nil), "crn", files, 2) {
			big := 0
			if c.File == "small" {
				big = 1
				smallChunks[c.Index]++
			} else {
				chunks[c.Index]++
			}
			if c.Slot%2 == 0 {
				even[big]++
			} else {
				odd[big]++
			}
		}
	}
	if even[0] < epochs*88/100 || even[0] > epochs*92/100 {
		t.Errorf("even slots: big file %d of %d, want ~90%%", even[0], epochs)
	}
	if odd[0] < epochs*47/100 || odd[0] > epochs*53/100 {
		t.Errorf("odd slots: big file %d of %d, want ~50%%", odd[0], epochs)
	}
	for i, n := range chunks {
		if n == 0 {
			t.Errorf("chunk %d of the big file never drawn", i)
		}
	}
	drawn := 0 // 640 chunks of 4 KiB, ~8,000 draws: nearly all drawn
	for _, n := range smallChunks {
		if n > 0 {
			drawn++
		}
	}
	if drawn < len(smallChunks)*95/100 {
		t.Errorf("%d of the small file's %d chunks drawn", drawn, len(smallChunks))
	}
}

// TestEpochSeedPinned pins the seed's layout, built here byte by byte:
// changing it changes every challenge a chain draws.
func TestEpochSeedPinned(t *testing.T) {
	appHash := bytes.Repeat([]byte{0xab}, 32)
	var b []byte
	b = append(b, "alephd/resource/seed/v1"...)
	b = binary.BigEndian.AppendUint64(b, 10)
	b = append(b, "alephd-dev"...)
	b = binary.BigEndian.AppendUint64(b, 7)
	b = binary.BigEndian.AppendUint64(b, 32)
	b = append(b, appHash...)
	want := sha256.Sum256(b)
	if got := EpochSeed("alephd-dev", 7, appHash); !bytes.Equal(got, want[:]) {
		t.Fatalf("seed %x, want %x", got, want)
	}
	if got := fmt.Sprintf("%x", want); got != "a60197ed0d012297995ee532c29f62e22c1b3091d9d4b372ae2cc840a5ade058" {
		t.Fatalf("seed %s", got)
	}
}
