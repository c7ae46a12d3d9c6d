package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

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
	var fields struct {
		ItemHash string `json:"item_hash"`
		Ref      string `json:"ref"`
		Address  string `json:"address"`
	}
	cont, _ := json.Marshal(contentOf(e))
	if err := json.Unmarshal(cont, &fields); err != nil || fields.ItemHash == "" {
		fail(c, http.StatusNotFound, "no file found for message "+hash)
		return
	}
	f, size, _, err := s.openFile(c.Request.Context(), fields.ItemHash)
	if err != nil {
		failOpen(c, fields.ItemHash, err)
		return
	}
	_ = f.Close() // read only: a failed close loses nothing
	ref, owner := fields.Ref, fields.Address
	if ref == "" {
		ref = hash
	}
	if owner == "" {
		owner = e.Sender
	}
	c.JSON(http.StatusOK, gin.H{"ref": ref, "owner": owner, "file_hash": fields.ItemHash,
		"download_url": "/api/v0/storage/raw/" + fields.ItemHash, "size": size})
}
