package crn

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// ErrTooLarge is a proof the chain would refuse for its size: above the
// chain's proof limits (resource params max_proof_bytes, max_proof_depth,
// max_block_bytes) or, as a transaction, above what a mempool takes
// (app.MaxTxBytes). It is not sent.
var ErrTooLarge = errors.New("the proof does not fit the chain's limits")

// Prove builds and signs the proof of challenge ch by node on chain
// chainID, from the held file alone, and checks it with the chain's own
// verifier before it is sent (a file damaged on disk fails here, not in a
// block). A file not held, or whose blocks are gone, gives an error
// wrapping content.ErrNotFound.
//
// lim are the chain's proof limits (the challenges route's). The proof is
// built and checked under the wider of lim and proof.DefaultLimits, so a
// sound copy is told from a damaged one whatever the chain's limits, and
// then checked under lim: a sound proof that does not fit them gives an
// error wrapping ErrTooLarge, saying which limit, rather than a proof the
// chain refuses.
func (s *Store) Prove(ctx context.Context, key *ecdsa.PrivateKey, chainID, node string, ch app.ResourceChallengeView, lim proof.Limits) (*pb.StorageProof, error) {
	if !s.Holds(ch.File) {
		return nil, fmt.Errorf("%w: %s is not held", content.ErrNotFound, ch.File)
	}
	def := proof.DefaultLimits()
	wide := proof.Limits{MaxBytes: max(lim.MaxBytes, def.MaxBytes), MaxDepth: max(lim.MaxDepth, def.MaxDepth), MaxBlockBytes: max(lim.MaxBlockBytes, def.MaxBlockBytes)}
	p := &pb.StorageProof{Node: node, Epoch: ch.Epoch, Slot: ch.Slot, File: ch.File, Index: ch.Index}
	var verify func(proof.Limits) error
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
		verify = func(l proof.Limits) error {
			return proof.VerifyChunk(root, ch.Size, ch.ChunkSize, ch.Index, p.Chunk, p.Path, l)
		}
	} else {
		c, err := cid.Decode(ch.File)
		if err != nil {
			return nil, err
		}
		off := ch.Index * ch.ChunkSize
		if p.Blocks, err = proof.ProveIPFS(ctx, s.ipfs.Block, c, ch.Size, off, wide); err != nil {
			return nil, err
		}
		verify = func(l proof.Limits) error {
			_, err := proof.VerifyIPFS(c, ch.Size, off, p.Blocks, l)
			return err
		}
	}
	if err := verify(wide); err != nil {
		return nil, fmt.Errorf("the held copy of %s does not prove: %w", ch.File, err)
	}
	if err := verify(lim); err != nil { // sound under wide: only a limit fails it
		return nil, fmt.Errorf("%w: chunk %d of %s: %v (the chain's limits: max_proof_bytes %d, max_proof_depth %d, max_block_bytes %d)",
			ErrTooLarge, ch.Index, ch.File, err, lim.MaxBytes, lim.MaxDepth, lim.MaxBlockBytes)
	}
	if err := resource.SignProof(chainID, p, key); err != nil {
		return nil, err
	}
	if n := len(app.EncodeStorageProof(p)); n > app.MaxTxBytes {
		return nil, fmt.Errorf("%w: chunk %d of %s is a transaction of %d bytes, more than the %d a mempool takes", ErrTooLarge, ch.Index, ch.File, n, app.MaxTxBytes)
	}
	return p, nil
}
