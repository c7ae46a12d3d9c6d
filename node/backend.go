package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/cometbft/cometbft/mempool"

	"github.com/alephd/alephd/api"
)

// apiBackend lets the API submit and query through CometBFT in-process,
// like any RPC client would, without a network hop.
type apiBackend struct{ n *Node }

var _ api.Backend = apiBackend{}

func (b apiBackend) Broadcast(ctx context.Context, tx []byte) (uint32, string, string, error) {
	res, err := b.n.RPC.BroadcastTxSync(ctx, tx)
	if errors.Is(err, mempool.ErrTxInCache) {
		return 0, "", "", api.ErrKnown
	}
	if err != nil {
		return 0, "", "", err
	}
	return res.Code, res.Codespace, res.Log, nil
}

func (b apiBackend) Query(ctx context.Context, path string, data []byte) ([]byte, error) {
	res, err := b.n.RPC.ABCIQuery(ctx, path, data)
	if err != nil {
		return nil, err
	}
	if res.Response.Code != 0 {
		return nil, fmt.Errorf("query %s: %s", path, res.Response.Log)
	}
	return res.Response.Value, nil
}

func (b apiBackend) LatestHeight() int64 { return b.n.cmt.BlockStore().Height() }
