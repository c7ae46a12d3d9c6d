package api

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/content"
)

// SetIPFS makes b the IPFS backend of the ipfs endpoints and of reads by
// CID, in place of the content store's embedded one (content.Store.IPFS).
// Call it before Start.
func (s *Server) SetIPFS(b content.Backend) { s.ipfs = b }

// ipfsBackend is the backend SetIPFS gave, or else the embedded one,
// opened on first use.
func (s *Server) ipfsBackend() (content.Backend, error) {
	if s.ipfs != nil {
		return s.ipfs, nil
	}
	return s.files.IPFS()
}

// ipfsPut adds through the IPFS backend as a plain `ipfs add` does (CIDv0;
// pyaleph has no option for another version). The root is left unpinned,
// within the content store's grace period, like a storage upload: pins
// follow the STOREs in committed state, which the node's pinner applies.
func (s *Server) ipfsPut(c *gin.Context) (putFunc, bool) {
	b, err := s.ipfsBackend()
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "IPFS is unavailable: "+err.Error())
		return nil, false
	}
	return func(r io.Reader, limit int64) (string, int64, error) {
		id, n, err := b.Add(c.Request.Context(), r, content.AddOptions{Limit: limit})
		if err != nil {
			return "", n, err
		}
		return id.String(), n, nil
	}, true
}

// ipfsAddJSON is POST /api/v0/ipfs/add_json: the body, which must be one
// JSON value, is added to IPFS as sent: {"status": "success", "hash": CID}.
func (s *Server) ipfsAddJSON(c *gin.Context) {
	if put, ok := s.ipfsPut(c); ok {
		s.storeJSON(c, put)
	}
}

// ipfsAddFile is POST /api/v0/ipfs/add_file: a multipart "file" part and
// optionally a "metadata" part with a STORE (item_type "ipfs") naming the
// file's CID, as storage/add_file; pyaleph answers {"status": "success",
// "hash": CID, "name": filename or "file", "size": bytes}.
func (s *Server) ipfsAddFile(c *gin.Context) {
	put, ok := s.ipfsPut(c)
	if !ok {
		return
	}
	u := s.readUpload(c, s.limits.ipfs, put)
	if u == nil {
		return
	}
	s.finishUpload(c, u, gin.H{"status": "success", "hash": u.hash, "name": u.name, "size": u.size})
}
