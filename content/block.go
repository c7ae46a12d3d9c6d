package content

import (
	"context"
	"fmt"

	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// Block returns the raw bytes of block c as its CID hashes them, or
// ErrNotFound: what a resource node reads to build a storage proof (the
// blocks from a file's root to a leaf).
func (e *Embedded) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := e.bs.Get(ctx, c)
	if ipld.IsNotFound(err) {
		return nil, fmt.Errorf("%w: block %s", ErrNotFound, c)
	}
	if err != nil {
		return nil, err
	}
	return b.RawData(), nil
}
