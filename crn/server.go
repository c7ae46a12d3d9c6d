package crn

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/x/resource"
)

// maxNonce bounds a probe's nonce: a slot's nonce is a hash.
const maxNonce = 64

// ProbeAnswer is the liveness endpoint's answer: the node's signature
// (R ‖ S, hex) over resource.ProbeDigest for the slot and nonce asked.
type ProbeAnswer struct {
	Node      string `json:"node"`
	Epoch     uint64 `json:"epoch"`
	Slot      uint32 `json:"slot"`
	Signature string `json:"signature"`
}

// Handler serves the node's HTTP API.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v0/storage/raw/{hash}", n.raw)
	mux.HandleFunc("GET /storage/raw/{hash}", n.raw)
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, n.Status()) })
	mux.HandleFunc("GET /alephd/v1/probe", n.probe)
	mux.Handle("GET /metrics", n.m.handler())
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}

// fail answers as the CCN's API does: {"error": msg}.
func fail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// raw serves a held file's bytes as a CCN's /api/v0/storage/raw does:
// 200 application/octet-stream with its length, 400 for a hash that is
// neither sha256 nor a CID, 404 for a file not held.
func (n *Node) raw(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	if !content.ValidHash(hash) {
		if _, err := cid.Decode(hash); err != nil {
			fail(w, http.StatusBadRequest, hash+": not a sha256 hash or a CID")
			return
		}
	}
	f, size, err := n.store.Open(r.Context(), hash)
	if errors.Is(err, content.ErrNotFound) {
		fail(w, http.StatusNotFound, "no file "+hash)
		return
	}
	if err != nil {
		fail(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer f.Close() //nolint:errcheck // read only: a failed close loses nothing
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, f) // a client gone mid-file: nothing to do
	}
}

// probe answers a validator's liveness probe: GET
// /alephd/v1/probe?epoch=E&slot=S&nonce=<hex>. The node signs any nonce
// (it cannot tell a slot's real one); validators check the signature
// against the nonce state recorded.
func (n *Node) probe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	epoch, err1 := strconv.ParseUint(q.Get("epoch"), 10, 64)
	slot, err2 := strconv.ParseUint(q.Get("slot"), 10, 32)
	nonce, err3 := hex.DecodeString(q.Get("nonce"))
	if err := errors.Join(err1, err2, err3); err != nil || len(nonce) == 0 || len(nonce) > maxNonce {
		fail(w, http.StatusBadRequest, "want epoch, slot (numbers) and nonce (1 to 64 bytes, hex)")
		return
	}
	n.mu.Lock()
	chainID := n.chainID
	n.mu.Unlock()
	if chainID == "" {
		fail(w, http.StatusServiceUnavailable, "the node does not know its chain id yet: its CCN has not answered")
		return
	}
	sig, err := resource.SignProbe(n.key, chainID, n.cfg.NodeHash, epoch, uint32(slot), nonce)
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	n.m.probes.Inc()
	writeJSON(w, http.StatusOK, ProbeAnswer{Node: n.cfg.NodeHash, Epoch: epoch, Slot: uint32(slot), Signature: hex.EncodeToString(sig)})
}
