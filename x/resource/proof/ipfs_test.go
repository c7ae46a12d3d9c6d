package proof_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/go-cid"
	flatfs "github.com/ipfs/go-ds-flatfs"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/internal/kubotest"
	"github.com/alephd/alephd/x/resource/proof"
)

// leafSize is kubo's default chunker: leaf i of a file it imports starts
// at byte i*leafSize.
const leafSize = 262144

// data is n pseudo-random bytes, the same for the same seed.
func data(seed uint64, n int) []byte {
	var key [32]byte
	key[0], key[1] = byte(seed), byte(seed>>8)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(key).Read(b) // never fails
	return b
}

// imported is a file in a block store, with the getter a resource node
// would prove from.
type imported struct {
	root cid.Cid
	data []byte
	get  proof.BlockGetter
}

// importEmbedded imports b into alephd's embedded IPFS store (content/),
// closes the store and reads its blocks back from the flatfs it wrote.
func importEmbedded(t testing.TB, b []byte, v1 bool) imported {
	t.Helper()
	dir := t.TempDir()
	s, err := content.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.IPFS()
	if err != nil {
		t.Fatal(err)
	}
	root, n, err := e.Add(context.Background(), bytes.NewReader(b), content.AddOptions{CIDv1: v1})
	if err != nil || n != int64(len(b)) {
		t.Fatalf("import: %d bytes, %v", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ds, err := flatfs.Open(filepath.Join(dir, "ipfs", "blocks"), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ds.Close() })
	bs := blockstore.NewBlockstore(ds, blockstore.NoPrefix())
	get := func(ctx context.Context, c cid.Cid) ([]byte, error) {
		blk, err := bs.Get(ctx, c)
		if err != nil {
			return nil, err
		}
		return blk.RawData(), nil
	}
	return imported{root: root, data: b, get: get}
}

// importKubo adds b with a real kubo's `ipfs add` (default settings) and
// reads blocks back with `ipfs block get`.
func importKubo(t *testing.T, d *kubotest.Daemon, b []byte, v1 bool) imported {
	t.Helper()
	name := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"add", "-Q", "--pin=false"}
	if v1 {
		args = append(args, "--cid-version=1")
	}
	root, err := cid.Decode(d.Run(t, append(args, name)...))
	if err != nil {
		t.Fatal(err)
	}
	get := func(_ context.Context, c cid.Cid) ([]byte, error) {
		cmd := exec.Command(d.Bin, "block", "get", c.String())
		cmd.Env = append(os.Environ(), "IPFS_PATH="+d.Repo)
		return cmd.Output()
	}
	return imported{root: root, data: b, get: get}
}

// offsets are the bytes challenged in a file of n bytes: first, last,
// across the first leaf boundary, and a few drawn.
func offsets(n int) []uint64 {
	out := []uint64{0, uint64(n - 1), uint64(n / 2)}
	if n > leafSize {
		out = append(out, leafSize-1, leafSize)
	}
	r := rand.New(rand.NewPCG(uint64(n), 1))
	for range 3 {
		out = append(out, r.Uint64N(uint64(n)))
	}
	return out
}

// checkFile proves every offset and checks each proof is accepted and
// gives the leaf holding exactly the file's bytes there.
func checkFile(t *testing.T, f imported) {
	t.Helper()
	lim := proof.DefaultLimits()
	size := uint64(len(f.data))
	for _, off := range offsets(len(f.data)) {
		blocks, err := proof.ProveIPFS(context.Background(), f.get, f.root, size, off, lim)
		if err != nil {
			t.Fatalf("prove %s at %d: %v", f.root, off, err)
		}
		if want := depth(len(f.data)); len(blocks) != want {
			t.Fatalf("%s at %d: %d blocks, want %d", f.root, off, len(blocks), want)
		}
		leaf, err := proof.VerifyIPFS(f.root, size, off, blocks, lim)
		if err != nil {
			t.Fatalf("verify %s at %d: %v", f.root, off, err)
		}
		start := off / leafSize * leafSize
		if !bytes.Equal(leaf, f.data[start:min(start+leafSize, size)]) {
			t.Fatalf("%s at %d: the proof's leaf is not the file's bytes there", f.root, off)
		}
	}
}

// depth is how many blocks, root to leaf, kubo's balanced layout (174
// links a node) gives a file of n bytes.
func depth(n int) int {
	d, leaves := 1, (n+leafSize-1)/leafSize
	for span := 1; leaves > span; span *= 174 {
		d++
	}
	return d
}

func sizes() []int {
	s := []int{1, 1 << 10, leafSize, leafSize + 1, 300 << 10, 5 << 20}
	if !testing.Short() {
		s = append(s, 175*leafSize) // past 174 leaves: a root, inner nodes, leaves
	}
	return s
}

// TestEmbeddedStoreProofs proves files the embedded IPFS store imported,
// CIDv0 (dag-pb leaves) and CIDv1 (raw leaves), one block to three deep.
func TestEmbeddedStoreProofs(t *testing.T) {
	for i, n := range sizes() {
		for _, v1 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/v1=%v", n, v1), func(t *testing.T) {
				checkFile(t, importEmbedded(t, data(uint64(i), n), v1))
			})
		}
	}
}

