package index_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/keys"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// indexed runs txs as one block of a real app chain and gives the index
// the block with the app's results, as the node does.
func indexed(t *testing.T, c *apptest.Chain, x *index.Index, txs ...[]byte) []app.TxResult {
	t.Helper()
	rs := c.BlockTxs(txs...)
	blk := index.Block{Height: c.Height, TimeUnixNano: apptest.Time(c.Height).UnixNano()}
	for i, r := range rs {
		tr := index.TxResult{Tx: txs[i], Code: r.Code, Codespace: r.Codespace, Log: r.Log, Forgotten: r.Forgotten}
		for _, s := range r.StatusChanges {
			tr.StatusChanges = append(tr.StatusChanges, index.StatusChange{Hash: s.Hash, Status: s.Status, Reason: s.Reason, Envelope: s.Envelope})
		}
		blk.Txs = append(blk.Txs, tr)
	}
	if err := x.IndexBlock(blk); err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestContenderWinsInIndex: a front-runner's copy of a pending non-inline
// message is what the index saw first. When the real sender's contender
// wins (or is promoted when the copy is forgotten), or a copy sent after
// the real message loses, the index lists the message state holds: the winner's envelope, sender and signature, not
// the copy's; the real sender's transaction never adds a second entry.
func TestContenderWinsInIndex(t *testing.T) {
	x, err := index.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	c := apptest.New(t, app.DevGenesis())
	mallory := keys.FromSeed("mallory")
	var reals []*pb.AlephMessage
	var contents [][]byte
	var txs, late [][]byte
	for i, text := range []string{"won", "promoted", "kept"} {
		m := signed(t, "alice", client.Post("CH", "note", text, ""), i+1)
		content := m.ItemContent
		sum := sha256.Sum256(content)
		m.ItemType, m.ItemContent, m.ItemHash = message.ItemStorage, nil, hex.EncodeToString(sum[:])
		if err := client.SignMessage(keys.FromSeed("alice"), m); err != nil {
			t.Fatal(err)
		}
		stolen := proto.Clone(m).(*pb.AlephMessage)
		stolen.Sender = apptest.Address(mallory)
		if err := client.SignMessage(mallory, stolen); err != nil {
			t.Fatal(err)
		}
		reals, contents = append(reals, m), append(contents, content)
		if text == "kept" { // the copy comes second and loses
			txs, late = append(txs, app.EncodeTx(m)), append(late, app.EncodeTx(stolen))
		} else {
			txs, late = append(txs, app.EncodeTx(stolen)), append(late, app.EncodeTx(m))
		}
	}
	indexed(t, c, x, txs...)
	rs := indexed(t, c, x, late...)
	for _, r := range rs {
		if r.Code != 0 {
			t.Fatalf("contender refused: %s", r.Log)
		}
	}
	forget := signed(t, "mallory", client.Forget("CH", []string{reals[1].ItemHash}, nil, ""), 10)
	indexed(t, c, x, app.EncodeTx(forget))
	var files []*pb.AttestedFile
	for i, m := range reals {
		sum := sha256.Sum256(contents[i])
		files = append(files, &pb.AttestedFile{ItemHash: m.ItemHash, Size: uint64(len(contents[i])), Sha256: sum[:], Content: contents[i]})
	}
	indexed(t, c, x, app.EncodeAttestation(&pb.Attestation{Files: files}))
	for _, m := range reals {
		e, err := x.Get(m.ItemHash)
		if err != nil || e == nil {
			t.Fatalf("entry %s: %v", m.ItemHash, err)
		}
		got, err := message.FromJSON(e.Message)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != index.StatusProcessed || e.Sender != m.Sender || e.Owner != m.Sender || got.Signature != m.Signature || string(got.ItemContent) == "" {
			t.Fatalf("entry %s: %s from %s owned by %s, signature %s", m.ItemHash, e.Status, e.Sender, e.Owner, got.Signature)
		}
	}
	for addr, want := range map[string]int64{reals[0].Sender: 3, apptest.Address(mallory): 1} { // mallory: its FORGET
		page, err := x.Messages(index.Filter{Addresses: []string{addr}}, false, 0, 10, true)
		if err != nil || page.Total != want {
			t.Fatalf("messages of %s: %d, %v; want %d", addr, page.Total, err, want)
		}
	}
	page, err := x.Messages(index.Filter{}, false, 0, 10, true)
	if err != nil || page.Total != 4 {
		t.Fatalf("all messages: %d, %v; want 4 (three posts, one FORGET)", page.Total, err)
	}
}
