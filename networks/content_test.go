package networks_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"mime/multipart"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/keys"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/message"
)

// attestBlocks is the content network's attestation window: short, so an
// unavailable file is rejected within the test.
const attestBlocks = 20

func contentGenesis(t *testing.T) []byte {
	var g map[string]json.RawMessage
	if err := json.Unmarshal(app.DevGenesis(), &g); err != nil {
		t.Fatal(err)
	}
	mg := message.DefaultGenesis()
	mg.Params.StoreAttestBlocks = attestBlocks
	g["message"], _ = json.Marshal(mg)
	out, _ := json.Marshal(g)
	return out
}

// upload stores data on node i through its API and returns the sha256.
func (nw *network) upload(i int, data []byte) string { return nw.uploadTo(i, "storage", data) }

// uploadTo stores data through /api/v0/{engine}/add_file ("storage" or
// "ipfs") and returns the hash the node answers (sha256 or CID).
func (nw *network) uploadTo(i int, engine string, data []byte) string {
	nw.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", "blob")
	_, _ = fw.Write(data) // into a bytes.Buffer, which never fails
	_ = w.Close()         // likewise
	resp, err := http.Post("http://"+nw.nodes[i].API+"/api/v0/"+engine+"/add_file", w.FormDataContentType(), &body)
	if err != nil {
		nw.t.Fatal(err)
	}
	defer resp.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	var out struct{ Hash string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.Hash == "" {
		nw.t.Fatalf("upload to node %d: %s (%v)", i, resp.Status, err)
	}
	return out.Hash
}

// holds reports whether node i's store serves the file.
func (nw *network) holds(i int, hash string) bool {
	resp, err := http.Get("http://" + nw.nodes[i].API + "/api/v0/storage/raw/" + hash)
	if err != nil {
		return false
	}
	defer resp.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	_, err = io.Copy(io.Discard, resp.Body)
	return err == nil && resp.StatusCode == 200
}

// record reads a message record from node i.
func (nw *network) record(i int, hash string) *pb.MessageRecord {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q, err := nw.rpc[i].Query(ctx, app.PathMessage, []byte(hash), 0, false)
	if err != nil || q.Value == nil {
		return nil
	}
	rec, err := app.DecodeMessageRecord(q.Value)
	if err != nil {
		nw.t.Fatal(err)
	}
	return rec
}

// waitStatus polls node i until the message leaves `pending`, and returns
// its record and which nodes held the file at that moment.
func (nw *network) waitSettled(i int, hash, file string, timeout time.Duration) (*pb.MessageRecord, []int) {
	nw.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var holders []int
		for j := range nw.nodes {
			if nw.procs[j] != nil && nw.holds(j, file) {
				holders = append(holders, j)
			}
		}
		rec := nw.record(i, hash)
		if rec != nil && rec.Status != pb.MessageStatus_MESSAGE_STATUS_PENDING {
			return rec, holders
		}
		time.Sleep(100 * time.Millisecond)
	}
	nw.t.Fatalf("STORE %s still pending after %s\n%s", hash, timeout, tail(nw.nodes[i].Home))
	return nil, nil
}

