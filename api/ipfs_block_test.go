package api_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
)

// TestIPFSBlock: GET /api/v0/ipfs/block/{cid} answers the raw bytes of
// every block of a file the node holds, each hashing to its CID, HEAD
// their status; 404 for a block it does not hold (no network search),
// 400 for a malformed CID.
func TestIPFSBlock(t *testing.T) {
	u := newUploadServer(t)
	e, err := u.files.IPFS()
	if err != nil {
		t.Fatal(err)
	}
	root, _, err := e.Add(context.Background(), bytes.NewReader(randomBytes(21, 600<<10)), content.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	todo, n := []cid.Cid{root}, 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		code, _, body := u.do(http.MethodGet, "/api/v0/ipfs/block/"+c.String(), "", nil)
		if code != http.StatusOK {
			t.Fatalf("block %s: %d %s", c, code, body)
		}
		if got, err := c.Prefix().Sum(body); err != nil || !got.Equals(c) {
			t.Fatalf("block %s: the bytes hash to %s", c, got)
		}
		nd, err := merkledag.DecodeProtobuf(body)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range nd.Links() {
			todo = append(todo, l.Cid)
		}
		n++
	}
	if n != 4 { // a root and 3 leaves of 256 KiB
		t.Fatalf("%d blocks, want 4", n)
	}
	if code, _, _ := u.do(http.MethodHead, "/api/v0/ipfs/block/"+root.String(), "", nil); code != http.StatusOK {
		t.Fatalf("HEAD: %d", code) // net/http drops a HEAD's body, the recorder does not
	}
	absent, _ := cid.V1Builder{Codec: cid.Raw, MhType: 0x12}.Sum([]byte("not held"))
	for path, want := range map[string]int{
		absent.String(): http.StatusNotFound,
		"notacid":       http.StatusBadRequest,
	} {
		if code, _, body := u.do(http.MethodGet, "/api/v0/ipfs/block/"+path, "", nil); code != want {
			t.Fatalf("%s: %d %s, want %d", path, code, body, want)
		}
	}
}
