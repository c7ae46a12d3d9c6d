package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/content"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// Upload limits: pyaleph's defaults (storage.max_file_size,
// ipfs.max_upload_file_size and max_unauthenticated_upload_file_size).
// A file sent with a signed STORE message naming it may be larger than one
// sent without; add_json never comes with a STORE.
const (
	// maxStorageFile bounds a sha256 ("storage") file sent with a STORE.
	maxStorageFile = 100 << 20
	// maxIPFSFile bounds a file added to IPFS with a STORE.
	maxIPFSFile = 1 << 30
	// maxUnsignedFile bounds an upload without a STORE, on either engine,
	// and an add_json body.
	maxUnsignedFile = 25 << 20
)

// uploadLimits are the limits above; tests lower them.
type uploadLimits struct{ storage, ipfs, unsigned int64 }

var defaultLimits = uploadLimits{storage: maxStorageFile, ipfs: maxIPFSFile, unsigned: maxUnsignedFile}

// uploadRoutes bound their bodies themselves, beyond maxBody.
var uploadRoutes = map[string]bool{
	"/api/v0/storage/add_file": true,
	"/api/v0/storage/add_json": true,
	"/api/v0/ipfs/add_file":    true,
	"/api/v0/ipfs/add_json":    true,
}

// putFunc stores r, at most limit bytes, and returns its hash (sha256 hex
// or CID) and size once the content is durable.
type putFunc func(r io.Reader, limit int64) (string, int64, error)

// upload is a multipart upload once its file is stored.
type upload struct {
	hash, name string
	size       int64
	store      *pb.AlephMessage // the STORE of the "metadata" part; nil without one
	storeHash  string           // the file that store names
	sync       bool
}

// readUpload streams a multipart body: the "file" part through put, and an
// optional "metadata" part {"message": STORE message, "sync": bool}. The
// file may come before its metadata, so it is read up to signed bytes and,
// if no metadata came, refused afterwards past s.limits.unsigned, as
// pyaleph does; what a refused upload stored is unpinned and left to GC.
// On any error readUpload answers the client and returns nil.
func (s *Server) readUpload(c *gin.Context, signed int64, put putFunc) *upload {
	mr, ok := multipartReader(c, signed+maxBody)
	if !ok {
		return nil
	}
	var u upload
	var meta []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			failRead(c, err)
			return nil
		}
		switch part.FormName() {
		case "file":
			if u.hash != "" {
				fail(c, http.StatusUnprocessableEntity, "more than one \"file\" part")
				return nil
			}
			if u.name = part.FileName(); u.name == "" {
				u.name = "file"
			}
			r := &clientReader{r: part}
			u.hash, u.size, err = put(r, signed)
			if err != nil {
				failPut(c, r, err, fmt.Sprintf("the file is larger than %d bytes, the limit with a signed STORE message", signed))
				return nil
			}
		case "metadata":
			if meta, err = io.ReadAll(io.LimitReader(part, maxBody)); err != nil {
				failRead(c, err)
				return nil
			}
			if u.store, u.storeHash, u.sync, err = parseStore(meta); err != nil {
				fail(c, http.StatusUnprocessableEntity, err.Error())
				return nil
			}
		}
		_ = part.Close() // it only drains the part, and always returns nil
	}
	switch {
	case u.hash == "":
		fail(c, http.StatusUnprocessableEntity, "no \"file\" part")
		return nil
	case u.store == nil && u.size > s.limits.unsigned:
		fail(c, http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"the file has %d bytes: without a signed STORE message in a \"metadata\" part the limit is %d bytes (%d with one)",
			u.size, s.limits.unsigned, signed))
		return nil
	case u.store != nil && u.storeHash != u.hash:
		fail(c, http.StatusUnprocessableEntity, "the STORE names "+u.storeHash+" but the file is "+u.hash)
		return nil
	}
	return &u
}

// uploadBuffer is how much of a multipart body is read at once. The
// multipart reader's own buffer is 4 KiB, so a file part came to the
// importer 4 KiB at a time, each a read(2) on the connection: given this
// buffer it reads from the socket in large reads instead (a quarter of
// the read calls, and about a tenth less CPU, in BenchmarkIngest64MiB/tcp).
const uploadBuffer = 1 << 20

// multipartReader reads a multipart/form-data body of at most limit bytes.
func multipartReader(c *gin.Context, limit int64) (*multipart.Reader, bool) {
	ctype, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || ctype != "multipart/form-data" || params["boundary"] == "" {
		fail(c, http.StatusUnprocessableEntity, "expected a multipart/form-data body with a \"file\" part")
		return nil, false
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	return multipart.NewReader(bufio.NewReaderSize(body, uploadBuffer), params["boundary"]), true
}

// parseStore reads a "metadata" part: a STORE message and whether to wait
// for its block. It returns the hash of the file that the STORE names.
func parseStore(meta []byte) (*pb.AlephMessage, string, bool, error) {
	var md struct {
		Message json.RawMessage `json:"message"`
		Sync    bool            `json:"sync"`
	}
	if err := json.Unmarshal(meta, &md); err != nil || len(md.Message) == 0 {
		return nil, "", false, errors.New("metadata must be {\"message\": {...}, \"sync\": bool}")
	}
	m, err := message.FromJSON(md.Message)
	if err != nil {
		return nil, "", false, err
	}
	if m.Type != message.TypeStore {
		return nil, "", false, errors.New("metadata.message must be a STORE message, not " + m.Type)
	}
	parsed, err := message.ParseContent(m.Type, m.ItemContent)
	if err != nil {
		return nil, "", false, err
	}
	return m, parsed.FileHash, md.Sync, nil
}

// finishUpload answers an upload with body, first submitting its STORE if
// it came with one; pyaleph answers with the submission's HTTP status, and
// with its error if it was not taken.
func (s *Server) finishUpload(c *gin.Context, u *upload, body gin.H) {
	if u.store == nil {
		c.JSON(http.StatusOK, body)
		return
	}
	status, out := s.publish(c, u.store, u.sync)
	if status == http.StatusOK || status == http.StatusAccepted {
		out = body
	}
	c.JSON(status, out)
}

// clientReader records an error reading the request, to tell a client's
// broken or oversize body from a failure of the store.
type clientReader struct {
	r   io.Reader
	err error
}

func (r *clientReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// failPut answers a failed put: 413 past the limit, 422 for a body that
// could not be read, 507 for a store that could not write.
func failPut(c *gin.Context, r *clientReader, err error, tooLarge string) {
	var nj *notJSON
	switch {
	case errors.Is(err, content.ErrTooLarge):
		fail(c, http.StatusRequestEntityTooLarge, tooLarge)
	case errors.As(err, &nj):
		fail(c, http.StatusUnprocessableEntity, nj.Error())
	case r.err != nil:
		failRead(c, r.err)
	default:
		fail(c, http.StatusInsufficientStorage, "could not store: "+err.Error())
	}
}

// failRead answers an error reading the request body.
func failRead(c *gin.Context, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		fail(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit))
		return
	}
	fail(c, http.StatusUnprocessableEntity, "unreadable request body: "+err.Error())
}
