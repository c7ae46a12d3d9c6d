package api_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// TestStorageRoutes drives pyaleph's storage read routes on a real node:
// limits, pin count, metadata, by-message-hash and HEAD on raw.
func TestStorageRoutes(t *testing.T) {
	n := testnode.Start(t, testnode.Init(t, "storage-routes", node.InitOptions{}), true)
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	a := apiClient{t, "http://" + n.APIAddress}
	k := keys.FromSeed("storage-routes")
	file := []byte("a file kept by one STORE")
	sum := sha256.Sum256(file)
	hash := hex.EncodeToString(sum[:])
	count := func(hash string) string {
		code, _, raw := a.do(http.MethodGet, "/api/v0/storage/count/"+hash, "", nil)
		if code != 200 {
			t.Fatalf("count: %d %s", code, raw)
		}
		return strings.TrimSpace(string(raw))
	}
	store := sign(t, k, client.Store("STORAGE", hash, "storage", int64(len(file))))
	upload(t, a, store, file)

	if got := count(hash); got != "1" {
		t.Errorf("count after the STORE: %s, want 1", got)
	}
	if got := count(strings.Repeat("0", 64)); got != "0" {
		t.Errorf("count of a file no STORE keeps: %s, want 0", got)
	}
	code, out := a.get("/api/v0/storage/limits.json")
	st, _ := out["storage"].(map[string]any)
	ipfs, _ := out["ipfs"].(map[string]any)
	if code != 200 || st["max_file_size"] != float64(100<<20) || st["max_unauthenticated_upload_file_size"] != float64(25<<20) ||
		ipfs["max_upload_file_size"] != float64(1<<30) || ipfs["max_upload_car_size"] == nil || ipfs["max_unauthenticated_upload_file_size"] != float64(25<<20) {
		t.Errorf("limits.json: %d %v", code, out)
	}
	code, out = a.get("/api/v0/storage/metadata/" + hash)
	if code != 200 || out["file_hash"] != hash || out["type"] != "file" || out["size"] != float64(len(file)) ||
		out["download_url"] != "/api/v0/storage/raw/"+hash {
		t.Errorf("metadata: %d %v", code, out)
	}
	code, out = a.get("/api/v0/storage/by-message-hash/" + store.ItemHash)
	if code != 200 || out["file_hash"] != hash || out["ref"] != store.ItemHash || out["owner"] != store.Sender ||
		out["size"] != float64(len(file)) || out["download_url"] != "/api/v0/storage/raw/"+hash {
		t.Errorf("by-message-hash: %d %v", code, out)
	}
	res, err := http.Head(a.base + "/api/v0/storage/raw/" + hash)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Length") != strconv.Itoa(len(file)) {
		t.Errorf("HEAD raw: %d, Content-Length %q", res.StatusCode, res.Header.Get("Content-Length"))
	}
	byRef := func(path, wantRef, wantHash string) {
		t.Helper()
		code, out := a.get("/api/v0/storage/by-ref/" + path)
		if code != 200 || out["ref"] != wantRef || out["file_hash"] != wantHash || out["owner"] != store.Sender {
			t.Errorf("by-ref/%s: %d %v, want ref %s, file %s", path, code, out, wantRef, wantHash)
		}
	}
	byRef(store.ItemHash, store.ItemHash, hash)
	// A newer STORE of the same owner with the first as ref is the tag's
	// latest version; one with a user-defined ref is a tag of its owner.
	v2 := []byte("version two of the file")
	sum2 := sha256.Sum256(v2)
	hash2 := hex.EncodeToString(sum2[:])
	d := client.Store("STORAGE", hash2, "storage", int64(len(v2)))
	d.Content["ref"] = store.ItemHash
	upload(t, a, sign(t, k, d), v2)
	byRef(store.ItemHash, store.ItemHash, hash2)
	d = client.Store("STORAGE", hash, "storage", int64(len(file)))
	d.Content["ref"] = "my-file"
	upload(t, a, sign(t, k, d), file)
	byRef(store.Sender+"/my-file", "my-file", hash)
	for path, want := range map[string]int{
		"/api/v0/storage/by-ref/my-file":                             400,
		"/api/v0/storage/by-ref/" + store.Sender + "/other":          404,
		"/api/v0/storage/by-ref/" + strings.Repeat("0", 64):          404,
		"/api/v0/storage/metadata/" + strings.Repeat("0", 64):        404,
		"/api/v0/storage/metadata/not-a-hash":                        400,
		"/api/v0/storage/by-message-hash/" + strings.Repeat("0", 64): 404,
		"/api/v0/storage/by-message-hash/" + hash:                    404,
	} {
		if code, _ := a.get(path); code != want {
			t.Errorf("GET %s: %d, want %d", path, code, want)
		}
	}
	for path, want := range map[string]int{
		"/api/v0/storage/raw/" + strings.Repeat("0", 64): 404,
		"/api/v0/storage/raw/not-a-hash":                 400,
	} {
		res, err := http.Head(a.base + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("HEAD %s: %d, want %d", path, res.StatusCode, want)
		}
	}
}

func sign(t *testing.T, k *ecdsa.PrivateKey, d client.Draft) *pb.AlephMessage {
	t.Helper()
	m, err := client.Sign(k, d)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// upload sends file with its STORE and waits for the STORE to be processed.
func upload(t *testing.T, a apiClient, store *pb.AlephMessage, file []byte) {
	t.Helper()
	ctype, body := multipartBody(metadataSync(store, true), filePart(file))
	if code, out, _ := a.do(http.MethodPost, "/api/v0/storage/add_file", ctype, body); code != 200 && code != 202 {
		t.Fatalf("add_file: %d %v", code, out)
	}
	waitStatus(t, a, store.ItemHash, "processed")
}
