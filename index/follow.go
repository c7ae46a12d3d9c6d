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
// commit and its indexing catches up here first. A failure to read or
// write a block (a full disk, say) is reported to logf and retried, backing
// off up to a minute: the index stays at its last whole block meanwhile,
// and goes on once the cause is gone.
func (x *Index) Follow(ctx context.Context, src Source, poll time.Duration, logf func(msg string, kv ...any)) {
	wait, failing := poll, false
	for {
		err := x.followOnce(ctx, src)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			logf("query index stalled; retrying", "height", x.Height(), "err", err, "retry_in", wait)
			failing = true
		case failing:
			logf("query index resumed", "height", x.Height())
			failing, wait = false, poll
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if failing {
			wait = min(2*wait, time.Minute)
		}
	}
}

// followOnce indexes the blocks committed since the index's height.
func (x *Index) followOnce(ctx context.Context, src Source) error {
	latest, err := src.Latest(ctx)
	if err != nil {
		return err
	}
	for h := max(x.Height()+1, src.Base()); h <= latest; h++ {
		blk, err := src.Block(ctx, h)
		if err != nil {
			return nil // results not saved yet: next poll
		}
		if err := x.IndexBlock(blk); err != nil {
			return err
		}
	}
	return nil
}
