package abci

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	abcitypes "github.com/cometbft/cometbft/abci/types"

	"github.com/alephd/alephd/app"
	alephclient "github.com/alephd/alephd/client"
	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/x/message"
)

func newAdapter(t *testing.T) *Application {
	t.Helper()
	s := syncingAdapter(t)
	if _, err := s.InitChain(context.Background(), &abcitypes.RequestInitChain{InitialHeight: 1, Time: time.Now(), AppStateBytes: app.DevGenesis()}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestParseAndVerifyOnce: the entry CheckTx creates (parse and verdict) is
// the one the block uses; a block transaction never seen is parsed and
// verified before the block runs; a bad signature is refused in both paths;
// an applied block's entries leave the cache.
func TestParseAndVerifyOnce(t *testing.T) {
	s := newAdapter(t)
	ctx := context.Background()
	k := keys.FromSeed("abci")
	seen, _ := alephclient.Sign(k, alephclient.Post("T", "note", "seen", ""))
	planted, _ := alephclient.Sign(k, alephclient.Post("T", "note", "planted", ""))
	unseen, _ := alephclient.Sign(k, alephclient.Post("T", "note", "unseen", ""))
	forged, _ := alephclient.Sign(k, alephclient.Post("T", "note", "forged", ""))
	forged.Signature = seen.Signature
	txSeen, txPlanted, txUnseen, txForged := app.EncodeTx(seen), app.EncodeTx(planted), app.EncodeTx(unseen), app.EncodeTx(forged)

	for _, tx := range [][]byte{txSeen, txPlanted} {
		if res, _ := s.CheckTx(ctx, &abcitypes.RequestCheckTx{Tx: tx}); res.Code != 0 {
			t.Fatalf("CheckTx: %s", res.Log)
		}
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
	// A verdict planted in the cache decides the block's answer: the block
	// does not recover a signature CheckTx already recovered.
	s.txs.lookup(sha256.Sum256(txPlanted)).verdict = errPlanted
	txs := [][]byte{txSeen, txPlanted, txUnseen, txForged}
	res, err := s.FinalizeBlock(ctx, &abcitypes.RequestFinalizeBlock{Height: 1, Time: time.Now(), Txs: txs})
	if err != nil {
		t.Fatal(err)
	}
	r := res.TxResults
	if r[0].Code != 0 || r[1].Code == 0 || !strings.Contains(r[1].Log, errPlanted.Error()) || r[2].Code != 0 || r[3].Code == 0 {
		t.Fatalf("block results: %v", r)
	}
	for i, tx := range txs {
		if s.txs.lookup(sha256.Sum256(tx)) != nil {
			t.Errorf("tx %d of the applied block is still cached", i)
		}
	}
}

var errPlanted = errs.Wrapf(message.ErrSignature, "verdict planted by the test")

// TestLockedReleasesOnPanic: a panic under the app lock, recovered by the
// caller (as CheckTx and the RPC server do), leaves the lock free.
func TestLockedReleasesOnPanic(t *testing.T) {
	s := newAdapter(t)
	func() {
		defer func() { _ = recover() }()
		s.locked(func() { panic("a bug") })
	}()
	if !s.mu.TryLock() {
		t.Fatal("the app lock stayed held after a panic")
	}
	s.mu.Unlock()
}
