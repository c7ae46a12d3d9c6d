package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
)

// ipfsBlock is GET /api/v0/ipfs/block/{cid}: the raw bytes of one IPFS
// block, as its CID hashes them, if the node holds it. It is how a
// resource node fetches a file's DAG, whatever chunker and layout built
// it, checking each block against the CID its parent links. The block is
// read offline (content.Backend.Block): the node never searches the IPFS
// network on a client's behalf. 404 for a block not held, or larger than
// content.MaxBlockBytes (the default max_block_bytes, and the bitswap
// limit); 400 for a malformed CID.
func (s *Server) ipfsBlock(c *gin.Context) {
	id, err := cid.Decode(c.Param("cid"))
	if err != nil {
		fail(c, http.StatusBadRequest, fmt.Sprintf("%q is not a CID: %v", c.Param("cid"), err))
		return
	}
	b, err := s.ipfsBackend()
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "IPFS is unavailable: "+err.Error())
		return
	}
	data, err := b.Block(c.Request.Context(), id)
	switch {
	case errors.Is(err, content.ErrNotFound):
		fail(c, http.StatusNotFound, "this node does not hold block "+id.String())
		return
	case errors.Is(err, content.ErrTooLarge):
		fail(c, http.StatusNotFound, fmt.Sprintf("block %s is not served: %v", id, err))
		return
	case err != nil:
		fail(c, http.StatusServiceUnavailable, "IPFS read failed: "+err.Error())
		return
	}
	// A block is named by its hash: it never changes.
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Data(http.StatusOK, "application/octet-stream", data)
}
