package abci

import (
	"context"
	"sync"

	abcicli "github.com/cometbft/cometbft/abci/client"
	abcitypes "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/proxy"
)

// ClientCreator connects CometBFT to the adapter in-process. Each ABCI
// connection gets its own mutex (CometBFT's connection-synchronized local
// client), except CheckTx, which runs unsynchronized: CometBFT's mempool
// takes concurrent CheckTx calls from its RPC goroutines, and the adapter
// guards the app itself. So new transactions are parsed and their
// signatures recovered on every core, also while a block executes, instead
// of queueing one by one behind the mempool connection.
func ClientCreator(s *Application) proxy.ClientCreator { return creator{s} }

type creator struct{ s *Application }

func (c creator) NewABCIClient() (abcicli.Client, error) {
	return &client{Client: abcicli.NewLocalClient(nil, c.s), app: c.s}, nil
}

// client is a local client whose CheckTxAsync does not take the
// connection's mutex.
type client struct {
	abcicli.Client
	app abcitypes.Application

	mu sync.Mutex
	cb abcicli.Callback
}

func (c *client) SetResponseCallback(cb abcicli.Callback) {
	c.mu.Lock()
	c.cb = cb
	c.mu.Unlock()
	c.Client.SetResponseCallback(cb)
}

// CheckTxAsync runs CheckTx on a throwaway local client with a mutex of its
// own, which returns the response with its callback already invoked, as
// CometBFT's mempool expects of a local client.
func (c *client) CheckTxAsync(ctx context.Context, req *abcitypes.RequestCheckTx) (*abcicli.ReqRes, error) {
	c.mu.Lock()
	cb := c.cb
	c.mu.Unlock()
	one := abcicli.NewLocalClient(nil, c.app)
	if cb != nil {
		one.SetResponseCallback(cb)
	}
	return one.CheckTxAsync(ctx, req)
}
