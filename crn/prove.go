package crn

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// Prove builds and signs the proof of challenge ch by node on chain
// chainID, from the held file alone, and checks it with the chain's own
// verifier before it is sent (a file damaged on disk fails here, not in a
// block). A file not held, or whose blocks are gone, gives an error
// wrapping content.ErrNotFound.
func (s *Store) Prove(ctx context.Context, key *ecdsa.PrivateKey, chainID, node string, ch app.ResourceChallengeView) (*pb.StorageProof, error) {
	if !s.Holds(ch.File) {
		return nil, fmt.Errorf("%w: %s is not held", content.ErrNotFound, ch.File)
	}
	lim := proof.DefaultLimits()
	p := &pb.StorageProof{Node: node, Epoch: ch.Epoch, Slot: ch.Slot, File: ch.File, Index: ch.Index}
	if content.ValidHash(ch.File) {
		root, err := hex.DecodeString(ch.ChunkRoot)
		if err != nil || len(root) == 0 {
			return nil, fmt.Errorf("challenge on %s has no chunk root", ch.File)
		}
		f, _, err := s.files.Get(ch.File)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ch.File, err)
		}
		defer f.Close()                //nolint:errcheck // read only: a failed close loses nothing
		chunkSize := int(ch.ChunkSize) //nolint:gosec // a chunk fits in a proof, far below 2^31
		if p.Chunk, p.Path, err = proof.ProveChunk(f, chunkSize, ch.Index); err != nil {
			return nil, err
		}
		if err := proof.VerifyChunk(root, ch.Size, ch.ChunkSize, ch.Index, p.Chunk, p.Path, lim); err != nil {
			return nil, fmt.Errorf("the held copy of %s does not prove: %w", ch.File, err)
		}
	} else {
		c, err := cid.Decode(ch.File)
		if err != nil {
			return nil, err
		}
		off := ch.Index * ch.ChunkSize
		if p.Blocks, err = proof.ProveIPFS(ctx, s.ipfs.Block, c, ch.Size, off, lim); err != nil {
			return nil, err
		}
		if _, err := proof.VerifyIPFS(c, ch.Size, off, p.Blocks, lim); err != nil {
			return nil, fmt.Errorf("the held copy of %s does not prove: %w", ch.File, err)
		}
	}
	return p, resource.SignProof(chainID, p, key)
}
