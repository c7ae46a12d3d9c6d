package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
)

// addJSON is POST /api/v0/storage/add_json: the body, which must be one
// JSON value, is stored as pyaleph stores it (pyalephJSON) under its
// sha256.
func (s *Server) addJSON(c *gin.Context) {
	s.storeJSON(c, s.files.Put)
}

// storeJSON stores an add_json body through put, re-serialized as pyaleph
// does (pyalephJSON), and answers {"status": "success", "hash": ...}. Like
// pyaleph, it holds the body in memory: at most the unsigned upload limit.
func (s *Server) storeJSON(c *gin.Context, put putFunc) {
	r := &clientReader{r: io.LimitReader(c.Request.Body, s.limits.unsigned+1)}
	body, err := io.ReadAll(r)
	if err == nil && int64(len(body)) > s.limits.unsigned {
		err = content.ErrTooLarge
	}
	if err == nil {
		body, err = pyalephJSON(body)
	}
	var hash string
	if err == nil {
		hash, _, err = put(bytes.NewReader(body), int64(len(body)))
	}
	if err != nil {
		failPut(c, r, err, fmt.Sprintf("the body is larger than %d bytes", s.limits.unsigned))
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "success", "hash": hash})
}

// addFile is POST /api/v0/storage/add_file: a multipart "file" part (a
// filename is optional), and optionally a "metadata" part {"message":
// STORE message, "sync": bool} naming the file's sha256 (see readUpload
// for the limits). The file is durable before the message is submitted or
// the API answers.
func (s *Server) addFile(c *gin.Context) {
	u := s.readUpload(c, s.limits.storage, s.files.Put)
	if u == nil {
		return
	}
	s.finishUpload(c, u, gin.H{"status": "success", "hash": u.hash, "size": u.size})
}

// errBadHash is a file hash that is neither a sha256 nor a CID.
var errBadHash = errors.New("not a sha256 hash (64 lower-case hex) nor an IPFS CID")

// openFile opens the file hash, a sha256 in the content store or a CID on
// the IPFS backend, and returns its size and engine ("storage" or "ipfs").
// Only what is held locally is served: the backend is never asked to fetch
// a CID from the network.
func (s *Server) openFile(ctx context.Context, hash string) (io.ReadCloser, int64, string, error) {
	if content.ValidHash(hash) {
		f, size, err := s.files.Get(hash)
		return f, size, "storage", err
	}
	id, err := cid.Decode(hash)
	if err != nil {
		return nil, 0, "", errBadHash
	}
	b, err := s.ipfsBackend()
	if err != nil {
		return nil, 0, "", err
	}
	if ok, err := b.Has(ctx, id); err != nil || !ok {
		if err == nil {
			err = content.ErrNotFound
		}
		return nil, 0, "", err
	}
	size, err := b.Stat(ctx, id)
	if err != nil {
		return nil, 0, "", err
	}
	f, err := b.Cat(ctx, id)
	return f, size, "ipfs", err
}

// failOpen answers an openFile error.
func failOpen(c *gin.Context, hash string, err error) {
	switch {
	case errors.Is(err, errBadHash):
		fail(c, http.StatusBadRequest, hash+": "+err.Error())
	case errors.Is(err, content.ErrNotFound):
		fail(c, http.StatusNotFound, "no file "+hash)
	default:
		fail(c, http.StatusServiceUnavailable, err.Error())
	}
}

// rawFile is GET /api/v0/storage/raw/{hash}: the bytes of a sha256 file or
// of an IPFS file.
func (s *Server) rawFile(c *gin.Context) {
	hash := c.Param("hash")
	f, size, _, err := s.openFile(c.Request.Context(), hash)
	if err != nil {
		failOpen(c, hash, err)
		return
	}
	defer f.Close() //nolint:errcheck // read only: a failed close loses nothing
	c.DataFromReader(http.StatusOK, size, "application/octet-stream", f, nil)
}

// getFile is GET /api/v0/storage/{hash}: the bytes in base64, as pyaleph.
func (s *Server) getFile(c *gin.Context) {
	hash := c.Param("hash")
	f, size, engine, err := s.openFile(c.Request.Context(), hash)
	if err != nil {
		failOpen(c, hash, err)
		return
	}
	defer f.Close() //nolint:errcheck // read only: a failed close loses nothing
	if size > maxBody*8 {
		fail(c, http.StatusRequestEntityTooLarge, "file too large to inline: use /api/v0/storage/raw/"+hash)
		return
	}
	b, err := io.ReadAll(f)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, err.Error())
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "success", "hash": hash, "engine": engine, "content": base64.StdEncoding.EncodeToString(b)})
}
