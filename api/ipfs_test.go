package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/api"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/internal/kubotest"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// emptyCIDv0 is what `ipfs add` answers for an empty file.
const emptyCIDv0 = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"

// mempool takes every transaction and keeps it; the index stays empty, so
// a submission is answered 202 pending.
type mempool struct {
	noState
	mu  sync.Mutex
	txs [][]byte
}

func (m *mempool) Broadcast(_ context.Context, tx []byte) (uint32, string, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.txs = append(m.txs, tx)
	return 0, "", "", nil
}

func (m *mempool) took(tx []byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.txs {
		if bytes.Equal(t, tx) {
			return true
		}
	}
	return false
}

type uploadServer struct {
	h     http.Handler
	srv   *api.Server
	files *content.Store
	pool  *mempool
}

func newUploadServer(t testing.TB) *uploadServer {
	x, err := index.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := x.Close(); err != nil {
			t.Error(err)
		}
	})
	files := openStore(t)
	pool := &mempool{}
	srv := api.New(x, pool, files)
	return &uploadServer{h: srv.Handler(), srv: srv, files: files, pool: pool}
}

func openStore(t testing.TB) *content.Store {
	s, err := content.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func (u *uploadServer) do(method, path, ctype string, body []byte) (int, map[string]any, []byte) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	u.h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out, rec.Body.Bytes()
}

// part is one multipart part; a store part is sent as "metadata".
type part struct {
	name, filename string
	data           []byte
}

func metadata(m *pb.AlephMessage) part { return metadataSync(m, false) }

func metadataSync(m *pb.AlephMessage, sync bool) part {
	meta, _ := json.Marshal(map[string]any{"message": json.RawMessage(message.ToJSON(m)), "sync": sync})
	return part{name: "metadata", data: meta}
}

func filePart(data []byte) part { return part{name: "file", filename: "blob", data: data} }

// multipartBody encodes parts as a multipart/form-data body.
func multipartBody(parts ...part) (ctype string, body []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		var pw interface{ Write([]byte) (int, error) }
		if p.filename != "" {
			pw, _ = w.CreateFormFile(p.name, p.filename)
		} else {
			pw, _ = w.CreateFormField(p.name)
		}
		_, _ = pw.Write(p.data) // into a bytes.Buffer, which never fails
	}
	_ = w.Close() // likewise
	return w.FormDataContentType(), b.Bytes()
}

func (u *uploadServer) upload(path string, parts ...part) (int, map[string]any) {
	ctype, body := multipartBody(parts...)
	code, out, _ := u.do(http.MethodPost, path, ctype, body)
	return code, out
}

// addedCID is the CID a plain `ipfs add` (or, with v1, `ipfs add
// --cid-version=1`) gives data, from the content package's importer,
// which its tests compare with kubo.
func addedCID(t testing.TB, data []byte, v1 bool) string {
	e, err := openStore(t).IPFS()
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := e.Add(context.Background(), bytes.NewReader(data), content.AddOptions{CIDv1: v1})
	if err != nil {
		t.Fatal(err)
	}
	return c.String()
}

func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b) // never fails
	return b
}

