package content

import (
	"context"
	"errors"
	"io"

	"github.com/ipfs/go-cid"
)

// ErrCIDMismatch is returned when a kubo daemon names an upload by another
// CID than the local import of the same bytes.
var ErrCIDMismatch = errors.New("CID mismatch")

// Backend holds IPFS content: the embedded store and a kubo daemon both
// implement it, so the node can be pointed at either without other change.
type Backend interface {
	// Add imports r as one UnixFS file and returns its root CID and size
	// once the content is durable. It never holds the whole file in memory.
	Add(ctx context.Context, r io.Reader, opts AddOptions) (cid.Cid, int64, error)
	// Cat reads the file c. The reader uses ctx until it is closed.
	Cat(ctx context.Context, c cid.Cid) (io.ReadSeekCloser, error)
	// Stat returns the size in bytes of the file c.
	Stat(ctx context.Context, c cid.Cid) (int64, error)
	// Has reports whether the root block of c is held locally.
	Has(ctx context.Context, c cid.Cid) (bool, error)
	// Block returns the raw bytes of block c, as its CID hashes them, if
	// it is held locally: it never asks the network. A block not held is
	// ErrNotFound, one larger than MaxBlockBytes ErrTooLarge.
	Block(ctx context.Context, c cid.Cid) ([]byte, error)
	// Pin keeps every block of the DAG under c from garbage collection.
	Pin(ctx context.Context, c cid.Cid) error
	// Unpin lets c be collected (after the grace period, for the embedded
	// store). Unpinning what is not pinned does nothing.
	Unpin(ctx context.Context, c cid.Cid) error
}

// AddOptions chooses how a file is imported. The zero value imports as a
// plain `ipfs add` does: CIDv0, dag-pb leaves, not pinned.
type AddOptions struct {
	// CIDv1 imports as `ipfs add --cid-version=1`: CIDv1 with raw leaves.
	CIDv1 bool
	// Pin pins the root once it is stored.
	Pin bool
	// Limit refuses content longer than Limit bytes with ErrTooLarge;
	// zero means no limit.
	Limit int64
}
