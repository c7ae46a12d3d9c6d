package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/x/message"
)

// addJSON is POST /api/v0/storage/add_json: the body is stored as sent.
func (s *Server) addJSON(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		fail(c, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	if !json.Valid(body) {
		fail(c, http.StatusUnprocessableEntity, "the body is not JSON")
		return
	}
	hash, _, err := s.files.Put(bytes.NewReader(body), maxBody)
	if err != nil {
		fail(c, http.StatusInsufficientStorage, "could not store: "+err.Error())
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "success", "hash": hash})
}

// addFile is POST /api/v0/storage/add_file: a multipart "file" part
// (a filename is optional), and optionally a "metadata" part
// {"message": STORE message, "sync": bool} naming the file's sha256. The
// file is stored durably before the message is submitted or the API answers.
func (s *Server) addFile(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUpload+maxBody)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, "expected a multipart/form-data body with a \"file\" part")
		return
	}
	var hash string
	var size int64
	var meta []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fail(c, http.StatusUnprocessableEntity, "malformed multipart body: "+err.Error())
			return
		}
		switch part.FormName() {
		case "file":
			hash, size, err = s.files.Put(part, maxUpload)
			if errors.Is(err, content.ErrTooLarge) {
				fail(c, http.StatusRequestEntityTooLarge, "the file is larger than "+strconv.Itoa(maxUpload)+" bytes")
				return
			}
			if err != nil {
				fail(c, http.StatusUnprocessableEntity, "could not store the file: "+err.Error())
				return
			}
		case "metadata":
			if meta, err = io.ReadAll(io.LimitReader(part, maxBody)); err != nil {
				fail(c, http.StatusUnprocessableEntity, "unreadable metadata part")
				return
			}
		}
		part.Close()
	}
	if hash == "" {
		fail(c, http.StatusUnprocessableEntity, "no \"file\" part")
		return
	}
	if meta == nil {
		c.JSON(http.StatusOK, gin.H{"status": "success", "hash": hash, "size": size})
		return
	}
	var md struct {
		Message json.RawMessage `json:"message"`
		Sync    bool            `json:"sync"`
	}
	if err := json.Unmarshal(meta, &md); err != nil || len(md.Message) == 0 {
		fail(c, http.StatusUnprocessableEntity, "metadata must be {\"message\": {...}, \"sync\": bool}")
		return
	}
	m, err := message.FromJSON(md.Message)
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	parsed, err := message.ParseContent(m.Type, m.ItemContent)
	if err != nil || m.Type != message.TypeStore {
		fail(c, http.StatusUnprocessableEntity, "metadata.message must be a STORE message")
		return
	}
	if parsed.FileHash != hash {
		fail(c, http.StatusUnprocessableEntity, "the STORE names "+parsed.FileHash+" but sha256 of the file is "+hash)
		return
	}
	status, body := s.publish(c, m, md.Sync)
	if status == http.StatusOK || status == http.StatusAccepted {
		body = gin.H{"status": "success", "hash": hash}
	}
	c.JSON(status, body)
}

// rawFile is GET /api/v0/storage/raw/{hash}: the bytes.
func (s *Server) rawFile(c *gin.Context) {
	f, size, err := s.files.Get(c.Param("hash"))
	if errors.Is(err, content.ErrNotFound) {
		fail(c, http.StatusNotFound, "no file "+c.Param("hash"))
		return
	}
	if err != nil {
		fail(c, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer f.Close()
	c.DataFromReader(http.StatusOK, size, "application/octet-stream", f, nil)
}

// getFile is GET /api/v0/storage/{hash}: the bytes in base64, as pyaleph.
func (s *Server) getFile(c *gin.Context) {
	hash := c.Param("hash")
	f, size, err := s.files.Get(hash)
	if errors.Is(err, content.ErrNotFound) {
		fail(c, http.StatusNotFound, "no file "+hash)
		return
	}
	if err != nil {
		fail(c, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer f.Close()
	if size > maxBody*8 {
		fail(c, http.StatusRequestEntityTooLarge, "file too large to inline: use /api/v0/storage/raw/"+hash)
		return
	}
	b, err := io.ReadAll(f)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, err.Error())
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "success", "hash": hash, "engine": "storage", "content": base64.StdEncoding.EncodeToString(b)})
}
