package client

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cometbft/cometbft/mempool"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// DefaultRPC is the dev node's CometBFT RPC address.
const DefaultRPC = "tcp://127.0.0.1:26657"

// Client talks to one node's CometBFT RPC.
type Client struct{ rpc *rpchttp.HTTP }

// New connects to addr ("tcp://host:port" or "http://host:port").
func New(addr string) (*Client, error) {
	c, err := rpchttp.New(addr, "/websocket")
	if err != nil {
		return nil, fmt.Errorf("rpc client for %s: %w", addr, err)
	}
	return &Client{rpc: c}, nil
}

// RPC exposes the underlying CometBFT client.
func (c *Client) RPC() *rpchttp.HTTP { return c.rpc }

// Result is what became of a submitted message.
type Result struct {
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace,omitempty"`
	Log       string `json:"log"`
	Height    int64  `json:"height"`
	ItemHash  string `json:"item_hash"`
	TxHash    string `json:"tx_hash"`
	// Stage is "check" when the mempool refused the message, "block" once
	// a block ran it.
	Stage string `json:"stage"`
}

// OK reports whether the message was accepted.
func (r Result) OK() bool { return r.Code == 0 }

// Submit sends m and waits for the block that runs it.
func (c *Client) Submit(ctx context.Context, m *pb.AlephMessage) (Result, error) {
	return c.SubmitTx(ctx, app.EncodeTx(m), m.ItemHash)
}

// SubmitTx sends encoded transaction bytes and waits for the block that
// runs them.
//
// Submitting the same bytes again is not an error: the answer is what
// became of the first submission, once a block has run it (pyaleph also
// answers a repeated message with its status). A different transaction
// for a message already accepted is refused as a duplicate.
func (c *Client) SubmitTx(ctx context.Context, tx []byte, itemHash string) (Result, error) {
	res, err := c.rpc.BroadcastTxCommit(ctx, tx)
	if isRepeat(err) {
		return c.waitCommitted(ctx, tx, itemHash)
	}
	if err != nil {
		return Result{}, fmt.Errorf("broadcast: %w", err)
	}
	r := Result{ItemHash: itemHash, TxHash: strings.ToUpper(hex.EncodeToString(res.Hash))}
	if res.CheckTx.Code != 0 {
		if first, found, err := c.committed(ctx, tx, itemHash); err != nil || found {
			return first, err
		}
		r.Code, r.Codespace, r.Log, r.Stage = res.CheckTx.Code, res.CheckTx.Codespace, res.CheckTx.Log, "check"
		return r, nil
	}
	r.Code, r.Codespace, r.Log, r.Height, r.Stage = res.TxResult.Code, res.TxResult.Codespace, res.TxResult.Log, res.Height, "block"
	return r, nil
}

// SubmitAsync sends m and returns once the mempool has admitted or refused it.
func (c *Client) SubmitAsync(ctx context.Context, m *pb.AlephMessage) (Result, error) {
	return c.SubmitRaw(ctx, app.EncodeTx(m), m.ItemHash)
}

// SubmitRaw sends encoded transaction bytes through the mempool.
// Bytes submitted before get the first submission's block result if a
// block has run them, else code 0 at the check stage (the node's mempool
// has them).
func (c *Client) SubmitRaw(ctx context.Context, tx []byte, itemHash string) (Result, error) {
	res, err := c.rpc.BroadcastTxSync(ctx, tx)
	if isRepeat(err) {
		if r, found, err := c.committed(ctx, tx, itemHash); err != nil || found {
			return r, err
		}
		return Result{ItemHash: itemHash, TxHash: txHash(tx), Stage: "check",
			Log: "this node already has the transaction in its mempool"}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("broadcast: %w", err)
	}
	if res.Code != 0 {
		if first, found, err := c.committed(ctx, tx, itemHash); err != nil || found {
			return first, err
		}
	}
	return Result{Code: res.Code, Codespace: res.Codespace, Log: res.Log, ItemHash: itemHash,
		TxHash: strings.ToUpper(hex.EncodeToString(res.Hash)), Stage: "check"}, nil
}

// isRepeat reports whether a broadcast failed because the node has seen
// the same bytes recently: CometBFT's mempool cache, whose error reaches
// an RPC client only as text.
func isRepeat(err error) bool {
	return err != nil && strings.Contains(err.Error(), mempool.ErrTxInCache.Error())
}

