package resource

import (
	"encoding/binary"
	"testing"
)

// TestDrawEveryLeaf: at the default chunk_size (1), a challenge's index is
// a byte of the file, so every leaf is challenged, whatever its size. An
// IPFS file of 1 KiB leaves, which kubo's default 256 KiB granularity
// reached only at leaf 0, has each of its 100 leaves challenged over
// 4,000 epochs, by both kinds of slot (by bytes and by file), and no index
// is past the file.
func TestDrawEveryLeaf(t *testing.T) {
	const leaf, size = 1024, 100*1024 - 17 // the last leaf short
	cs := DefaultParams().ChunkSize
	if cs != 1 {
		t.Fatalf("the default chunk_size is %d, not 1", cs)
	}
	files := []File{
		{Hash: "ipfs-small-leaves", Size: size, ChunkSize: cs},
		{Hash: "another", Size: 300 << 10, ChunkSize: cs},
	}
	hit := [2][(size + leaf - 1) / leaf]int{} // slot parity, leaf
	for e := range uint64(4000) {
		var seed [8]byte
		binary.BigEndian.PutUint64(seed[:], e)
		for _, c := range Draw(seed[:], "crn", files, 4) {
			if c.File != files[0].Hash {
				continue
			}
			if c.Index >= size {
				t.Fatalf("epoch %d: index %d past the file's %d bytes", e, c.Index, size)
			}
			hit[c.Slot%2][c.Index/leaf]++
		}
	}
	for parity, leaves := range hit {
		for i, n := range leaves {
			if n == 0 {
				t.Fatalf("leaf %d never challenged by the %s slots", i, [2]string{"by-bytes", "by-file"}[parity])
			}
		}
	}
}
