package node

import (
	"context"
	"encoding/json"
	"fmt"

	rpclocal "github.com/cometbft/cometbft/rpc/client/local"

	"github.com/alephd/alephd/abci"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
	pb "github.com/alephd/alephd/proto/alephdv1"
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

// LiveFiles lists the files of live STOREs (the file index) and the
// content of live non-inline messages (paged through the records).
func (c rpcChain) LiveFiles(ctx context.Context) (map[string]string, error) {
	files, err := c.app.LiveFiles()
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(files))
	for _, f := range files {
		out[f] = fileType(f)
	}
	for after := ""; ; {
		v, err := c.query(ctx, app.PathLiveContent, []byte(after))
		if err != nil {
			return nil, err
		}
		var page app.LiveContentPage
		if err := json.Unmarshal(v, &page); err != nil {
			return nil, err
		}
		for hash, typ := range page.Content {
			out[hash] = typ
		}
		if page.Next == "" {
			return out, nil
		}
		after = page.Next
	}
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
		// A FORGET's targets are reported in its forget event, not as
		// status changes: without them no forgotten file was let go.
		for _, h := range r.Forgotten {
			out = append(out, message.StatusChange{Hash: h, Status: message.StatusName(pb.MessageStatus_MESSAGE_STATUS_FORGOTTEN)})
		}
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

// record reads a message's record; nil if there is none.
func (c rpcChain) record(ctx context.Context, itemHash string) (*pb.MessageRecord, error) {
	v, err := c.query(ctx, app.PathMessage, []byte(itemHash))
	if err != nil || v == nil {
		return nil, err
	}
	return app.DecodeMessageRecord(v)
}

// nonInline reports whether rec is a non-inline message (its content is
// the file named by its item_hash).
func nonInline(rec *pb.MessageRecord) bool {
	t := rec.GetMessage().GetItemType()
	return rec.GetMessage().GetType() != message.TypeStore && (t == message.ItemStorage || t == message.ItemIPFS)
}

func (c rpcChain) MessageFile(ctx context.Context, itemHash string) (string, string, bool, error) {
	rec, err := c.record(ctx, itemHash)
	if err != nil || rec == nil {
		return "", "", false, err
	}
	if nonInline(rec) {
		return rec.Message.ItemType, rec.Message.ItemHash, true, nil
	}
	if rec.Message.Type != message.TypeStore || rec.FileHash == "" { // never processed: never pinned
		return "", "", false, nil
	}
	return fileType(rec.FileHash), rec.FileHash, true, nil
}

// FileHolders asks the file index for the STOREs of fileHash, and the
// message records for a non-inline message named fileHash: the index
// (`01 06`) lists STOREs only, as x/resource's storage challenges read it.
func (c rpcChain) FileHolders(ctx context.Context, fileHash string) ([]string, []byte, error) {
	v, err := c.query(ctx, app.PathFile, []byte(fileHash))
	if err != nil {
		return nil, nil, err
	}
	var fv app.FileView
	if err := json.Unmarshal(v, &fv); err != nil {
		return nil, nil, err
	}
	holders := fv.Stores
	rec, err := c.record(ctx, fileHash)
	if err != nil || rec == nil || !nonInline(rec) {
		return holders, nil, err
	}
	switch rec.Status {
	case pb.MessageStatus_MESSAGE_STATUS_PROCESSED, pb.MessageStatus_MESSAGE_STATUS_REMOVING:
		content := rec.Message.ItemContent
		if content == nil {
			content = []byte{}
		}
		return append(holders, fileHash), content, nil
	}
	return holders, nil, nil
}
