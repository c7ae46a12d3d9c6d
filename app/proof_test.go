package app_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/internal/ipfstest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// wantCode fails unless r is the rejection want (nil: accepted).
func wantCode(t *testing.T, what string, r app.TxResult, want *errs.Error) {
	t.Helper()
	switch {
	case want == nil && r.Code != 0:
		t.Fatalf("%s: refused: %s/%d %s", what, r.Codespace, r.Code, r.Log)
	case want != nil && (r.Codespace != want.Codespace || r.Code != want.Code):
		t.Fatalf("%s: got %s/%d (%s), want %s/%d", what, r.Codespace, r.Code, r.Log, want.Codespace, want.Code)
	}
}

// TestStorageProofTx answers storage challenges with proof transactions
// on a chain with x/resource on: CRNs 0 and 1 have registered keys, CRN 2
// none (so it is no member and holds nothing). A 1 MiB file imported into
// the embedded IPFS store is stored, attested and assigned to CRNs 0 and 1
// at epoch 1's start; a holder proves its four
// challenges with ProveIPFS over the imported blocks, signed by its key,
// and scores 10,000 when the epoch closes. Forged signatures, another
// key, another chain, another node's slot, a body changed after signing,
// a node without a key and replays are refused at CheckTx and in a block
// with their codes and leave the challenges open.
func TestStorageProofTx(t *testing.T) {
	const chainID = "alephd-proof-test"
	keys := []*ecdsa.PrivateKey{apptest.Key("crn-key-0"), apptest.Key("crn-key-1")}
	doc := resourceDoc(t, func(i int) []byte {
		if i < len(keys) {
			return crypto.CompressPubkey(&keys[i].PublicKey)
		}
		return nil
	})
	c := apptest.NewWith(t, doc, app.Options{}, app.ChainInfo{ChainID: chainID})
	var seed [32]byte
	data := make([]byte, 1<<20)
	_, _ = rand.NewChaCha8(seed).Read(data) // never fails
	root, get := ipfstest.Import(t, data, true)
	store := sign(t, apptest.Key("alice"), at(client.Store("TEST", root.String(), "ipfs", 0), "1700000001"))
	c.MustBlock(store)
	size := uint64(len(data))
	dagBytes, err := proof.WalkBytes(context.Background(), get, root, size, resource.MaxDAGBytes(size))
	if err != nil {
		t.Fatal(err)
	}
	c.Attest([]*pb.AttestedFile{{ItemHash: store.ItemHash, Size: size, DagBytes: dagBytes}})
	for c.Height < 11 { // epoch 1 opens at height 11
		c.MustBlock()
	}
	k := resource.NewKeeper(nil, nil)
	kv := c.Store.Working()
	if err := k.LoadParams(kv); err != nil {
		t.Fatal(err)
	}
	params := k.Params()
	a, err := k.Assignment(kv, root.String())
	if err != nil || a == nil || len(a.Nodes) != 2 {
		t.Fatalf("assignment %v, %v", a, err)
	}
	keyOf := func(n string) *ecdsa.PrivateKey {
		var i int
		if _, err := fmt.Sscanf(n, "crn-%d", &i); err != nil || i >= len(keys) {
			return nil
		}
		return keys[i]
	}
	// both holders have keys: CRN 2, without one, is no member
	holder, other := a.Nodes[0], a.Nodes[1]
	if keyOf(holder) == nil || keyOf(other) == nil {
		t.Fatalf("a node without a key holds the file: %v", a.Nodes)
	}
	prove := func(n string, slot uint32) *pb.StorageProof {
		t.Helper()
		ch, err := k.Challenge(kv, 1, n, slot)
		if err != nil || ch == nil {
			t.Fatalf("challenge %s/%d: %v, %v", n, slot, ch, err)
		}
		sp := &pb.StorageProof{Node: n, File: ch.File, Epoch: 1, Index: ch.Index, Slot: slot}
		if sp.Blocks, err = proof.ProveIPFS(context.Background(), get, root, uint64(len(data)), ch.Index*params.ChunkSize, params.Limits()); err != nil {
			t.Fatal(err)
		}
		return sp
	}
	signed := func(sp *pb.StorageProof, chain string, key *ecdsa.PrivateKey) []byte {
		t.Helper()
		if err := resource.SignProof(chain, sp, key); err != nil {
			t.Fatal(err)
		}
		return app.EncodeStorageProof(sp)
	}
	check := func(tx []byte) app.TxResult {
		return c.App.CheckTx(c.App.Parse(tx), func() error { return nil })
	}
	open := func(n string, slot uint32) {
		t.Helper()
		ch, err := k.Challenge(kv, 1, n, slot)
		if err != nil || ch == nil || ch.Passed {
			t.Fatalf("challenge %s/%d is not open: %v, %v", n, slot, ch, err)
		}
	}

	forgedSig := prove(holder, 0)
	_ = signed(forgedSig, chainID, keyOf(holder))
	forgedSig.Signature[10] ^= 1
	changed := prove(holder, 0)
	_ = signed(changed, chainID, keyOf(holder))
	changed.Index++ // the body after signing
	unsigned := prove(holder, 0)
	highS := prove(holder, 0)
	_ = signed(highS, chainID, keyOf(holder))
	// (r, n - s) verifies as ECDSA but is the signature's second
	// encoding: refused, so a proof has one valid signature per key
	highSVal := new(big.Int).Sub(crypto.S256().Params().N, new(big.Int).SetBytes(highS.Signature[32:]))
	highSVal.FillBytes(highS.Signature[32:])
	// another CRN's key: of the two keyed CRNs, the one not proving
	another := keys[0]
	if another == keyOf(holder) {
		another = keys[1]
	}
	refused := []struct {
		what string
		tx   []byte
		want *errs.Error
	}{
		{"forged signature", app.EncodeStorageProof(forgedSig), resource.ErrSignature},
		{"another CRN's key", signed(prove(holder, 0), chainID, another), resource.ErrSignature},
		{"the holder's key in another chain", signed(prove(holder, 0), "another-chain", keyOf(holder)), resource.ErrSignature},
		{"the other holder's slot with this holder's key", signed(prove(other, 0), chainID, keyOf(holder)), resource.ErrSignature},
		{"the body changed after signing", app.EncodeStorageProof(changed), resource.ErrSignature},
		{"unsigned", app.EncodeStorageProof(unsigned), resource.ErrSignature},
		{"high-S signature", app.EncodeStorageProof(highS), resource.ErrSignature},
		{"a node without a key", signed(&pb.StorageProof{Node: "crn-2", File: root.String(), Epoch: 1, Slot: 0, Blocks: forgedSig.Blocks}, chainID, keys[0]), resource.ErrNoKey},
		{"a CCN", signed(&pb.StorageProof{Node: "ccn", File: root.String(), Epoch: 1, Blocks: forgedSig.Blocks}, chainID, keys[0]), resource.ErrChallenge},
	}
	txs := make([][]byte, 0, len(refused))
	for _, r := range refused {
		wantCode(t, "CheckTx: "+r.what, check(r.tx), r.want)
		txs = append(txs, r.tx)
	}
	for i, r := range c.BlockTxs(txs...) {
		wantCode(t, "in a block: "+refused[i].what, r, refused[i].want)
	}
	open(holder, 0)
	open(other, 0)

	// the holder's four answers: admitted once each; a replay is refused
	// in the mempool view, and after the block in both
	var good [][]byte
	for slot := range uint32(params.ChallengesPerEpoch) {
		tx := signed(prove(holder, slot), chainID, keyOf(holder))
		wantCode(t, fmt.Sprintf("CheckTx slot %d", slot), check(tx), nil)
		wantCode(t, fmt.Sprintf("CheckTx slot %d again", slot), check(tx), resource.ErrAnswered)
		good = append(good, tx)
	}
	for i, r := range c.BlockTxs(good...) {
		wantCode(t, fmt.Sprintf("slot %d in a block", i), r, nil)
	}
	for slot := range uint32(params.ChallengesPerEpoch) {
		ch, err := k.Challenge(kv, 1, holder, slot)
		if err != nil || !ch.Passed || ch.ProvenHeight != c.Height {
			t.Fatalf("slot %d: %v, %v", slot, ch, err)
		}
	}
	wantCode(t, "CheckTx replay after the block", check(good[0]), resource.ErrAnswered)
	wantCode(t, "replay in a block", c.BlockTxs(good[0])[0], resource.ErrAnswered)
	open(other, 0)

	for c.Height < 15 { // the deadline closes epoch 1
		c.MustBlock()
	}
	if w, err := k.Window(kv, holder); err != nil || len(w.Epochs) != 1 || w.Epochs[0].Issued != 4 || w.Epochs[0].Passed != 4 || w.ScoreBps != 10000 {
		t.Fatalf("%s: window %v, %v", holder, w, err)
	}
	if w, err := k.Window(kv, other); err != nil || len(w.Epochs) != 1 || w.Epochs[0].Passed != 0 {
		t.Fatalf("%s: window %v, %v", other, w, err)
	}
	wantCode(t, "a proof after the deadline", check(good[0]), resource.ErrDeadline)
}