func txHash(tx []byte) string { return strings.ToUpper(hex.EncodeToString(cmttypes.Tx(tx).Hash())) }

// committed looks tx up in the node's transaction index.
func (c *Client) committed(ctx context.Context, tx []byte, itemHash string) (Result, bool, error) {
	res, err := c.rpc.Tx(ctx, cmttypes.Tx(tx).Hash(), false)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return Result{}, false, nil
		}
		return Result{}, false, fmt.Errorf("look up the earlier submission: %w", err)
	}
	return Result{Code: res.TxResult.Code, Codespace: res.TxResult.Codespace, Log: res.TxResult.Log,
		Height: res.Height, ItemHash: itemHash, TxHash: txHash(tx), Stage: "block"}, true, nil
}

// waitCommitted waits for the block that runs a transaction submitted
// before, polling the transaction index each block interval.
func (c *Client) waitCommitted(ctx context.Context, tx []byte, itemHash string) (Result, error) {
	for {
		r, found, err := c.committed(ctx, tx, itemHash)
		if err != nil || found {
			return r, err
		}
		select {
		case <-ctx.Done():
			return Result{}, fmt.Errorf("the node already had this transaction, and no block ran it before the timeout: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// QueryResponse is an answered ABCI query.
type QueryResponse struct {
	Height int64
	Key    []byte
	Value  []byte // nil when not found
	// Verified is set when a proof was asked for and checked against the
	// app hash in the header of the next block.
	Verified bool
}

// ErrProof means the node's proof did not check out.
var ErrProof = errors.New("proof does not verify against the block's app hash")

// Query runs an ABCI query at height (0 = latest). With prove, the answer
// is checked against the app hash that the header of height+1 commits to.
// That header comes from the same node; a light client would verify it too.
func (c *Client) Query(ctx context.Context, path string, data []byte, height int64, prove bool) (*QueryResponse, error) {
	res, err := c.rpc.ABCIQueryWithOptions(ctx, path, data, rpcQueryOpts(height, prove))
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", path, err)
	}
	r := res.Response
	if r.Code != 0 {
		return nil, fmt.Errorf("query %s: %s", path, r.Log)
	}
	out := &QueryResponse{Height: r.Height, Key: r.Key}
	if len(r.Value) > 0 {
		out.Value = r.Value
	}
	if !prove {
		return out, nil
	}
	if r.ProofOps == nil || len(r.ProofOps.Ops) != 1 {
		return nil, fmt.Errorf("query %s: the node sent no proof (only raw paths are provable)", path)
	}
	var proof ics23.CommitmentProof
	if err := proof.Unmarshal(r.ProofOps.Ops[0].Data); err != nil {
		return nil, fmt.Errorf("decode proof: %w", err)
	}
	appHash, err := c.appHashAfter(ctx, r.Height)
	if err != nil {
		return nil, err
	}
	var ok bool
	if out.Value != nil {
		ok = ics23.VerifyMembership(ics23.IavlSpec, appHash, &proof, r.Key, r.Value)
	} else {
		ok = ics23.VerifyNonMembership(ics23.IavlSpec, appHash, &proof, r.Key)
	}
	if !ok {
		return nil, fmt.Errorf("query %s at height %d: %w", path, r.Height, ErrProof)
	}
	out.Verified = true
	return out, nil
}

// appHashAfter returns the app hash of state version h, which the header of
// block h+1 carries, waiting for that block if it is not there yet.
func (c *Client) appHashAfter(ctx context.Context, h int64) ([]byte, error) {
	next := h + 1
	for {
		commit, err := c.rpc.Commit(ctx, &next)
		if err == nil {
			return commit.SignedHeader.Header.AppHash, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("header %d for the proof: %w", next, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// WaitForHeight blocks until the node has committed height h.
func (c *Client) WaitForHeight(ctx context.Context, h int64) error {
	for {
		st, err := c.rpc.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= h {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for height %d: %w", h, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func rpcQueryOpts(height int64, prove bool) rpcclient.ABCIQueryOptions {
	return rpcclient.ABCIQueryOptions{Height: height, Prove: prove}
}
