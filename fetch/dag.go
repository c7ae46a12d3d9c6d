package fetch

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// DAGBytes is what this node's validator attests as an IPFS file's DAG
// size (AttestedFile.dag_bytes) when the chain assigns IPFS files to
// resource nodes (PendingStore.DAGBytes): the distinct blocks' bytes of
// proof.Walk over the file's DAG from its root, the walk a resource node
// fetches, through the IPFS backend's blocks. The walk stops once past
// resource.MaxDAGBytes(size), and any DAG past it, or whose root no proof
// walks or whose blocks no IPFS node moves (over 2 MiB), is reported as
// MaxDAGBytes(size) + 1: honest validators report one number however far
// past the bound a DAG goes, and the chain assigns none of them.
//
// The file must be verified first (Fetch): size is its attested size. An
// embedded store reads its own blocks (Fetch imported them); kubo may
// fetch blocks from the IPFS network (Fetch stats only the root), each
// within the fetcher's timeout. A block missing is an error (no vote).
//
// Sizes are cached like chunk roots, by (file, size), and for the same
// reason: the walk is a function of the CID and the size alone.
func (f *Fetcher) DAGBytes(ctx context.Context, hash string, size uint64) (uint64, error) {
	b, err := f.dags.get(rootKey{hash, size}, func() ([]byte, error) {
		n, err := f.dagBytes(ctx, hash, size)
		return binary.BigEndian.AppendUint64(nil, n), err
	})
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(b), nil
}

// dagBytes walks the DAG, each block within the fetcher's timeout.
func (f *Fetcher) dagBytes(ctx context.Context, hash string, size uint64) (uint64, error) {
	c, err := cid.Decode(hash)
	if err != nil {
		return 0, err
	}
	get := f.cfg.IPFS.Block
	if k, ok := f.cfg.IPFS.(interface {
		FetchBlock(context.Context, cid.Cid) ([]byte, error)
	}); ok && f.cfg.Kubo {
		get = k.FetchBlock
	}
	limit := resource.MaxDAGBytes(size)
	n, err := proof.WalkBytes(ctx, func(ctx context.Context, c cid.Cid) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
		defer cancel()
		return get(ctx, c)
	}, c, size, limit)
	if errors.Is(err, content.ErrTooLarge) {
		return limit + 1, nil // a block no IPFS node moves: a resource node refuses it too
	}
	if err != nil {
		return 0, fmt.Errorf("walk %s: %w", hash, err)
	}
	return n, nil
}