// TestStorageProofTxDisabled: a chain without x/resource refuses a proof
// transaction when parsing it (resource/6), and a block carrying it has
// the app hash of an empty one.
func TestStorageProofTxDisabled(t *testing.T) {
	with, without := apptest.New(t, nil), apptest.New(t, nil)
	sp := &pb.StorageProof{Node: "crn-0", File: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", Epoch: 1, Blocks: [][]byte{[]byte("block")}}
	if err := resource.SignProof("", sp, apptest.Key("crn-key-0")); err != nil {
		t.Fatal(err)
	}
	tx := app.EncodeStorageProof(sp)
	if p := with.App.Parse(tx); !errors.Is(p.Err, resource.ErrDisabled) {
		t.Fatalf("parsed on a disabled chain: %v", p.Err)
	}
	wantCode(t, "CheckTx", with.App.CheckTx(with.App.Parse(tx), func() error { return nil }), resource.ErrDisabled)
	wantCode(t, "in a block", with.BlockTxs(tx)[0], resource.ErrDisabled)
	without.MustBlock()
	if !bytes.Equal(with.Hash, without.Hash) {
		t.Fatalf("a refused proof changed the app hash: %x, %x", with.Hash, without.Hash)
	}
}

// TestStorageProofTxMalformed: a proof transaction past x/resource's
// shape limits is refused when parsing it (resource/1).
func TestStorageProofTxMalformed(t *testing.T) {
	c := resourceChain(t)
	lim := resource.DefaultParams().Limits()
	for what, sp := range map[string]*pb.StorageProof{
		"no node":         {File: "f", Blocks: [][]byte{{1}}},
		"too many blocks": {Node: "crn-0", File: "f", Blocks: make([][]byte, lim.MaxDepth+1)},
		"blocks and path": {Node: "crn-0", File: "f", Blocks: [][]byte{{1}}, Path: [][]byte{make([]byte, 32)}},
		"short hash":      {Node: "crn-0", File: "f", Path: [][]byte{{1}}},
	} {
		if p := c.App.Parse(app.EncodeStorageProof(sp)); !errors.Is(p.Err, resource.ErrMalformed) {
			t.Fatalf("%s: parsed: %v", what, p.Err)
		}
	}
}
