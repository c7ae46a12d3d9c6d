package content

import (
	"context"

	"github.com/ipfs/go-cid"
)

// RemoveFirstLeaf deletes the first child block of root, leaving the DAG
// as an import cut short by a crash may: the root without all its leaves.
func RemoveFirstLeaf(ctx context.Context, e *Embedded, root cid.Cid) error {
	nd, err := e.dag.Get(ctx, root)
	if err != nil {
		return err
	}
	return e.bs.DeleteBlock(ctx, nd.Links()[0].Cid)
}
