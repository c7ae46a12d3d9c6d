package abci

import (
	"bytes"
	"context"
	"testing"
	"time"

	abcitypes "github.com/cometbft/cometbft/abci/types"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	alephclient "github.com/alephd/alephd/client"
	"github.com/alephd/alephd/keys"
)

// TestSnapshotRoundTrip: a node's snapshot restores another node to the
// same app hash and answers; a tampered chunk is refetched, and a snapshot
// that does not match the trusted app hash is rejected.
func TestSnapshotRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := newAdapter(t)
	src.snaps.cfg = Snapshots{Dir: t.TempDir(), Interval: 2, Keep: 2}
	k := keys.FromSeed("snap")
	var hash []byte
	var last string
	for h := int64(1); h <= 2; h++ {
		var txs [][]byte
		for i := 0; i < 50; i++ {
			m, _ := alephclient.Sign(k, alephclient.Post("S", "note", map[string]any{"h": h, "i": i}, ""))
			txs = append(txs, app.EncodeTx(m))
			last = m.ItemHash
		}
		res, err := src.FinalizeBlock(ctx, &abcitypes.RequestFinalizeBlock{Height: h, Time: time.Now(), Txs: txs})
		if err != nil {
			t.Fatal(err)
		}
		hash = res.AppHash
		if _, err := src.Commit(ctx, &abcitypes.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
	}
	var list []*abcitypes.Snapshot
	for deadline := time.Now().Add(10 * time.Second); len(list) == 0; time.Sleep(20 * time.Millisecond) {
		res, _ := src.ListSnapshots(ctx, &abcitypes.RequestListSnapshots{})
		list = res.Snapshots
		if time.Now().After(deadline) {
			t.Fatal("no snapshot was taken at height 2")
		}
	}
	snap := list[0]
	if snap.Height != 2 || snap.Chunks == 0 {
		t.Fatalf("snapshot %+v", snap)
	}
	chunk := func(i uint32) []byte {
		res, _ := src.LoadSnapshotChunk(ctx, &abcitypes.RequestLoadSnapshotChunk{Height: snap.Height, Format: snap.Format, Chunk: i})
		return res.Chunk
	}

	// A snapshot that does not lead to the trusted app hash is rejected.
	bad := newAdapter(t)
	if _, err := bad.OfferSnapshot(ctx, &abcitypes.RequestOfferSnapshot{Snapshot: snap, AppHash: []byte("not the hash")}); err != nil {
		t.Fatal(err)
	}
	var r *abcitypes.ResponseApplySnapshotChunk
	for i := uint32(0); i < snap.Chunks; i++ {
		r, _ = bad.ApplySnapshotChunk(ctx, &abcitypes.RequestApplySnapshotChunk{Index: i, Chunk: chunk(i)})
	}
	if r.Result != abcitypes.ResponseApplySnapshotChunk_REJECT_SNAPSHOT {
		t.Fatalf("wrong app hash: %v", r.Result)
	}
	if info, _ := bad.Info(ctx, &abcitypes.RequestInfo{}); info.LastBlockHeight != 0 {
		t.Fatalf("a rejected snapshot left state behind: height %d", info.LastBlockHeight)
	}

	// A node that state-syncs gets no InitChain, and peers gossip it
	// transactions before its state arrives: it refuses them, and the
	// refusal does not follow them into a block.
	dst := syncingAdapter(t)
	m, _ := alephclient.Sign(k, alephclient.Post("S", "note", "gossiped during sync", ""))
	gossiped := app.EncodeTx(m)
	if r, _ := dst.CheckTx(ctx, &abcitypes.RequestCheckTx{Tx: gossiped}); r.Codespace != "app" || r.Code != app.ErrNoState.Code {
		t.Fatalf("CheckTx before the state arrived: %+v", r)
	}
	offer, _ := dst.OfferSnapshot(ctx, &abcitypes.RequestOfferSnapshot{Snapshot: snap, AppHash: hash})
	if offer.Result != abcitypes.ResponseOfferSnapshot_ACCEPT {
		t.Fatalf("offer: %v", offer.Result)
	}
	tampered := append(bytes.Clone(chunk(0)), 'x')
	if r, _ := dst.ApplySnapshotChunk(ctx, &abcitypes.RequestApplySnapshotChunk{Index: 0, Chunk: tampered, Sender: "evil"}); r.Result != abcitypes.ResponseApplySnapshotChunk_RETRY || r.RejectSenders[0] != "evil" {
		t.Fatalf("tampered chunk: %+v", r)
	}
	for i := uint32(0); i < snap.Chunks; i++ {
		if r, _ := dst.ApplySnapshotChunk(ctx, &abcitypes.RequestApplySnapshotChunk{Index: i, Chunk: chunk(i)}); r.Result != abcitypes.ResponseApplySnapshotChunk_ACCEPT {
			t.Fatalf("chunk %d: %v", i, r.Result)
		}
	}
	info, _ := dst.Info(ctx, &abcitypes.RequestInfo{})
	if info.LastBlockHeight != 2 || !bytes.Equal(info.LastBlockAppHash, hash) {
		t.Fatalf("restored at %d %X, want 2 %X", info.LastBlockHeight, info.LastBlockAppHash, hash)
	}
	q, _ := dst.Query(ctx, &abcitypes.RequestQuery{Path: app.PathMessage, Data: []byte(last)})
	if q.Value == nil {
		t.Fatal("the restored node lacks the last message")
	}

	next := &abcitypes.RequestFinalizeBlock{Height: 3, Time: time.Now(), Txs: [][]byte{gossiped}}
	want, _ := src.FinalizeBlock(ctx, next)
	got, _ := dst.FinalizeBlock(ctx, next)
	if want.TxResults[0].Code != 0 || got.TxResults[0].Code != 0 || !bytes.Equal(got.AppHash, want.AppHash) {
		t.Fatalf("block 3: the restored node gives %d %q %X, the source %d %X",
			got.TxResults[0].Code, got.TxResults[0].Log, got.AppHash, want.TxResults[0].Code, want.AppHash)
	}
}

// syncingAdapter is a new node that will state-sync: CometBFT calls no
// InitChain on it.
func syncingAdapter(t *testing.T) *Application {
	t.Helper()
	a, _ := apptest.Open(t)
	return New(a, Snapshots{})
}
