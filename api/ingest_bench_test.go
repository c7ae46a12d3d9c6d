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
// body streams through a pipe, as from a socket. Each iteration sends new
// bytes, so no block is already present. The file comes without a STORE,
// the unsigned limit raised for it: checking a STORE costs nothing next to
// the import, and computing its CID first would leave another 64 MiB of
// dirty blocks for the timed syncfs to flush.
func BenchmarkIngest64MiB(b *testing.B) {
	u := newUploadServer(b)
	u.srv.SetUploadLimits(100<<20, 1<<30, 1<<30)
	buf := make([]byte, 64<<20)
	b.SetBytes(int64(len(buf)))
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		rand.NewChaCha8([32]byte{byte(i), byte(i >> 8), 1}).Read(buf)
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
		rec := httptest.NewRecorder()
		u.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
