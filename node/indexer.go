package node

import (
	"context"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	"github.com/cometbft/cometbft/store"

	"github.com/alephd/alephd/abci"
	"github.com/alephd/alephd/index"
)

// blockSource serves committed blocks and their results to the index from
// CometBFT's own stores, through its in-process RPC client.
type blockSource struct {
	rpc    *rpclocal.Local
	blocks *store.BlockStore
}

func (s blockSource) Latest(context.Context) (int64, error) { return s.blocks.Height(), nil }

func (s blockSource) Base() int64 { return s.blocks.Base() }

func (s blockSource) Block(ctx context.Context, h int64) (index.Block, error) {
	b, err := s.rpc.Block(ctx, &h)
	if err != nil {
		return index.Block{}, err
	}
	res, err := s.rpc.BlockResults(ctx, &h)
	if err != nil {
		return index.Block{}, err
	}
	out := index.Block{Height: h, TimeUnixNano: b.Block.Time.UnixNano()}
	for i, tx := range b.Block.Txs {
		r := res.TxsResults[i]
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
	out.StatusChanges = statusChanges(res.FinalizeBlockEvents)
	return out, nil
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