func signStore(t *testing.T, seed, file string) *pb.AlephMessage {
	engine := "ipfs"
	if len(file) == 64 && strings.Trim(file, "0123456789abcdef") == "" {
		engine = "storage" // a sha256; anything else is a CID
	}
	m, err := client.Sign(keys.FromSeed(seed), client.Store("NET", file, engine, 0))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (nw *network) submitStore(i int, m *pb.AlephMessage) {
	nw.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if res, err := nw.rpc[i].Submit(ctx, m); err != nil || !res.OK() {
		nw.t.Fatalf("submit STORE to node %d: %+v %v", i, res, err)
	}
}

// TestContentAttestation: on 4 validators, a STORE is processed only once
// validators with more than 2/3 of the power fetched its file from the node
// it was uploaded to, then every node holds it; a STORE of a file nobody has
// is rejected as unavailable; with one validator killed, the other three
// still attest.
func TestContentAttestation(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a network of alephd processes; make test runs it")
	}
	nw := newNetworkWith(t, 4, contentGenesis(t))
	nw.waitHeight(2, 60*time.Second, all(4)...)
	rng := rand.New(rand.NewSource(1))
	newFile := func(n int) []byte {
		b := make([]byte, n)
		rng.Read(b)
		return b
	}

	t.Run("uploaded to one node", func(t *testing.T) {
		data := newFile(300 << 10)
		file := nw.upload(0, data)
		for j := 1; j < 4; j++ {
			if nw.holds(j, file) {
				t.Fatalf("node %d holds the file before any STORE names it", j)
			}
		}
		m := signStore(t, "content-a", file)
		start := time.Now()
		nw.submitStore(0, m)
		rec, holders := nw.waitSettled(1, m.ItemHash, file, 60*time.Second)
		t.Logf("a 300 KiB file uploaded to node 0: STORE processed %s after its submission (200 ms blocks), held by nodes %v", time.Since(start).Round(10*time.Millisecond), holders)
		if rec.Status != pb.MessageStatus_MESSAGE_STATUS_PROCESSED || rec.FileSize != uint64(len(data)) {
			t.Fatalf("STORE settled as %s, size %d (%s)", rec.Status, rec.FileSize, rec.Rejection)
		}
		if len(holders) < 3 {
			t.Fatalf("processed while only nodes %v held the file", holders)
		}
		// Pinned everywhere: the last node fetches it too.
		deadline := time.Now().Add(30 * time.Second)
		for j := 0; j < 4; j++ {
			for !nw.holds(j, file) {
				if time.Now().After(deadline) {
					t.Fatalf("node %d never fetched the processed file", j)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		sum := sha256.Sum256(data)
		if file != hex.EncodeToString(sum[:]) {
			t.Fatalf("upload answered %s", file)
		}
	})

	t.Run("IPFS file", func(t *testing.T) {
		data := newFile(700 << 10) // three 256 KiB chunks: a DAG, not one block
		c := nw.uploadTo(2, "ipfs", data)
		m := signStore(t, "content-ipfs", c)
		nw.submitStore(2, m)
		rec, holders := nw.waitSettled(0, m.ItemHash, c, 60*time.Second)
		if rec.Status != pb.MessageStatus_MESSAGE_STATUS_PROCESSED || rec.FileSize != uint64(len(data)) || rec.FileHash != c {
			t.Fatalf("IPFS STORE settled as %s, size %d, file %s (%s)", rec.Status, rec.FileSize, rec.FileHash, rec.Rejection)
		}
		if len(holders) < 3 {
			t.Fatalf("processed while only nodes %v held %s", holders, c)
		}
	})

	t.Run("nobody has the file", func(t *testing.T) {
		missing := fmt.Sprintf("%064x", rng.Uint64())
		m := signStore(t, "content-b", missing)
		nw.submitStore(2, m)
		rec, _ := nw.waitSettled(2, m.ItemHash, missing, 90*time.Second)
		if rec.Status != pb.MessageStatus_MESSAGE_STATUS_REJECTED || !strings.HasPrefix(rec.Rejection, attest.ContentUnavailable) || rec.Charge != nil {
			t.Fatalf("STORE of a missing file: %s %q charge %v", rec.Status, rec.Rejection, rec.Charge)
		}
	})

	t.Run("a validator killed during attestation", func(t *testing.T) {
		data := newFile(64 << 10)
		file := nw.upload(1, data)
		m := signStore(t, "content-c", file)
		nw.submitStore(1, m)
		nw.signal(3, syscall.SIGKILL)
		rec, holders := nw.waitSettled(0, m.ItemHash, file, 60*time.Second)
		if rec.Status != pb.MessageStatus_MESSAGE_STATUS_PROCESSED {
			t.Fatalf("with 3 of 4 validators the STORE is %s (%s)", rec.Status, rec.Rejection)
		}
		if len(holders) < 3 {
			t.Fatalf("processed while only nodes %v held the file", holders)
		}
		nw.start(3) // it comes back, catches up and fetches what it missed
		top := nw.height(0)
		nw.waitHeight(top, 60*time.Second, 3)
		deadline := time.Now().Add(30 * time.Second)
		for !nw.holds(3, file) {
			if time.Now().After(deadline) {
				t.Fatal("the restarted validator never fetched the file processed while it was down")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
