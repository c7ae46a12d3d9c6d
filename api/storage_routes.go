package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/x/message"
)

// storageLimits is GET /api/v0/storage/limits.json, in pyaleph's shape.
// alephd has no separate CAR upload, so max_upload_car_size is the IPFS
// file limit.
func (s *Server) storageLimits(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{
		"storage": gin.H{
			"max_file_size":                        s.limits.storage,
			"max_unauthenticated_upload_file_size": s.limits.unsigned,
		},
		"ipfs": gin.H{
			"max_upload_file_size":                 s.limits.ipfs,
			"max_upload_car_size":                  s.limits.ipfs,
			"max_unauthenticated_upload_file_size": s.limits.unsigned,
		},
	})
}

// fileCount is GET /api/v0/storage/count/{hash}: a bare integer, as
// pyaleph, counting the live STOREs that keep the file. pyaleph counts all
// its pins; alephd has no pins but its STOREs.
func (s *Server) fileCount(c *gin.Context) {
	hash := c.Param("hash")
	if len(hash) > 128 {
		fail(c, http.StatusBadRequest, "not a file hash")
		return
	}
	raw, err := s.node.Query(c.Request.Context(), app.PathFile, []byte(hash))
	if err != nil {
		fail(c, http.StatusServiceUnavailable, err.Error())
		return
	}
	var v app.FileView
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &v); err != nil {
			fail(c, http.StatusServiceUnavailable, "bad file view: "+err.Error())
			return
		}
	}
	c.JSON(http.StatusOK, len(v.Stores))
}

// headRaw is HEAD /api/v0/storage/raw/{hash}: GET's status and
// Content-Length, with no body.
func (s *Server) headRaw(c *gin.Context) {
	hash := c.Param("hash")
	f, size, _, err := s.openFile(c.Request.Context(), hash)
	if err != nil {
		c.Status(openStatus(err))
		return
	}
	_ = f.Close() // read only: a failed close loses nothing
	c.Header("Content-Length", strconv.FormatInt(size, 10))
	c.Header("Content-Type", "application/octet-stream")
	c.Status(http.StatusOK)
}

// openStatus is the status failOpen gives err.
func openStatus(err error) int {
	switch {
	case errors.Is(err, errBadHash):
		return http.StatusBadRequest
	case errors.Is(err, content.ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusServiceUnavailable
}

// fileMetadata is GET /api/v0/storage/metadata/{hash}, in pyaleph's shape.
// pyaleph's type is "file" or "directory"; alephd holds files only.
func (s *Server) fileMetadata(c *gin.Context) {
	hash := c.Param("hash")
	f, size, _, err := s.openFile(c.Request.Context(), hash)
	if err != nil {
		failOpen(c, hash, err)
		return
	}
	_ = f.Close() // read only: a failed close loses nothing
	c.JSON(http.StatusOK, gin.H{"file_hash": hash, "type": "file", "size": size,
		"download_url": "/api/v0/storage/raw/" + hash})
}

// fileByMessage is GET /api/v0/storage/by-message-hash/{hash}: the file of a
// processed STORE, in pyaleph's shape. The size is that of the file this
// node holds; a STORE whose file it does not hold is a 404.
func (s *Server) fileByMessage(c *gin.Context) {
	hash := c.Param("hash")
	if len(hash) > 128 {
		fail(c, http.StatusBadRequest, "not an item hash")
		return
	}
	e, err := s.idx.Get(hash)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	if e == nil || e.Type != message.TypeStore || e.Status != index.StatusProcessed {
		fail(c, http.StatusNotFound, "no file found for message "+hash)
		return
	}
	ref := storeRef(e)
	if ref == "" {
		ref = hash
	}
	s.storeFile(c, e, ref)
}

// fileByRef is GET /api/v0/storage/by-ref/{ref} and
// /storage/by-ref/{address}/{ref}: the file of the newest live STORE under
// a file tag, as pyaleph's file tags. A ref that is an item hash is a tag
// of the owner of that STORE (its own, when it has no ref, and that of the
// STOREs its owner sent with it as ref); any other ref is a tag of an
// owner, so needs the address. The index keeps the tags: one read.
func (s *Server) fileByRef(c *gin.Context) {
	ref, owner := c.Param("ref"), ""
	if tag := c.Param("tag"); tag != "" {
		ref, owner = tag, ref
	}
	if len(ref) > 256 || len(owner) > 128 {
		fail(c, http.StatusBadRequest, "ref or address too long")
		return
	}
	if isItemHash(ref) {
		e, err := s.idx.Get(ref)
		if err != nil {
			fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
			return
		}
		if e == nil || e.Type != message.TypeStore {
			fail(c, http.StatusNotFound, "no file found for tag "+ref)
			return
		}
		owner = e.Owner
	} else if owner == "" {
		fail(c, http.StatusBadRequest, "address is required for user-defined ref")
		return
	}
	latest, err := s.idx.NewestTagged(owner, ref)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	if latest == nil {
		fail(c, http.StatusNotFound, "no file found for tag "+owner+"/"+ref)
		return
	}
	s.storeFile(c, latest, ref)
}

// storeFile answers pyaleph's FileMetadataResponse for the STORE e.
func (s *Server) storeFile(c *gin.Context, e *index.Entry, ref string) {
	if e.ContentHash == "" {
		fail(c, http.StatusNotFound, "no file found for message "+e.ItemHash)
		return
	}
	f, size, _, err := s.openFile(c.Request.Context(), e.ContentHash)
	if err != nil {
		failOpen(c, e.ContentHash, err)
		return
	}
	_ = f.Close() // read only: a failed close loses nothing
	owner := e.Owner
	if owner == "" {
		owner = e.Sender
	}
	c.JSON(http.StatusOK, gin.H{"ref": ref, "owner": owner, "file_hash": e.ContentHash,
		"download_url": "/api/v0/storage/raw/" + e.ContentHash, "size": size})
}

// isItemHash is pyaleph's ItemHash check: a sha256 or a CID.
func isItemHash(s string) bool {
	if content.ValidHash(s) {
		return true
	}
	_, err := cid.Decode(s)
	return err == nil
}

// storeRef is a STORE's content.ref: a string, or a ChainRef's item_hash.
func storeRef(e *index.Entry) string {
	raw := contentOf(e)["ref"]
	var ref string
	if json.Unmarshal(raw, &ref) == nil {
		return ref
	}
	var chainRef struct {
		ItemHash string `json:"item_hash"`
	}
	_ = json.Unmarshal(raw, &chainRef)
	return chainRef.ItemHash
}
