package content

import (
	"context"
	"fmt"
	"io"
	"time"

	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/boxo/path"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	caopts "github.com/ipfs/kubo/core/coreiface/options"
)

// MaxBlockBytes is the largest block Block returns: the bitswap spec's
// limit (boxo's chunker.BlockSizeLimit, 2 MiB), past which no IPFS node
// moves a block, and x/resource/proof's default max_block_bytes.
const MaxBlockBytes = chunker.BlockSizeLimit

// Block returns the raw bytes of block c as its CID hashes them, or
// ErrNotFound: what a resource node reads to build a storage proof (the
// blocks from a file's root to a leaf), and what a CCN serves it.
func (e *Embedded) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	n, err := e.bs.GetSize(ctx, c)
	if err == nil && n > MaxBlockBytes {
		return nil, fmt.Errorf("%w: block %s has %d bytes, more than %d", ErrTooLarge, c, n, MaxBlockBytes)
	}
	var b blocks.Block
	if err == nil {
		b, err = e.bs.Get(ctx, c)
	}
	if ipld.IsNotFound(err) {
		return nil, fmt.Errorf("%w: block %s", ErrNotFound, c)
	}
	if err != nil {
		return nil, err
	}
	return b.RawData(), nil
}

// Block reads block c from the daemon offline, so that a block it does not
// hold is ErrNotFound rather than a search of the network. Its size is
// asked first: the RPC client reads a block whole into memory.
func (k *Kubo) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	return k.block(ctx, c, true)
}

// FetchBlock is Block, except that the daemon may fetch the block from
// the IPFS network: a validator attesting a file kubo found there (it
// stats only the root) walks the file's DAG through it.
func (k *Kubo) FetchBlock(ctx context.Context, c cid.Cid) ([]byte, error) {
	return k.block(ctx, c, false)
}

func (k *Kubo) block(ctx context.Context, c cid.Cid, offline bool) ([]byte, error) {
	api, err := k.api.WithOptions(caopts.Api.Offline(offline))
	if err != nil {
		return nil, err
	}
	p := path.FromCid(c)
	st, err := api.Block().Stat(ctx, p)
	if ipld.IsNotFound(err) {
		return nil, fmt.Errorf("%w: block %s", ErrNotFound, c)
	}
	if err != nil {
		return nil, fmt.Errorf("kubo block stat %s: %w", c, err)
	}
	if st.Size() > MaxBlockBytes {
		return nil, fmt.Errorf("%w: block %s has %d bytes, more than %d", ErrTooLarge, c, st.Size(), MaxBlockBytes)
	}
	r, err := api.Block().Get(ctx, p)
	if ipld.IsNotFound(err) { // removed since the stat
		return nil, fmt.Errorf("%w: block %s", ErrNotFound, c)
	}
	if err != nil {
		return nil, fmt.Errorf("kubo block get %s: %w", c, err)
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(MaxBlockBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("kubo block get %s: %w", c, err)
	}
	if len(b) != st.Size() {
		return nil, fmt.Errorf("kubo block get %s: %d bytes, its stat said %d", c, len(b), st.Size())
	}
	return b, nil
}

// putBatch and putBatchBytes bound the blocks PutDAG holds before it
// writes them.
const putBatch, putBatchBytes = 256, 8 << 20

// PutDAG stores the blocks fill puts and, once they are durable, pins
// root: how a resource node keeps a file it fetches block by block,
// checking each against its CID itself (put does not). GC waits until the
// pin is recorded, so it collects nothing half-way; on an error nothing
// is pinned and GC collects what was written.
//
// Unlike Pin, it does not require every block under root: the caller
// chooses the blocks it needs (a resource node keeps those a proof can
// walk, every block that covers a byte of the file).
func (e *Embedded) PutDAG(ctx context.Context, root cid.Cid, fill func(put func(c cid.Cid, data []byte) error) error) error {
	e.s.gc.RLock()
	defer e.s.gc.RUnlock()
	// Blocks are written in batches, whose files flatfs writes in
	// parallel: one at a time, a DAG of small leaves is bound by the file
	// system's latency. The blockstore writes through: a block a crash
	// left truncated, before a sync, is written again rather than trusted.
	var pending []blocks.Block
	var held int // bytes pending
	flush := func() error {
		err := e.bs.PutMany(ctx, pending)
		pending, held = nil, 0
		return err
	}
	put := func(c cid.Cid, data []byte) error {
		b, err := blocks.NewBlockWithCid(data, c) // checks nothing unless u.Debug: the caller has
		if err != nil {
			return err
		}
		pending, held = append(pending, b), held+len(data)
		if len(pending) >= putBatch || held >= putBatchBytes {
			return flush()
		}
		return nil
	}
	if err := fill(put); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	if err := syncFS(e.dir); err != nil {
		return fmt.Errorf("sync blocks: %w", err)
	}
	if err := e.s.pins.pin(cidKey(root), time.Now()); err != nil {
		return fmt.Errorf("pin %s: %w", root, err)
	}
	return nil
}
