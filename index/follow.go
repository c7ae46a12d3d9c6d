package index

import (
	"context"
	"time"
)

// Source serves committed blocks with their results: CometBFT's block and
// state stores, through the node.
type Source interface {
	// Latest is the highest height whose results are available.
	Latest(ctx context.Context) (int64, error)
	// Base is the lowest height the source holds: above 1 on a node that
	// state-synced, whose history before its snapshot it never had.
	Base() int64
	// Block returns one committed block with its transactions' results.
	Block(ctx context.Context, height int64) (Block, error)
}

// Follow indexes every committed block from the index's height on, then
// each new one, until ctx ends. A node restarted after a crash between a
// commit and its indexing catches up here first. It returns the first
// error, which the caller logs; the index stays at its last whole block.
func (x *Index) Follow(ctx context.Context, src Source, poll time.Duration) error {
	for {
		latest, err := src.Latest(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for h := max(x.Height()+1, src.Base()); h <= latest; h++ {
			blk, err := src.Block(ctx, h)
			if err != nil {
				break // results not saved yet: next poll
			}
			if err := x.IndexBlock(blk); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}
