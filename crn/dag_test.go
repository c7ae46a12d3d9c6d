package crn_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	unixpb "github.com/ipfs/boxo/ipld/unixfs/pb"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/multiformats/go-multihash"

	"github.com/alephd/alephd/api"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/crn"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/internal/dagtest"
	"github.com/alephd/alephd/internal/ipfstest"
	"github.com/alephd/alephd/internal/kubotest"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// ccn is a CCN's real API over a content store of its own, whose IPFS
// backend is the embedded store or, with SetIPFS, a kubo daemon.
type ccn struct {
	api   *api.Server
	store *content.Embedded
	url   string
}

// newCCN serves the CCN's API through wrap (nil: as it is).
func newCCN(t testing.TB, wrap func(http.Handler) http.Handler) *ccn {
	t.Helper()
	x, err := index.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	files, e := ipfstest.Open(t)
	c := &ccn{api: api.New(x, nil, files), store: e}
	h := c.api.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c.url = srv.URL
	return c
}

// add stores d's blocks in the CCN, as if it had fetched the file.
func (c *ccn) add(t *testing.T, d dagtest.DAG) {
	t.Helper()
	err := c.store.PutDAG(context.Background(), d.Root, func(put func(cid.Cid, []byte) error) error {
		for id, b := range d.Blocks {
			if err := put(id, b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// proveEvery proves, with the node's key, the challenge at every leaf's
// first and last byte of the held file root (leaves of chunk bytes) and
// at offsets drawn, at a chunk_size of 1 (a challenge's index is its
// offset), and checks each as the chain does: the proof verifies and its
// leaf is the file's bytes there.
func proveEvery(t *testing.T, s *crn.Store, root string, data []byte, chunk int) {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := crypto.CompressPubkey(&key.PublicKey)
	var offs []uint64
	for start := 0; start < len(data); start += chunk {
		offs = append(offs, uint64(start), uint64(min(start+chunk, len(data))-1))
	}
	r := rand.New(rand.NewPCG(uint64(len(data)), 9)) //nolint:gosec // test offsets
	for range 20 {
		offs = append(offs, r.Uint64N(uint64(len(data))))
	}
	c := cid.MustParse(root)
	for i, off := range offs {
		ch := app.ResourceChallengeView{Epoch: 1, Slot: uint32(i), File: root, Index: off, Size: uint64(len(data)), ChunkSize: 1}
		p, err := s.Prove(context.Background(), key, chainID, "crn-a", ch, proof.DefaultLimits())
		if err != nil {
			t.Fatalf("prove %s at %d: %v", root, off, err)
		}
		checkProof(t, pub, ch, p, resource.ProofDigest(chainID, p))
		leaf, err := proof.VerifyIPFS(c, ch.Size, off, p.Blocks, proof.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		start := off / uint64(chunk) * uint64(chunk)
		if !bytes.Equal(leaf, data[start:min(start+uint64(chunk), uint64(len(data)))]) {
			t.Fatalf("%s at %d: the proof's leaf is not the file's bytes there", root, off)
		}
	}
}

// TestFetchAnyDAG: files added with 1 KiB and 3,000-byte leaves, balanced
// and trickle, CIDv0 and CIDv1 (raw leaves), none of which kubo's
// defaults give, are fetched block by block from a CCN's block route,
// held, read back whole, proven at every leaf by proofs the chain's
// verifier accepts, and still held after the store is reopened.
func TestFetchAnyDAG(t *testing.T) {
	ctx := context.Background()
	c := newCCN(t, nil)
	data := randBytes(11, 200_003) // 196 leaves of 1 KiB: a root, inner nodes, leaves
	dir := t.TempDir()
	s := openStore(t, dir)
	chunks := map[string]int{}
	for _, o := range []dagtest.Options{
		{Chunk: 1024}, {Chunk: 1024, Trickle: true},
		{Chunk: 1024, CIDv1: true}, {Chunk: 1024, Trickle: true, CIDv1: true},
		{Chunk: 3000, Trickle: true, CIDv1: true},
	} {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			d := dagtest.Build(t, data, o)
			if def := addIPFS(t, data, o.CIDv1); def == d.Root.String() {
				t.Fatalf("%s is what ipfs add's defaults give", def)
			}
			c.add(t, d)
			if err := s.Fetch(ctx, c.url, d.Root.String(), uint64(len(data))); err != nil {
				t.Fatal(err)
			}
			if !s.Holds(d.Root.String()) {
				t.Fatal("not held")
			}
			f, n, err := s.Open(ctx, d.Root.String())
			if err != nil || n != int64(len(data)) {
				t.Fatalf("open: %d bytes, %v", n, err)
			}
			b, err := readClose(f)
			if err != nil || !bytes.Equal(b, data) {
				t.Fatalf("the held file reads back as %d bytes (%v)", len(b), err)
			}
			proveEvery(t, s, d.Root.String(), data, int(o.Chunk))
			chunks[d.Root.String()] = int(o.Chunk)
		})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir)
	defer s.Close() //nolint:errcheck // a test store
	if err := s.GC(ctx); err != nil {
		t.Fatal(err)
	}
	for r, chunk := range chunks {
		if h := s.Held()[r]; h != (crn.HeldFile{Type: "ipfs", Size: uint64(len(data))}) {
			t.Fatalf("%s after a restart: %+v", r, h)
		}
		proveEvery(t, s, r, data, chunk)
	}
}

func readClose(f interface {
	Read([]byte) (int, error)
	Close() error
}) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return b.Bytes(), err
}

// TestFetchRefusesWrongBlocks: a CCN that serves other bytes for a leaf or
// for the root, or does not serve a leaf, gives no held file, and neither
// does a DAG of another size than the attested one; the same CCN serving
// the right blocks then gives the file.
func TestFetchRefusesWrongBlocks(t *testing.T) {
	ctx := context.Background()
	data := randBytes(12, 50_000)
	d := dagtest.Build(t, data, dagtest.Options{Chunk: 1024, Trickle: true})
	var leaf, other cid.Cid
	for id := range d.Blocks {
		if id != d.Root && !leaf.Defined() {
			leaf = id
		} else if id != d.Root && !other.Defined() {
			other = id
		}
	}
	var swap map[string][]byte // CID -> bytes served instead; nil bytes: 404
	c := newCCN(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if b, ok := swap[strings.TrimPrefix(r.URL.Path, "/api/v0/ipfs/block/")]; ok {
				if b == nil {
					http.NotFound(w, r)
					return
				}
				_, _ = w.Write(b)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	c.add(t, d)
	s := openStore(t, t.TempDir())
	defer s.Close() //nolint:errcheck // a test store
	root := d.Root.String()
	for _, tc := range []struct {
		name string
		swap map[string][]byte
		size uint64
		want string
	}{
		{"a leaf's bytes are another leaf's", map[string][]byte{leaf.String(): d.Blocks[other]}, 50_000, "hash to"},
		{"the root's bytes are a leaf's", map[string][]byte{root: d.Blocks[leaf]}, 50_000, "hash to"},
		{"a leaf is not served", map[string][]byte{leaf.String(): nil}, 50_000, "does not serve block"},
		{"another size than attested", nil, 50_001, "expected"},
	} {
		swap = tc.swap
		err := s.Fetch(ctx, c.url, root, tc.size)
		if err == nil || !strings.Contains(err.Error(), tc.want) || s.Holds(root) {
			t.Fatalf("%s: %v (held %v), want an error saying %q", tc.name, err, s.Holds(root), tc.want)
		}
	}
	swap = nil
	if err := s.Fetch(ctx, c.url, root, 50_000); err != nil || !s.Holds(root) {
		t.Fatalf("the right blocks: %v", err)
	}
	proveEvery(t, s, root, data, 1024)
}

// TestFetchFromKubo: a CCN whose IPFS backend is a real kubo daemon serves
// the blocks of files kubo added with 1 KiB leaves (trickle, CIDv0; and
// balanced, CIDv1 with raw leaves); the resource node holds and proves
// them.
func TestFetchFromKubo(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a kubo daemon; make test runs it")
	}
	ctx := context.Background()
	d := kubotest.Start(t)
	k, err := content.NewKubo(d.API)
	if err != nil {
		t.Fatal(err)
	}
	c := newCCN(t, nil)
	c.api.SetIPFS(k)
	data := randBytes(13, 100_001)
	name := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, t.TempDir())
	defer s.Close() //nolint:errcheck // a test store
	for _, args := range [][]string{{"--trickle"}, {"--cid-version=1", "--raw-leaves"}} {
		root := d.Run(t, append([]string{"add", "-Q", "--pin=false", "--chunker=size-1024"}, append(args, name)...)...)
		if err := s.Fetch(ctx, c.url, root, uint64(len(data))); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		proveEvery(t, s, root, data, 1024)
	}
}

// TestFetchSkipsUnprovable: a file whose root links a good leaf, a leaf
// under a sha2-512 CID (no proof walks it: proof.CheckCID) and a subtree of
// no bytes that no CCN holds is still held: the good leaf's bytes are
// proven, a challenge in the other leaf fails as it fails for every
// holder, and the empty subtree, which no challenge reaches, is not
// fetched.
func TestFetchSkipsUnprovable(t *testing.T) {
	ctx := context.Background()
	good, bad := randBytes(14, 1000), randBytes(15, 500)
	goodCID, err := cid.V1Builder{Codec: cid.Raw, MhType: multihash.SHA2_256}.Sum(good)
	if err != nil {
		t.Fatal(err)
	}
	badCID, err := cid.V1Builder{Codec: cid.Raw, MhType: multihash.SHA2_512}.Sum(bad)
	if err != nil {
		t.Fatal(err)
	}
	absent, err := cid.V1Builder{Codec: cid.Raw, MhType: multihash.SHA2_256}.Sum([]byte("held by nobody"))
	if err != nil {
		t.Fatal(err)
	}
	fsn := unixfs.NewFSNode(unixpb.Data_File)
	for _, n := range []uint64{1000, 500, 0} {
		fsn.AddBlockSize(n)
	}
	b, err := fsn.GetBytes()
	if err != nil {
		t.Fatal(err)
	}
	nd := merkledag.NodeWithData(b)
	for _, l := range []cid.Cid{goodCID, badCID, absent} {
		if err := nd.AddRawLink("", &ipld.Link{Cid: l}); err != nil {
			t.Fatal(err)
		}
	}
	c := newCCN(t, nil)
	c.add(t, dagtest.DAG{Root: nd.Cid(), Blocks: map[cid.Cid][]byte{nd.Cid(): nd.RawData(), goodCID: good, badCID: bad}})
	s := openStore(t, t.TempDir())
	defer s.Close() //nolint:errcheck // a test store
	root := nd.Cid().String()
	if err := s.Fetch(ctx, c.url, root, 1500); err != nil || !s.Holds(root) {
		t.Fatalf("fetch: %v", err)
	}
	data := append(append([]byte{}, good...), bad...)
	key, _ := crypto.GenerateKey()
	for _, off := range []uint64{0, 999, 1000, 1499} {
		ch := app.ResourceChallengeView{Epoch: 1, File: root, Index: off, Size: 1500, ChunkSize: 1}
		p, err := s.Prove(ctx, key, chainID, "crn-a", ch, proof.DefaultLimits())
		if off >= 1000 {
			if err == nil {
				t.Fatalf("a proof at %d, in the sha2-512 leaf", off)
			}
			continue
		}
		if err != nil {
			t.Fatalf("prove at %d: %v", off, err)
		}
		leaf, err := proof.VerifyIPFS(nd.Cid(), 1500, off, p.Blocks, proof.DefaultLimits())
		if err != nil || !bytes.Equal(leaf, data[:1000]) {
			t.Fatalf("at %d: %v", off, err)
		}
	}
}

// BenchmarkFetchDAG fetches a 4 MiB file block by block from a CCN on
// loopback: 1 KiB leaves (4,096 blocks and their parents) and kubo's
// 256 KiB (16 leaves and a root); and 1 KiB leaves from a CCN that
// answers each block 1 ms late, as one across a network would.
func BenchmarkFetchDAG(b *testing.B) {
	data := randBytes(16, 4<<20)
	late := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(time.Millisecond)
			h.ServeHTTP(w, r)
		})
	}
	for _, bc := range []struct {
		name  string
		chunk int64
		wrap  func(http.Handler) http.Handler
	}{{"leaf=1KiB", 1024, nil}, {"leaf=256KiB", 262144, nil}, {"leaf=1KiB/rtt=1ms", 1024, late}} {
		b.Run(bc.name, func(b *testing.B) {
			c := newCCN(b, bc.wrap)
			d := dagtest.Build(b, data, dagtest.Options{Chunk: bc.chunk, CIDv1: true})
			if err := c.store.PutDAG(context.Background(), d.Root, func(put func(cid.Cid, []byte) error) error {
				for id, blk := range d.Blocks {
					if err := put(id, blk); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				s, err := crn.OpenStore(b.TempDir(), http.DefaultClient)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Fetch(context.Background(), c.url, d.Root.String(), uint64(len(data))); err != nil {
					b.Fatal(err)
				}
				_ = s.Close()
			}
		})
	}
}
