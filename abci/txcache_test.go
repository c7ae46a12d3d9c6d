package abci

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	abcitypes "github.com/cometbft/cometbft/abci/types"

	"github.com/alephd/alephd/app"
	alephclient "github.com/alephd/alephd/client"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/state"
)

func newAdapter(t *testing.T) *Application {
	t.Helper()
	store, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(store, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(a, Snapshots{})
	if _, err := s.InitChain(context.Background(), &abcitypes.RequestInitChain{InitialHeight: 1, Time: time.Now(), AppStateBytes: app.DevGenesis()}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestParseAndVerifyOnce: the entry CheckTx creates (parse and verdict) is
// the one the block uses; a block transaction never seen is parsed and
// verified before the block runs; a bad signature is refused in both paths.
func TestParseAndVerifyOnce(t *testing.T) {
	s := newAdapter(t)
	ctx := context.Background()
	k := keys.FromSeed("abci")
	seen, _ := alephclient.Sign(k, alephclient.Post("T", "note", "seen", ""))
	unseen, _ := alephclient.Sign(k, alephclient.Post("T", "note", "unseen", ""))
	forged, _ := alephclient.Sign(k, alephclient.Post("T", "note", "forged", ""))
	forged.Signature = seen.Signature
	txSeen, txUnseen, txForged := app.EncodeTx(seen), app.EncodeTx(unseen), app.EncodeTx(forged)

	if res, _ := s.CheckTx(ctx, &abcitypes.RequestCheckTx{Tx: txSeen}); res.Code != 0 {
		t.Fatalf("CheckTx: %s", res.Log)
	}
	if res, _ := s.CheckTx(ctx, &abcitypes.RequestCheckTx{Tx: txForged}); res.Code == 0 {
		t.Fatal("a forged signature passed CheckTx")
	}
	before := s.txs.lookup(sha256.Sum256(txSeen))
	if before == nil || !before.verified || before.verdict != nil {
		t.Fatalf("CheckTx left no verified entry: %+v", before)
	}
	if s.txs.lookup(sha256.Sum256(txUnseen)) != nil {
		t.Fatal("an unseen transaction has an entry")
	}
	res, err := s.FinalizeBlock(ctx, &abcitypes.RequestFinalizeBlock{Height: 1, Time: time.Now(), Txs: [][]byte{txSeen, txUnseen, txForged}})
	if err != nil {
		t.Fatal(err)
	}
	if res.TxResults[0].Code != 0 || res.TxResults[1].Code != 0 || res.TxResults[2].Code == 0 {
		t.Fatalf("block results: %v", res.TxResults)
	}
	if after := s.txs.lookup(sha256.Sum256(txSeen)); after != before {
		t.Fatal("the block parsed or verified a transaction CheckTx had already done")
	}
	if e := s.txs.lookup(sha256.Sum256(txUnseen)); e == nil || !e.verified {
		t.Fatal("the block's unseen transaction was not verified before it ran")
	}
}
