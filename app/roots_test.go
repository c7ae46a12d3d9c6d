package app_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/fetch"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// attestWithFetcher is what a validator's node does for the chain's
// pending STOREs: a real fetcher over store verifies each file (and
// computes its chunk root when the chain asks, PendingStore.RootChunkSize)
// and returns the claims its vote extension carries.
func attestWithFetcher(t *testing.T, c *apptest.Chain, store *content.Store) []*pb.AttestedFile {
	t.Helper()
	emb, err := store.IPFS()
	if err != nil {
		t.Fatal(err)
	}
	f := fetch.New(fetch.Config{Store: store, IPFS: emb})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.Run(ctx)
	pending, err := c.App.PendingStores(0)
	if err != nil || len(pending) == 0 {
		t.Fatalf("pending %v, %v", pending, err)
	}
	for range 500 {
		if got := f.Verified(pending); len(got) == len(pending) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the fetcher never verified the pending files")
	return nil
}

// TestSHA256FileChallenged runs a sha256 ("storage") file through a chain
// with x/resource on: the STORE pending, a real fetcher asked for its chunk
// root (root_chunk_size, 4 KiB) attests it with its size, and the processed
// STORE keeps the root in MessageRecord.file_chunk_root, equal to
// proof.ChunkRoot of its bytes (and through an export and import). A vote
// with another root does not count with the honest ones. When epoch 1
// opens, the file is assigned to 2 CRNs with that root and challenged in
// 4 KiB chunks; a holder answers every slot with a chunk and path built
// from the bytes (ProveChunk), signed by its key, and scores 10,000; a
// tampered chunk, a chunk of another size and a path for another chunk are
// refused.
func TestSHA256FileChallenged(t *testing.T) {
	const chainID = "alephd-roots-test"
	keys := []*ecdsa.PrivateKey{apptest.Key("crn-key-0"), apptest.Key("crn-key-1"), apptest.Key("crn-key-2")}
	doc := resourceDoc(t, func(i int) []byte { return crypto.CompressPubkey(&keys[i].PublicKey) })
	c := apptest.NewWith(t, doc, app.Options{}, app.ChainInfo{ChainID: chainID})
	data := make([]byte, 1<<20+17)
	_, _ = rand.NewChaCha8([32]byte{7}).Read(data) // never fails
	store, err := content.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	hash, _, err := store.Put(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	msg := sign(t, apptest.Key("alice"), at(client.Store("TEST", hash, message.ItemStorage, 0), "1700000001"))
	c.MustBlock(msg)
	k := resource.NewKeeper(nil, nil)
	kv := c.Store.Working()
	if err := k.LoadParams(kv); err != nil {
		t.Fatal(err)
	}
	params := k.Params()
	root, _, err := proof.ChunkRoot(bytes.NewReader(data), int(params.RootChunkSize))
	if err != nil {
		t.Fatal(err)
	}

	claims := attestWithFetcher(t, c, store)
	if len(claims) != 1 || !bytes.Equal(claims[0].ChunkRoot, root) || claims[0].Size != uint64(len(data)) {
		t.Fatalf("the fetcher attests %v", claims)
	}
	// 3 of 4 validators with the true root attest it; 2 against 2 a
	// wrong root, nothing
	lie := &pb.AttestedFile{ItemHash: claims[0].ItemHash, Size: claims[0].Size, ChunkRoot: bytes.Repeat([]byte{1}, 32)}
	vote := func(f *pb.AttestedFile) attest.Vote {
		return attest.Vote{Power: 10, Ext: &pb.VoteExtension{Files: []*pb.AttestedFile{f}}}
	}
	honest, liar := vote(claims[0]), vote(lie)
	if rec, err := c.App.TallyCommitted([]attest.Vote{honest, honest, honest, liar}, 40); err != nil || len(rec.Files) != 1 || !bytes.Equal(rec.Files[0].ChunkRoot, root) {
		t.Fatalf("3 honest votes of 4: %v, %v", rec, err)
	}
	if rec, err := c.App.TallyCommitted([]attest.Vote{honest, honest, liar, liar}, 40); err != nil || len(rec.Files) != 0 {
		t.Fatalf("2 honest votes and 2 with another root: %v, %v", rec, err)
	}
	c.Attest(claims)
	if s := c.Status(msg.ItemHash); s != "processed" {
		t.Fatalf("the STORE is %s", s)
	}
	rec, err := message.Keeper{}.GetMessage(kv, msg.ItemHash)
	if err != nil || !bytes.Equal(rec.FileChunkRoot, root) {
		t.Fatalf("the record keeps chunk root %x (%v), want %x", rec.GetFileChunkRoot(), err, root)
	}
	exported, _, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	imported := apptest.NewWith(t, exported, app.Options{}, app.ChainInfo{ChainID: chainID})
	if rec, err := (message.Keeper{}).GetMessage(imported.Store.Working(), msg.ItemHash); err != nil || !bytes.Equal(rec.GetFileChunkRoot(), root) {
		t.Fatalf("imported, the record keeps chunk root %x (%v)", rec.GetFileChunkRoot(), err)
	}

	for c.Height < 11 { // epoch 1 opens
		c.MustBlock()
	}
	a, err := k.Assignment(kv, hash)
	if err != nil || a == nil || len(a.Nodes) != 2 || !bytes.Equal(a.ChunkRoot, root) || a.Size != uint64(len(data)) {
		t.Fatalf("assignment %v, %v", a, err)
	}
	holder := a.Nodes[0]
	var i int
	if _, err := fmt.Sscanf(holder, "crn-%d", &i); err != nil {
		t.Fatal(err)
	}
	key := keys[i]
	prove := func(slot uint32, chunkSize int) *pb.StorageProof {
		t.Helper()
		ch, err := k.Challenge(kv, 1, holder, slot)
		if err != nil || ch == nil || !bytes.Equal(ch.ChunkRoot, root) {
			t.Fatalf("challenge %d: %v, %v", slot, ch, err)
		}
		if ch.Index >= proof.Chunks(uint64(len(data)), params.RootChunkSize) {
			t.Fatalf("challenge %d: chunk %d of a file of %d root chunks", slot, ch.Index, proof.Chunks(uint64(len(data)), params.RootChunkSize))
		}
		sp := &pb.StorageProof{Node: holder, File: hash, Epoch: 1, Index: ch.Index, Slot: slot}
		if sp.Chunk, sp.Path, err = proof.ProveChunk(bytes.NewReader(data), chunkSize, ch.Index); err != nil {
			t.Fatal(err)
		}
		return sp
	}
	signed := func(sp *pb.StorageProof) []byte {
		t.Helper()
		if err := resource.SignProof(chainID, sp, key); err != nil {
			t.Fatal(err)
		}
		return app.EncodeStorageProof(sp)
	}
	tampered := prove(0, int(params.RootChunkSize))
	tampered.Chunk[3] ^= 1
	otherPath := prove(0, int(params.RootChunkSize))
	next := prove(1, int(params.RootChunkSize))
	if next.Index == otherPath.Index {
		next.Index ^= 1 // any other chunk
		if next.Chunk, next.Path, err = proof.ProveChunk(bytes.NewReader(data), int(params.RootChunkSize), next.Index); err != nil {
			t.Fatal(err)
		}
	}
	otherPath.Path = next.Path
	for what, sp := range map[string]*pb.StorageProof{
		"a tampered chunk": tampered,
		"a 256 KiB chunk and its path": func() *pb.StorageProof {
			sp := prove(0, int(params.RootChunkSize))
			if sp.Chunk, sp.Path, err = proof.ProveChunk(bytes.NewReader(data), 262144, 0); err != nil {
				t.Fatal(err)
			}
			return sp
		}(),
		"another chunk's audit path":  otherPath,
		"the chunk at another offset": func() *pb.StorageProof { sp := prove(0, int(params.RootChunkSize)); sp.Chunk = next.Chunk; return sp }(),
	} {
		tx := signed(sp)
		r := c.App.CheckTx(c.App.Parse(tx), func() error { return nil })
		if r.Code == 0 || r.Codespace != resource.ErrProof.Codespace || r.Code != resource.ErrProof.Code {
			t.Fatalf("%s: %s/%d %s", what, r.Codespace, r.Code, r.Log)
		}
	}
	var txs [][]byte
	for slot := range uint32(params.ChallengesPerEpoch) {
		txs = append(txs, signed(prove(slot, int(params.RootChunkSize))))
	}
	for i, r := range c.BlockTxs(txs...) {
		if r.Code != 0 {
			t.Fatalf("slot %d: %s/%d %s", i, r.Codespace, r.Code, r.Log)
		}
	}
	for c.Height < 15 { // the deadline
		c.MustBlock()
	}
	w, err := k.Window(kv, holder)
	if err != nil || len(w.Epochs) != 1 || w.Epochs[0].Passed != 4 {
		t.Fatalf("%s: window %v, %v", holder, w, err)
	}
}
