package api_test

import (
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkIngest64MiB posts a 64 MiB file to /api/v0/ipfs/add_file
// through the real handler and the embedded IPFS store: multipart parsing,
// the import, its blocks' writes and the syncfs before the answer. The
// body streams from a pipe, handed to the handler directly ("handler") or
// sent over loopback TCP to an in-process server ("tcp", which also pays
// for the client's side). Each iteration sends new bytes, so no block is
// already present. The file comes without a STORE, the unsigned limit
// raised for it: checking a STORE costs nothing next to the import, and
// computing its CID first would leave another 64 MiB of dirty blocks for
// the timed syncfs to flush.
func BenchmarkIngest64MiB(b *testing.B) {
	u := newUploadServer(b)
	u.srv.SetUploadLimits(100<<20, 1<<30, 1<<30)
	b.Run("handler", func(b *testing.B) {
		ingest(b, func(req *http.Request) int {
			rec := httptest.NewRecorder()
			u.h.ServeHTTP(rec, req)
			return rec.Code
		})
	})
	b.Run("tcp", func(b *testing.B) {
		ts := httptest.NewServer(u.h)
		defer ts.Close()
		ingest(b, func(req *http.Request) int {
			req.URL.Scheme, req.URL.Host, req.RequestURI = "http", ts.Listener.Addr().String(), ""
			res, err := ts.Client().Do(req)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, res.Body); err != nil {
				b.Fatal(err)
			}
			_ = res.Body.Close() // read to its end already
			return res.StatusCode
		})
	})
}

func ingest(b *testing.B, send func(*http.Request) int) {
	buf := make([]byte, 64<<20)
	b.SetBytes(int64(len(buf)))
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		_, _ = rand.NewChaCha8([32]byte{byte(i), byte(i >> 8), 1}).Read(buf) // never fails
		b.StartTimer()
		pr, pw := io.Pipe()
		w := multipart.NewWriter(pw)
		go func() {
			fw, err := w.CreateFormFile("file", "bench.bin")
			if err == nil {
				_, err = fw.Write(buf)
			}
			if err == nil {
				err = w.Close()
			}
			pw.CloseWithError(err)
		}()
		req := httptest.NewRequest(http.MethodPost, "/api/v0/ipfs/add_file", pr)
		req.Header.Set("Content-Type", w.FormDataContentType())
		if code := send(req); code != http.StatusOK {
			b.Fatalf("status %d", code)
		}
	}
}
