package crn_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/crn"
	"github.com/alephd/alephd/internal/ipfstest"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

const chainID = "crn-test"

// source serves files at /api/v0/storage/raw/{hash} and no IPFS blocks,
// as a CCN older than the block route does: IPFS files are imported from
// their bytes (dag_test.go tests the block route).
type source struct {
	srv   *httptest.Server
	files map[string][]byte
}

func newSource(t *testing.T) *source {
	s := &source{files: map[string][]byte{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := s.files[filepath.Base(r.URL.Path)]
		if !ok || !strings.HasPrefix(r.URL.Path, "/api/v0/storage/raw/") {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed)) //nolint:gosec // test data
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// addIPFS returns the CID `ipfs add` gives b (the embedded importer,
// kubo's defaults).
func addIPFS(t *testing.T, b []byte, v1 bool) string {
	t.Helper()
	root, _ := ipfstest.Import(t, b, v1)
	return root.String()
}

func sha(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func openStore(t *testing.T, dir string) *crn.Store {
	t.Helper()
	s, err := crn.OpenStore(dir, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkProof verifies a proof as the chain does: the chunk or blocks
// against the file's root, and the signature against the node's key.
func checkProof(t *testing.T, key []byte, ch app.ResourceChallengeView, p interface {
	GetBlocks() [][]byte
	GetChunk() []byte
	GetPath() [][]byte
	GetSignature() []byte
}, digest []byte) {
	t.Helper()
	lim := proof.DefaultLimits()
	if content.ValidHash(ch.File) {
		root, _ := hex.DecodeString(ch.ChunkRoot)
		if err := proof.VerifyChunk(root, ch.Size, ch.ChunkSize, ch.Index, p.GetChunk(), p.GetPath(), lim); err != nil {
			t.Fatalf("chunk %d of %s: %v", ch.Index, ch.File, err)
		}
	} else {
		c, _ := cid.Decode(ch.File)
		if _, err := proof.VerifyIPFS(c, ch.Size, ch.Index*ch.ChunkSize, p.GetBlocks(), lim); err != nil {
			t.Fatalf("chunk %d of %s: %v", ch.Index, ch.File, err)
		}
	}
	if !crypto.VerifySignature(key, digest, p.GetSignature()) {
		t.Fatalf("the signature of chunk %d of %s does not verify", ch.Index, ch.File)
	}
}

// TestFetchAndProve fetches a sha256 file and IPFS files (CIDv0 and
// CIDv1, several leaves) from a CCN's raw route, and proves chunks of
// each (first, middle, last) with proofs the chain's verifiers accept,
// signed with the node's key.
func TestFetchAndProve(t *testing.T) {
	ctx := context.Background()
	src := newSource(t)
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := crypto.CompressPubkey(&key.PublicKey)
	const ipfsChunk, rootChunk = 262144, 4096
	big := randBytes(1, 3*ipfsChunk+1000)
	files := []struct {
		hash      string
		data      []byte
		chunkSize uint64
	}{
		{addIPFS(t, big, false), big, ipfsChunk},
		{addIPFS(t, big, true), big, ipfsChunk},
		{sha(big[:50000]), big[:50000], rootChunk},
	}
	s := openStore(t, t.TempDir())
	defer s.Close() //nolint:errcheck // a test store
	for _, f := range files {
		src.files[f.hash] = f.data
		if err := s.Fetch(ctx, src.srv.URL, f.hash, uint64(len(f.data))); err != nil {
			t.Fatalf("fetch %s: %v", f.hash, err)
		}
		var root string
		if content.ValidHash(f.hash) {
			r, _, err := proof.ChunkRoot(bytes.NewReader(f.data), int(f.chunkSize))
			if err != nil {
				t.Fatal(err)
			}
			root = hex.EncodeToString(r)
		}
		n := proof.Chunks(uint64(len(f.data)), f.chunkSize)
		for _, i := range []uint64{0, n / 2, n - 1} {
			ch := app.ResourceChallengeView{Epoch: 3, Slot: uint32(i), File: f.hash, Index: i, Size: uint64(len(f.data)), ChunkSize: f.chunkSize, ChunkRoot: root}
			p, err := s.Prove(ctx, key, chainID, "crn-a", ch, proof.DefaultLimits())
			if err != nil {
				t.Fatalf("prove %s/%d: %v", f.hash, i, err)
			}
			checkProof(t, pub, ch, p, resource.ProofDigest(chainID, p))
		}
	}
}

// TestProveWithinLimits: a proof that does not fit the chain's proof
// limits (smaller than the defaults) is not built: Prove says which limit
// (ErrTooLarge) instead of giving a proof the chain refuses, for each
// limit of an IPFS proof (blocks' bytes, depth, one block's bytes) and a
// sha256 proof's bytes; under limits that fit, the proof verifies under
// them. A copy damaged on disk is told apart: not ErrTooLarge.
func TestProveWithinLimits(t *testing.T) {
	ctx := context.Background()
	src := newSource(t)
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	const ipfsChunk, rootChunk = 262144, 4096
	data := randBytes(6, 2*ipfsChunk+500) // 3 leaves below a root block
	dir := t.TempDir()
	s := openStore(t, dir)
	defer s.Close() //nolint:errcheck // a test store
	ipfs, sha256File := addIPFS(t, data, false), sha(data[:50000])
	src.files[ipfs], src.files[sha256File] = data, data[:50000]
	for h, f := range src.files {
		if err := s.Fetch(ctx, src.srv.URL, h, uint64(len(f))); err != nil {
			t.Fatal(err)
		}
	}
	root, _, _ := proof.ChunkRoot(bytes.NewReader(data[:50000]), rootChunk)
	ipfsCh := app.ResourceChallengeView{Epoch: 2, File: ipfs, Index: 0, Size: uint64(len(data)), ChunkSize: ipfsChunk}
	shaCh := app.ResourceChallengeView{Epoch: 2, File: sha256File, Index: 3, Size: 50000, ChunkSize: rootChunk, ChunkRoot: hex.EncodeToString(root)}
	def := proof.DefaultLimits()
	for _, c := range []struct {
		name string
		ch   app.ResourceChallengeView
		lim  proof.Limits
		fits bool
	}{
		{"ipfs, a leaf and its root block over max_proof_bytes", ipfsCh, proof.Limits{MaxBytes: ipfsChunk, MaxDepth: 8, MaxBlockBytes: def.MaxBlockBytes}, false},
		{"ipfs, 2 blocks over max_proof_depth 1", ipfsCh, proof.Limits{MaxBytes: def.MaxBytes, MaxDepth: 1, MaxBlockBytes: def.MaxBlockBytes}, false},
		{"ipfs, a leaf over max_block_bytes", ipfsCh, proof.Limits{MaxBytes: def.MaxBytes, MaxDepth: 8, MaxBlockBytes: 100_000}, false},
		{"ipfs, limits that fit", ipfsCh, proof.Limits{MaxBytes: ipfsChunk + 1000, MaxDepth: 2, MaxBlockBytes: ipfsChunk + 100}, true},
		{"sha256, a chunk and its path over max_proof_bytes", shaCh, proof.Limits{MaxBytes: rootChunk, MaxDepth: 1, MaxBlockBytes: 1}, false},
		{"sha256, limits that fit", shaCh, proof.Limits{MaxBytes: rootChunk + 4*32, MaxDepth: 1, MaxBlockBytes: 1}, true},
		{"wider than the defaults", ipfsCh, proof.Limits{MaxBytes: 2 * def.MaxBytes, MaxDepth: 16, MaxBlockBytes: 2 * def.MaxBlockBytes}, true},
	} {
		p, err := s.Prove(ctx, key, chainID, "crn-a", c.ch, c.lim)
		if !c.fits {
			if !errors.Is(err, crn.ErrTooLarge) || p != nil {
				t.Fatalf("%s: %v, want ErrTooLarge", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if content.ValidHash(c.ch.File) {
			err = proof.VerifyChunk(root, c.ch.Size, c.ch.ChunkSize, c.ch.Index, p.Chunk, p.Path, c.lim)
		} else {
			_, err = proof.VerifyIPFS(cid.MustParse(c.ch.File), c.ch.Size, 0, p.Blocks, c.lim)
		}
		if err != nil {
			t.Fatalf("%s: the proof does not verify under its limits: %v", c.name, err)
		}
	}
	// a damaged copy is damaged, whatever the limits
	path := filepath.Join(dir, "content", sha256File[:2], sha256File)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[3*rootChunk+10] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prove(ctx, key, chainID, "crn-a", shaCh, proof.Limits{MaxBytes: 1, MaxDepth: 1, MaxBlockBytes: 1}); err == nil || errors.Is(err, crn.ErrTooLarge) {
		t.Fatalf("a damaged copy: %v, want a damaged copy's error", err)
	}
}

// TestFetchRefusesWrongBytes: bytes that do not hash to the file's name,
// or whose size is not the attested one, are not kept.
func TestFetchRefusesWrongBytes(t *testing.T) {
	ctx := context.Background()
	src := newSource(t)
	s := openStore(t, t.TempDir())
	defer s.Close() //nolint:errcheck // a test store
	a, b := randBytes(2, 5000), randBytes(3, 5000)
	for _, hash := range []string{sha(a), addIPFS(t, a, false), addIPFS(t, a, true)} {
		src.files[hash] = b
		if err := s.Fetch(ctx, src.srv.URL, hash, 5000); err == nil || s.Holds(hash) {
			t.Fatalf("%s: kept other bytes (%v)", hash, err)
		}
		src.files[hash] = a
		if err := s.Fetch(ctx, src.srv.URL, hash, 4999); err == nil || s.Holds(hash) {
			t.Fatalf("%s: kept a file of another size (%v)", hash, err)
		}
		if err := s.Fetch(ctx, src.srv.URL, hash, 5000); err != nil || !s.Holds(hash) {
			t.Fatalf("%s: %v", hash, err)
		}
	}
}

// TestStoreSurvivesRestart: held files are still held and provable after
// the store is reopened; a file deleted from the data dir is reported
// missing (content.ErrNotFound), and dropped it is no longer held.
func TestStoreSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	src := newSource(t)
	dir := t.TempDir()
	key, _ := crypto.GenerateKey()
	data := randBytes(4, 10000)
	hash := sha(data)
	src.files[hash] = data
	s := openStore(t, dir)
	if err := s.Fetch(ctx, src.srv.URL, hash, uint64(len(data))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir)
	defer s.Close() //nolint:errcheck // a test store
	if h := s.Held(); h[hash] != (crn.HeldFile{Type: "storage", Size: 10000}) {
		t.Fatalf("after a restart: %v", h)
	}
	root, _, _ := proof.ChunkRoot(bytes.NewReader(data), 4096)
	ch := app.ResourceChallengeView{File: hash, Index: 2, Size: 10000, ChunkSize: 4096, ChunkRoot: hex.EncodeToString(root)}
	if _, err := s.Prove(ctx, key, chainID, "crn-a", ch, proof.DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "content", hash[:2], hash)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prove(ctx, key, chainID, "crn-a", ch, proof.DefaultLimits()); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("a deleted file: %v, want ErrNotFound", err)
	}
	if err := s.Drop(ctx, hash); err != nil || s.Holds(hash) {
		t.Fatalf("drop: %v", err)
	}
}

// TestProbeAndRaw: the probe endpoint's answer verifies with
// resource.VerifyProbe against the node's registered key, and /metrics
// counts it; a bad request is 400. /storage/raw serves a held file with its length, 404 for one
// not held and 400 for a bad hash, as a CCN does.
func TestProbeAndRaw(t *testing.T) {
	ctx := context.Background()
	src := newSource(t)
	home := crn.Home{Dir: t.TempDir()}
	key, err := home.Init(crn.Config{CCNs: []string{src.srv.URL}, Listen: "127.0.0.1:0", URL: "http://crn.example", NodeHash: "crn-a", ChainID: chainID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := home.Init(crn.Config{}); !errors.Is(err, crn.ErrInitialized) {
		t.Fatalf("a second init: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(home.Dir, "key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	cfg, key2, err := home.Load()
	if err != nil || !key2.Equal(key) || cfg.NodeHash != "crn-a" {
		t.Fatalf("load: %+v %v", cfg, err)
	}
	s := openStore(t, home.DataDir())
	defer s.Close() //nolint:errcheck // a test store
	data := randBytes(5, 3000)
	src.files[sha(data)] = data
	if err := s.Fetch(ctx, src.srv.URL, sha(data), 3000); err != nil {
		t.Fatal(err)
	}
	n, err := crn.New(cfg, key, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()

	nonce := bytes.Repeat([]byte{7}, 32)
	res, body := get(t, srv.URL+"/alephd/v1/probe?epoch=12&slot=3&nonce="+hex.EncodeToString(nonce))
	var a crn.ProbeAnswer
	if err := json.Unmarshal(body, &a); err != nil || res.StatusCode != http.StatusOK || a.Node != "crn-a" || a.Epoch != 12 || a.Slot != 3 {
		t.Fatalf("probe: %d %s", res.StatusCode, body)
	}
	sig, _ := hex.DecodeString(a.Signature)
	pub := crypto.CompressPubkey(&key.PublicKey)
	if len(a.Signature) != 128 || !resource.VerifyProbe(pub, chainID, "crn-a", 12, 3, nonce, sig) {
		t.Fatalf("the probe answer does not verify: %s", body)
	}
	if resource.VerifyProbe(pub, chainID, "crn-a", 12, 4, nonce, sig) {
		t.Fatal("the answer verifies for another slot")
	}
	for _, q := range []string{"epoch=1&slot=1", "epoch=x&slot=1&nonce=00", "epoch=1&slot=4294967296&nonce=00", "epoch=1&slot=1&nonce=zz"} {
		if res, body := get(t, srv.URL+"/alephd/v1/probe?"+q); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: %d %s", q, res.StatusCode, body)
		}
	}
	for _, path := range []string{"/storage/raw/", "/api/v0/storage/raw/"} {
		res, body := get(t, srv.URL+path+sha(data))
		if res.StatusCode != http.StatusOK || !bytes.Equal(body, data) || res.Header.Get("Content-Type") != "application/octet-stream" || res.ContentLength != 3000 {
			t.Fatalf("%s: %d %v", path, res.StatusCode, res.Header)
		}
		if res, _ := get(t, srv.URL+path+sha(nil)); res.StatusCode != http.StatusNotFound {
			t.Fatalf("%s of a file not held: %d", path, res.StatusCode)
		}
		if res, _ := get(t, srv.URL+path+"nothash"); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s of a bad hash: %d", path, res.StatusCode)
		}
	}
	if res, body := get(t, srv.URL+"/metrics"); res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("\nalephd_crn_probes_answered_total 1\n")) {
		t.Fatalf("metrics after one probe answered (and four refused): %d %s", res.StatusCode, body)
	}
	var st crn.Status
	if res, body := get(t, srv.URL+"/status"); res.StatusCode != http.StatusOK || json.Unmarshal(body, &st) != nil || st.Node != "crn-a" || st.ChainID != chainID {
		t.Fatalf("status: %d %s", res.StatusCode, body)
	}
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(url) //nolint:gosec,noctx // a test server
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close() //nolint:errcheck // read only
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}
