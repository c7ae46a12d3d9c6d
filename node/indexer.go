package node

import (
	"context"
	"sync"

	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	"github.com/cometbft/cometbft/store"

	"github.com/alephd/alephd/abci"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/x/message"
)

// blockSource serves committed blocks and their results to the index: the
// last few blocks the node executed from memory (recent), older ones (a
// catch-up after a restart) from CometBFT's own stores, through its
// in-process RPC client.
type blockSource struct {
	rpc    *rpclocal.Local
	blocks *store.BlockStore
	app    *abci.Application
	recent *recentBlocks
}

// Latest is the app's committed height: the block store holds a block (and
// would report its height) before its results exist.
func (s blockSource) Latest(context.Context) (int64, error) { return s.app.CommittedHeight(), nil }

func (s blockSource) Base() int64 { return s.blocks.Base() }

func (s blockSource) Block(ctx context.Context, h int64) (index.Block, error) {
	if b, ok := s.recent.take(h); ok {
		return b, nil
	}
	b, err := s.rpc.Block(ctx, &h)
	if err != nil {
		return index.Block{}, err
	}
	res, err := s.rpc.BlockResults(ctx, &h)
	if err != nil {
		return index.Block{}, err
	}
	d := abci.DecidedBlock{Height: h, TimeUnixNano: b.Block.Time.UnixNano(), Txs: make([][]byte, len(b.Block.Txs))}
	for i, tx := range b.Block.Txs {
		d.Txs[i] = tx
	}
	d.Results, d.StatusChanges = abci.DecodeResults(res.TxsResults, res.FinalizeBlockEvents)
	return indexBlock(d), nil
}

// indexBlock is what the index reads of one block and its results.
func indexBlock(d abci.DecidedBlock) index.Block {
	out := index.Block{Height: d.Height, TimeUnixNano: d.TimeUnixNano, StatusChanges: indexChanges(d.StatusChanges)}
	for i, tx := range d.Txs {
		r := d.Results[i]
		tr := index.TxResult{Tx: tx, Code: r.Code, Codespace: r.Codespace, Log: r.Log, Forgotten: r.Forgotten, StatusChanges: indexChanges(r.StatusChanges)}
		if d.Parsed != nil {
			tr.Parsed = d.Parsed[i]
		}
		out.Txs = append(out.Txs, tr)
	}
	return out
}

func indexChanges(changes []message.StatusChange) []index.StatusChange {
	var out []index.StatusChange
	for _, c := range changes {
		out = append(out, index.StatusChange{Hash: c.Hash, Status: c.Status, Reason: c.Reason, Envelope: c.Envelope})
	}
	return out
}

// recentBlocks holds the last blocks the node finalized, with their results,
// until the index takes them. Reading a block back from the block store
// reassembles and decodes all of it again: that was the largest allocation
// of a loaded node. FinalizeBlock only ever runs on a decided block, so what
// it saw at a height is what the block store holds there.
type recentBlocks struct {
	mu       sync.Mutex
	byHeight map[int64]index.Block
}

// keepRecent bounds memory when the index lags: older blocks are read from
// the store.
const keepRecent = 16

func newRecentBlocks() *recentBlocks { return &recentBlocks{byHeight: map[int64]index.Block{}} }

// add is the abci.Application's finalized hook. The app's parse of each
// transaction goes with the block, so the index does not parse it again.
func (r *recentBlocks) add(d abci.DecidedBlock) {
	b := indexBlock(d)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byHeight[b.Height] = b
	for h := range r.byHeight {
		if h <= b.Height-keepRecent {
			delete(r.byHeight, h)
		}
	}
}

func (r *recentBlocks) take(h int64) (index.Block, bool) {
	if r == nil {
		return index.Block{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.byHeight[h]
	delete(r.byHeight, h)
	return b, ok
}