// TestKuboProofs proves files a real kubo daemon imported with its
// defaults, CIDv0 and CIDv1.
func TestKuboProofs(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a kubo daemon; make test runs it")
	}
	d := kubotest.Start(t)
	for i, n := range []int{1 << 10, 300 << 10, 175 * leafSize} {
		for _, v1 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/v1=%v", n, v1), func(t *testing.T) {
				f := importKubo(t, d, data(uint64(100+i), n), v1)
				if e := importEmbedded(t, f.data, v1); e.root != f.root {
					t.Fatalf("kubo %s, embedded store %s", f.root, e.root)
				}
				checkFile(t, f)
			})
		}
	}
}

func clone(blocks [][]byte) [][]byte {
	out := make([][]byte, len(blocks))
	for i, b := range blocks {
		out[i] = bytes.Clone(b)
	}
	return out
}

// TestIPFSProofRefusals forges proofs every way a lying node could and
// checks each is refused with ErrInvalid.
func TestIPFSProofRefusals(t *testing.T) {
	lim := proof.DefaultLimits()
	ctx := context.Background()
	for _, v1 := range []bool{false, true} {
		t.Run(fmt.Sprintf("v1=%v", v1), func(t *testing.T) {
			f := importEmbedded(t, data(7, 5<<20), v1)
			other := importEmbedded(t, data(8, 5<<20), v1)
			size := uint64(len(f.data))
			off := uint64(3*leafSize + 17)
			good, err := proof.ProveIPFS(ctx, f.get, f.root, size, off, lim)
			if err != nil {
				t.Fatal(err)
			}
			if len(good) != 2 {
				t.Fatalf("a 20-leaf file's proof has %d blocks, want root and leaf", len(good))
			}
			neighbour, err := proof.ProveIPFS(ctx, f.get, f.root, size, off+leafSize, lim)
			if err != nil {
				t.Fatal(err)
			}
			otherFile, err := proof.ProveIPFS(ctx, other.get, other.root, size, off, lim)
			if err != nil {
				t.Fatal(err)
			}
			tampered := func(block, at int) [][]byte {
				b := clone(good)
				b[block][at] ^= 1
				return b
			}
			small := lim
			small.MaxBytes = len(good[0]) + len(good[1]) - 1
			shallow := lim
			shallow.MaxDepth = 1
			cases := []struct {
				name   string
				root   cid.Cid
				size   uint64
				off    uint64
				blocks [][]byte
				lim    proof.Limits
			}{
				{"tampered chunk", f.root, size, off, tampered(1, len(good[1])/2), lim},
				{"tampered chunk's last byte", f.root, size, off, tampered(1, len(good[1])-1), lim},
				{"tampered root block", f.root, size, off, tampered(0, len(good[0])-1), lim},
				{"another chunk's path", f.root, size, off, neighbour, lim},
				{"leaf of another chunk", f.root, size, off, [][]byte{good[0], neighbour[1]}, lim},
				{"another file's proof", f.root, size, off, otherFile, lim},
				{"the root alone", f.root, size, off, good[:1], lim},
				{"the leaf alone", f.root, size, off, good[1:], lim},
				{"a block past the leaf", f.root, size, off, append(clone(good), good[1]), lim},
				{"root and leaf swapped", f.root, size, off, [][]byte{good[1], good[0]}, lim},
				{"no blocks", f.root, size, off, nil, lim},
				{"wrong size", f.root, size + 1, off, good, lim},
				{"offset past the end", f.root, size, size, good, lim},
				{"oversized proof", f.root, size, off, good, small},
				{"too deep", f.root, size, off, good, shallow},
			}
			for _, c := range cases {
				if _, err := proof.VerifyIPFS(c.root, c.size, c.off, c.blocks, c.lim); !errors.Is(err, proof.ErrInvalid) {
					t.Errorf("%s: %v, want ErrInvalid", c.name, err)
				}
			}
			if _, err := proof.VerifyIPFS(f.root, size, off, good, lim); err != nil {
				t.Fatalf("the honest proof: %v", err)
			}
		})
	}
}

// TestIPFSProofOtherHashes refuses CIDs other than sha2-256 dag-pb or raw,
// even when the block matches: an identity CID holds its own bytes.
func TestIPFSProofOtherHashes(t *testing.T) {
	b := []byte("hello")
	id, err := cid.V1Builder{Codec: cid.Raw, MhType: 0x00}.Sum(b) // identity
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proof.VerifyIPFS(id, 5, 0, [][]byte{b}, proof.DefaultLimits()); !errors.Is(err, proof.ErrInvalid) {
		t.Fatalf("identity CID: %v", err)
	}
	blake, err := cid.V1Builder{Codec: cid.Raw, MhType: 0xb220}.Sum(b) // blake2b-256
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proof.VerifyIPFS(blake, 5, 0, [][]byte{b}, proof.DefaultLimits()); !errors.Is(err, proof.ErrInvalid) {
		t.Fatalf("blake2b CID: %v", err)
	}
}