// TestIPFSRoundTrip adds files and JSON through the ipfs endpoints and
// reads them back by CID, with the CIDs a plain `ipfs add` gives.
func TestIPFSRoundTrip(t *testing.T) {
	u := newUploadServer(t)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"small", []byte("hello alephd\n")},
		{"one chunk", randomBytes(1, 262144)},
		{"several chunks", randomBytes(2, 3<<20+17)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := u.upload("/api/v0/ipfs/add_file", part{"file", "blob.bin", tc.data})
			want := addedCID(t, tc.data, false)
			if tc.data == nil && want != emptyCIDv0 {
				t.Fatalf("the empty file's CIDv0 is %s, want %s", want, emptyCIDv0)
			}
			if code != 200 || out["status"] != "success" || out["hash"] != want || out["name"] != "blob.bin" || out["size"] != float64(len(tc.data)) {
				t.Fatalf("add_file: %d %v, want hash %s", code, out, want)
			}
			code, _, raw := u.do(http.MethodGet, "/api/v0/storage/raw/"+want, "", nil)
			if code != 200 || !bytes.Equal(raw, tc.data) {
				t.Fatalf("raw: %d, %d bytes, want %d", code, len(raw), len(tc.data))
			}
			code, out, _ = u.do(http.MethodGet, "/api/v0/storage/"+want, "", nil)
			if got, _ := base64.StdEncoding.DecodeString(out["content"].(string)); code != 200 || out["engine"] != "ipfs" || !bytes.Equal(got, tc.data) {
				t.Fatalf("storage/{cid}: %d %v", code, out["engine"])
			}
		})
	}
	t.Run("no filename", func(t *testing.T) {
		if code, out := u.upload("/api/v0/ipfs/add_file", part{name: "file", data: []byte("x")}); code != 200 || out["name"] != "file" {
			t.Fatalf("%d %v", code, out)
		}
	})
	t.Run("cidv1", func(t *testing.T) {
		// pyaleph's add_file has no CID version option: CIDv1 content comes
		// from elsewhere (a kubo daemon, the node's fetcher) and is served.
		data := randomBytes(3, 1<<20+5)
		e, err := u.files.IPFS()
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := e.Add(context.Background(), bytes.NewReader(data), content.AddOptions{CIDv1: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.String() != addedCID(t, data, true) || c.Version() != 1 {
			t.Fatalf("CIDv1 %s", c)
		}
		if code, _, raw := u.do(http.MethodGet, "/api/v0/storage/raw/"+c.String(), "", nil); code != 200 || !bytes.Equal(raw, data) {
			t.Fatalf("raw: %d, %d bytes", code, len(raw))
		}
	})
	t.Run("add_json", func(t *testing.T) {
		body := []byte(`{"a": [1, 2, {"b": "c"}]}`)
		code, out, _ := u.do(http.MethodPost, "/api/v0/ipfs/add_json", "application/json", body)
		body = []byte(`{"a":[1,2,{"b":"c"}]}`) // what pyaleph stores: re-serialized
		if want := addedCID(t, body, false); code != 200 || out["status"] != "success" || out["hash"] != want {
			t.Fatalf("%d %v, want %s", code, out, want)
		}
		if code, _, raw := u.do(http.MethodGet, "/api/v0/storage/raw/"+out["hash"].(string), "", nil); code != 200 || !bytes.Equal(raw, body) {
			t.Fatalf("raw: %d %q", code, raw)
		}
		for _, bad := range []string{``, `{`, `{"a": 1} {"b": 2}`, `[1,]`, `nope`} {
			for _, path := range []string{"/api/v0/ipfs/add_json", "/api/v0/storage/add_json"} {
				if code, out, _ := u.do(http.MethodPost, path, "application/json", []byte(bad)); code != 422 {
					t.Errorf("%s %q: %d %v, want 422", path, bad, code, out)
				}
			}
		}
	})
	t.Run("missing", func(t *testing.T) {
		for path, want := range map[string]int{
			"/api/v0/storage/raw/" + addedCID(t, []byte("never uploaded"), false): 404,
			"/api/v0/storage/raw/" + addedCID(t, []byte("never uploaded"), true):  404,
			"/api/v0/storage/" + addedCID(t, []byte("never uploaded"), false):     404,
			"/api/v0/storage/raw/" + strings.Repeat("0", 64):                      404,
			"/api/v0/storage/raw/not-a-hash":                                      400,
			"/api/v0/storage/Qm123":                                               400,
		} {
			if code, out, _ := u.do(http.MethodGet, path, "", nil); code != want {
				t.Errorf("%s: %d %v, want %d", path, code, out, want)
			}
		}
	})
}

// TestIPFSStore uploads files with a signed STORE: the STORE must name
// the file's CID, and is then submitted.
func TestIPFSStore(t *testing.T) {
	u := newUploadServer(t)
	k := keys.FromSeed("ipfs-store")
	sign := func(hash, itemType string) *pb.AlephMessage {
		m, err := client.Sign(k, client.Store("IPFS", hash, itemType, 0))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	data := []byte("a file with its STORE")
	root := addedCID(t, data, false)
	store := sign(root, "ipfs")
	for name, parts := range map[string][]part{
		"file first":     {{"file", "f", data}, metadata(store)},
		"metadata first": {metadata(store), {"file", "f", data}},
	} {
		code, out := u.upload("/api/v0/ipfs/add_file", parts...)
		if code != 202 || out["hash"] != root || out["size"] != float64(len(data)) {
			t.Fatalf("%s: %d %v", name, code, out)
		}
	}
	if !u.pool.took(app.EncodeTx(store)) {
		t.Fatal("the STORE was not submitted")
	}
	for name, m := range map[string]*pb.AlephMessage{
		"another CID":          sign(addedCID(t, []byte("other bytes"), false), "ipfs"),
		"the same file, v1":    sign(addedCID(t, data, true), "ipfs"),
		"a sha256 hash":        sign(strings.Repeat("ab", 32), "storage"),
		"item_type mismatched": sign(root, "storage"),
	} {
		if code, out := u.upload("/api/v0/ipfs/add_file", part{"file", "f", data}, metadata(m)); code != 422 {
			t.Errorf("STORE naming %s: %d %v, want 422", name, code, out)
		}
		if u.pool.took(app.EncodeTx(m)) {
			t.Errorf("STORE naming %s was submitted", name)
		}
	}
	post, _ := client.Sign(k, client.Post("IPFS", "note", "x", ""))
	if code, _ := u.upload("/api/v0/ipfs/add_file", part{"file", "f", data}, metadata(post)); code != 422 {
		t.Errorf("a POST as metadata: %d, want 422", code)
	}
	if code, _ := u.upload("/api/v0/ipfs/add_file", part{"file", "f", data}, part{name: "metadata", data: []byte("{")}); code != 422 {
		t.Errorf("broken metadata: %d, want 422", code)
	}
	if code, _ := u.upload("/api/v0/ipfs/add_file", part{name: "other", data: data}); code != 422 {
		t.Errorf("no file part: %d, want 422", code)
	}
	if code, _, _ := u.do(http.MethodPost, "/api/v0/ipfs/add_file", "application/json", data); code != 422 {
		t.Errorf("not multipart: %d, want 422", code)
	}
}

// TestUploadLimits lowers the limits: an upload past its limit is refused
// with 413, and what it stored is left to GC, which removes it.
func TestUploadLimits(t *testing.T) {
	u := newUploadServer(t)
	const storage, ipfs, unsigned = 1000, 2000, 100
	u.srv.SetUploadLimits(storage, ipfs, unsigned)
	k := keys.FromSeed("limits")
	sign := func(hash, itemType string) *pb.AlephMessage {
		m, err := client.Sign(k, client.Store("LIMITS", hash, itemType, 0))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	sha := func(b []byte) string {
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:])
	}
	unsignedBig := randomBytes(4, unsigned+1)
	for _, tc := range []struct {
		name  string
		path  string
		parts []part
		want  int
	}{
		{"ipfs, unsigned at the limit", "/api/v0/ipfs/add_file", []part{{"file", "f", randomBytes(5, unsigned)}}, 200},
		{"ipfs, unsigned past the limit", "/api/v0/ipfs/add_file", []part{{"file", "f", unsignedBig}}, 413},
		{"ipfs, signed", "/api/v0/ipfs/add_file", []part{{"file", "f", randomBytes(6, ipfs)}, metadata(sign(addedCID(t, randomBytes(6, ipfs), false), "ipfs"))}, 202},
		{"ipfs, signed past the limit", "/api/v0/ipfs/add_file", []part{metadata(sign(addedCID(t, randomBytes(7, ipfs+1), false), "ipfs")), {"file", "f", randomBytes(7, ipfs+1)}}, 413},
		{"storage, unsigned past the limit", "/api/v0/storage/add_file", []part{{"file", "f", unsignedBig}}, 413},
		{"storage, signed", "/api/v0/storage/add_file", []part{{"file", "f", randomBytes(8, storage)}, metadata(sign(sha(randomBytes(8, storage)), "storage"))}, 202},
		{"storage, signed past the limit", "/api/v0/storage/add_file", []part{{"file", "f", randomBytes(9, storage+1)}, metadata(sign(sha(randomBytes(9, storage+1)), "storage"))}, 413},
	} {
		if code, out := u.upload(tc.path, tc.parts...); code != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.name, code, out, tc.want)
		}
	}
	big := []byte(`"` + strings.Repeat("x", unsigned-1) + `"`)
	for _, path := range []string{"/api/v0/ipfs/add_json", "/api/v0/storage/add_json"} {
		if code, out, _ := u.do(http.MethodPost, path, "application/json", big); code != 413 {
			t.Errorf("%s past the limit: %d %v, want 413", path, code, out)
		}
		if code, out, _ := u.do(http.MethodPost, path, "application/json", big[1:]); code != 422 {
			t.Errorf("%s, broken JSON at the limit: %d %v, want 422", path, code, out)
		}
	}

	// Refused after it was stored (no STORE came): unpinned, so GC takes it.
	if _, err := u.files.GC(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{addedCID(t, unsignedBig, false), sha(unsignedBig)} {
		if code, _, _ := u.do(http.MethodGet, "/api/v0/storage/raw/"+h, "", nil); code != 404 {
			t.Errorf("%s of a refused upload: %d after GC, want 404", h, code)
		}
	}
}

