package node

import (
	"context"
	"encoding/json"
	"fmt"

	rpclocal "github.com/cometbft/cometbft/rpc/client/local"

	"github.com/alephd/alephd/abci"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/x/message"
)

// rpcChain serves the content pinner (fetch.Chain) from CometBFT's stores
// and ABCI queries, through the in-process RPC client.
type rpcChain struct {
	rpc *rpclocal.Local
	app *abci.Application
}

// Height is the app's committed height: at the block store's height the
// block's results may not be saved yet.
func (c rpcChain) Height(context.Context) (int64, error) { return c.app.CommittedHeight(), nil }

// Base is the lowest height the block store holds.
func (c rpcChain) Base(ctx context.Context) (int64, error) {
	st, err := c.rpc.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.SyncInfo.EarliestBlockHeight, nil
}

func (c rpcChain) LiveFiles(context.Context) (map[string]string, error) {
	files, err := c.app.LiveFiles()
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(files))
	for _, f := range files {
		out[f] = fileType(f)
	}
	return out, nil
}

// fileType is the content store a file hash lives in.
func fileType(hash string) string {
	if content.ValidHash(hash) {
		return "storage"
	}
	return "ipfs"
}

func (c rpcChain) StatusChanges(ctx context.Context, h int64) ([]message.StatusChange, error) {
	res, err := c.rpc.BlockResults(ctx, &h)
	if err != nil {
		return nil, err
	}
	txs, block := abci.DecodeResults(res.TxsResults, res.FinalizeBlockEvents)
	var out []message.StatusChange
	for _, r := range txs {
		out = append(out, r.StatusChanges...)
	}
	return append(out, block...), nil
}

func (c rpcChain) query(ctx context.Context, path string, data []byte) ([]byte, error) {
	res, err := c.rpc.ABCIQuery(ctx, path, data)
	if err != nil {
		return nil, err
	}
	if res.Response.Code != 0 {
		return nil, fmt.Errorf("query %s: %s", path, res.Response.Log)
	}
	return res.Response.Value, nil
}

func (c rpcChain) StoreFile(ctx context.Context, itemHash string) (string, string, bool, error) {
	v, err := c.query(ctx, app.PathMessage, []byte(itemHash))
	if err != nil || v == nil {
		return "", "", false, err
	}
	rec, err := app.DecodeMessageRecord(v)
	if err != nil || rec.Message.Type != message.TypeStore {
		return "", "", false, err
	}
	if rec.FileHash == "" { // never processed: never pinned
		return "", "", false, nil
	}
	return fileType(rec.FileHash), rec.FileHash, true, nil
}

func (c rpcChain) FileStores(ctx context.Context, fileHash string) ([]string, error) {
	v, err := c.query(ctx, app.PathFile, []byte(fileHash))
	if err != nil {
		return nil, err
	}
	var fv app.FileView
	if err := json.Unmarshal(v, &fv); err != nil {
		return nil, err
	}
	return fv.Stores, nil
}
