package resource

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/ipfs/go-cid"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/resource/proof"
)

// maxNameLen bounds the node and file names a proof carries (an item_hash
// is 64 hex digits, a CID under 100 characters).
const maxNameLen = 128

// maxPathLen bounds a sha256 file's audit path: 64 levels cover 2^64
// chunks.
const maxPathLen = 64

// DecodeProof decodes a StorageProof and checks its shape against the
// limits before anything is hashed: the encoded size first (so a huge
// message costs no decoding), then names, block count and path hashes.
func DecodeProof(b []byte, lim proof.Limits) (*pb.StorageProof, error) {
	if len(b) > lim.MaxBytes+4*maxNameLen+64 {
		return nil, errs.Wrapf(ErrMalformed, "%d bytes, more than the %d a proof may have", len(b), lim.MaxBytes)
	}
	p := new(pb.StorageProof)
	if err := proto.Unmarshal(b, p); err != nil {
		return nil, errs.Wrapf(ErrMalformed, "not a StorageProof: %v", err)
	}
	switch {
	case len(p.ProtoReflect().GetUnknown()) > 0:
		return nil, errs.Wrapf(ErrMalformed, "fields a StorageProof does not have")
	case p.Node == "" || p.File == "" || len(p.Node) > maxNameLen || len(p.File) > maxNameLen:
		return nil, errs.Wrapf(ErrMalformed, "node and file must be named, in at most %d characters", maxNameLen)
	case len(p.Blocks) > lim.MaxDepth:
		return nil, errs.Wrapf(ErrMalformed, "%d blocks, more than %d", len(p.Blocks), lim.MaxDepth)
	case len(p.Path) > maxPathLen:
		return nil, errs.Wrapf(ErrMalformed, "a path of %d hashes, more than %d", len(p.Path), maxPathLen)
	case len(p.Blocks) > 0 && (len(p.Chunk) > 0 || len(p.Path) > 0):
		return nil, errs.Wrapf(ErrMalformed, "blocks (an IPFS file) and chunk and path (a sha256 file) together")
	}
	for i, h := range p.Path {
		if len(h) != sha256.Size {
			return nil, errs.Wrapf(ErrMalformed, "path hash %d has %d bytes, want %d", i, len(h), sha256.Size)
		}
	}
	return p, nil
}

// isSHA256File tells a sha256 ("storage") file's hash, 64 hex digits, from
// an IPFS CID.
func isSHA256File(hash string) bool {
	if len(hash) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(hash)
	return err == nil
}

// FileChunkSize is the size of the chunks a file is challenged in, by its
// hash: root_chunk_size for a sha256 file (the chunks of the root
// validators attested), chunk_size for an IPFS file (the offset
// granularity of its challenges). A resource node answering challenge
// index i of a file proves the chunk, or the IPFS leaf, covering byte
// i·FileChunkSize(file).
func (p Params) FileChunkSize(hash string) uint64 {
	if isSHA256File(hash) {
		return p.RootChunkSize
	}
	return p.ChunkSize
}

// verify checks p answers challenge c under params p's limits and chunk
// sizes: hashing and decoding only.
func verify(c *pb.ChallengeRecord, p *pb.StorageProof, params Params) error {
	lim := params.Limits()
	if isSHA256File(c.File) {
		if len(p.Blocks) > 0 {
			return errs.Wrapf(ErrProof, "%s is a sha256 file: send its chunk and path, not blocks", c.File)
		}
		if err := proof.VerifyChunk(c.ChunkRoot, c.Size, params.RootChunkSize, c.Index, p.Chunk, p.Path, lim); err != nil {
			return errs.Wrapf(ErrProof, "chunk %d of %s: %v", c.Index, c.File, err)
		}
		return nil
	}
	root, err := cid.Decode(c.File)
	if err != nil {
		return fmt.Errorf("challenge on %s, which is not a CID: %w", c.File, err) // drawn from state: a bug
	}
	if _, err := proof.VerifyIPFS(root, c.Size, c.Index*params.ChunkSize, p.Blocks, lim); err != nil {
		return errs.Wrapf(ErrProof, "chunk %d of %s: %v", c.Index, c.File, err)
	}
	return nil
}