// TestSetIPFS: the backend given to SetIPFS takes the uploads.
func TestSetIPFS(t *testing.T) {
	u := newUploadServer(t)
	other, err := openStore(t).IPFS()
	if err != nil {
		t.Fatal(err)
	}
	u.srv.SetIPFS(other)
	code, out := u.upload("/api/v0/ipfs/add_file", part{"file", "f", []byte("elsewhere")})
	if code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	id, err := cid.Decode(out["hash"].(string))
	if err != nil || id.String() != addedCID(t, []byte("elsewhere"), false) {
		t.Fatalf("%v %v", err, out)
	}
	if ok, err := other.Has(context.Background(), id); !ok || err != nil {
		t.Fatalf("the backend set did not take the upload: %v %v", ok, err)
	}
	own, err := u.files.IPFS()
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := own.Has(context.Background(), id); ok || err != nil {
		t.Fatalf("the embedded store took the upload: %v %v", ok, err)
	}
	if code, _, raw := u.do(http.MethodGet, "/api/v0/storage/raw/"+id.String(), "", nil); code != 200 || string(raw) != "elsewhere" {
		t.Fatalf("raw: %d %q", code, raw)
	}
}

// TestIPFSStoreOnNode uploads a file with its STORE to a real node, sync:
// the STORE is processed once the file is attested, and the file is
// served by its CID.
func TestIPFSStoreOnNode(t *testing.T) {
	n := testnode.Start(t, testnode.Init(t, "ipfs", node.InitOptions{}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	storeOnNode(t, n)
}

// TestIPFSStoreOnKuboNode: the same through a node whose IPFS backend is a
// real kubo daemon (--ipfs-api); the daemon ends up pinning the file.
func TestIPFSStoreOnKuboNode(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a kubo daemon; make test runs it")
	}
	d := kubotest.Start(t)
	n, err := node.Start(testnode.Init(t, "kubo", node.InitOptions{}), node.Options{Quiet: true, APIAddr: testnode.FreeAddr(t), IPFSAPI: d.API})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	root := storeOnNode(t, n)
	for i := 0; ; i++ {
		if pins := d.Run(t, "pin", "ls", "--type=recursive", "-q"); strings.Contains(pins, root) {
			break
		}
		if i == 100 {
			t.Fatalf("kubo never pinned the processed STORE's file %s", root)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// storeOnNode uploads a file with a sync STORE and returns its CID.
func storeOnNode(t *testing.T, n *node.Node) string {
	a := apiClient{t, "http://" + n.APIAddress}
	data := randomBytes(10, 3<<20+1)
	root := addedCID(t, data, false)
	m, err := client.Sign(keys.FromSeed("ipfs-node"), client.Store("IPFS", root, "ipfs", 0))
	if err != nil {
		t.Fatal(err)
	}
	ctype, body := multipartBody(metadataSync(m, true), filePart(data))
	if code, out, _ := a.do(http.MethodPost, "/api/v0/ipfs/add_file", ctype, body); code != 200 || out["hash"] != root {
		t.Fatalf("add_file: %d %v", code, out)
	}
	if code, out := a.get("/api/v0/messages/" + m.ItemHash); code != 200 || out["status"] != "processed" {
		t.Fatalf("the STORE: %d %v", code, out["status"])
	}
	if code, _, raw := a.do(http.MethodGet, "/api/v0/storage/raw/"+root, "", nil); code != 200 || !bytes.Equal(raw, data) {
		t.Fatalf("raw: %d, %d bytes", code, len(raw))
	}
	return root
}
