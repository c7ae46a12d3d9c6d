package node

import (
	"context"
	"sync"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	"github.com/cometbft/cometbft/store"

	"github.com/alephd/alephd/abci"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/index"
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
	txs := make([][]byte, len(b.Block.Txs))
	for i, tx := range b.Block.Txs {
		txs[i] = tx
	}
	return indexBlock(h, b.Block.Time.UnixNano(), txs, res.TxsResults, res.FinalizeBlockEvents), nil
}

// indexBlock is what the index reads of one block and its results.
func indexBlock(h, timeUnixNano int64, txs [][]byte, results []*abcitypes.ExecTxResult, events []abcitypes.Event) index.Block {
	out := index.Block{Height: h, TimeUnixNano: timeUnixNano}
	for i, tx := range txs {
		r := results[i]
		tr := index.TxResult{Tx: tx, Code: r.Code, Codespace: r.Codespace, Log: r.Log}
		for _, ev := range r.Events {
			if ev.Type != abci.EventForget {
				continue
			}
			for _, a := range ev.Attributes {
				if a.Key == abci.AttrForgotten {
					tr.Forgotten = append(tr.Forgotten, a.Value)
				}
			}
		}
		tr.StatusChanges = statusChanges(r.Events)
		out.Txs = append(out.Txs, tr)
	}
	out.StatusChanges = statusChanges(events)
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
func (r *recentBlocks) add(req *abcitypes.RequestFinalizeBlock, res *abcitypes.ResponseFinalizeBlock, parsed []*app.Parsed) {
	b := indexBlock(req.Height, req.Time.UnixNano(), req.Txs, res.TxResults, res.Events)
	for i := range b.Txs {
		b.Txs[i].Parsed = parsed[i]
	}
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

// statusChanges reads the "status" events of a transaction or a block.
func statusChanges(evs []abcitypes.Event) []index.StatusChange {
	var out []index.StatusChange
	for _, ev := range evs {
		if ev.Type != abci.EventStatus {
			continue
		}
		var c index.StatusChange
		for _, a := range ev.Attributes {
			switch a.Key {
			case abci.AttrItemHash:
				c.Hash = a.Value
			case abci.AttrStatus:
				c.Status = a.Value
			case abci.AttrReason:
				c.Reason = a.Value
			}
		}
		out = append(out, c)
	}
	return out
}
