package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// The routes a resource node (`alephd crn start`) follows its CCN by: what
// it holds, what it must prove, where it sends proofs. They read committed
// state through the app's queries, as /compute/{id}/metrics does.
func (s *Server) resourceRoutes(v0 *gin.RouterGroup) {
	v0.GET("/compute/:node_id/files", s.computeFiles)
	v0.GET("/compute/:node_id/challenges", s.computeChallenges)
	v0.POST("/compute/:node_id/proofs", s.computeProof)
}

// computeFiles is GET /api/v0/compute/{node_id}/files: the files assigned
// to a resource node, with engine, attested size and (sha256 files) chunk
// root; an empty list on a chain that does not enable x/resource.
func (s *Server) computeFiles(c *gin.Context) {
	var v app.ResourceFilesView
	if s.queryJSON(c, app.PathResourceFiles, []byte(c.Param("node_id")), &v) {
		c.JSON(http.StatusOK, v)
	}
}

// computeChallenges is GET /api/v0/compute/{node_id}/challenges: the node's
// challenges in the epoch open at the last committed height, with their
// deadline, chunk size and whether a proof passed, the chain id a proof's
// signature binds, and the chain's proof limits ("limits":
// max_proof_bytes, max_proof_depth, max_block_bytes), which a node checks
// its proofs against before sending them.
func (s *Server) computeChallenges(c *gin.Context) {
	var v app.ResourceChallengesView
	if s.queryJSON(c, app.PathResourceChallenges, []byte(c.Param("node_id")), &v) {
		c.JSON(http.StatusOK, v)
	}
}

// proofBody bounds a proof upload: a storage-proof transaction larger
// than app.MaxTxBytes is one no mempool takes (node/home.go sets
// CometBFT's max_tx_bytes to it), whatever the chain's max_proof_bytes,
// so it is refused here with a clear answer rather than by the mempool.
const proofBody = app.MaxTxBytes

// computeProof is POST /api/v0/compute/{node_id}/proofs: a signed
// StorageProof, protobuf-encoded as the body, submitted to the mempool as
// a storage-proof transaction. 200 with CheckTx's result once the mempool
// takes it (the chain checks signature and answer again in its block),
// 422 with its code and log when CheckTx refuses it, 400 for a body that
// is not a proof of node_id.
func (s *Server) computeProof(c *gin.Context) {
	b, err := io.ReadAll(io.LimitReader(c.Request.Body, proofBody+1))
	if err != nil || len(b) > proofBody {
		fail(c, http.StatusBadRequest, fmt.Sprintf("the body must be a StorageProof (protobuf), at most %d bytes (the largest transaction a mempool takes)", proofBody))
		return
	}
	p := new(pb.StorageProof)
	if err := proto.Unmarshal(b, p); err != nil {
		fail(c, http.StatusBadRequest, "the body is not a StorageProof (protobuf): "+err.Error())
		return
	}
	if p.Node != c.Param("node_id") {
		fail(c, http.StatusBadRequest, "the proof is node "+p.Node+"'s, not "+c.Param("node_id")+"'s")
		return
	}
	tx := app.EncodeStorageProof(p)
	sum := sha256.Sum256(tx)
	code, space, log, err := s.node.Broadcast(c.Request.Context(), tx)
	if errors.Is(err, ErrKnown) {
		code, err = 0, nil // sent before: the mempool or a block has it
	}
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "the node did not take the proof: "+err.Error())
		return
	}
	status := http.StatusOK
	if code != 0 {
		status = http.StatusUnprocessableEntity
	}
	c.JSON(status, gin.H{"code": code, "codespace": space, "log": log, "tx_hash": strings.ToUpper(hex.EncodeToString(sum[:]))})
}
