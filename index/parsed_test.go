package index_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/index"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// TestParsedHandOffIndexesAsDecoding: a block indexed with the app's parse
// of each transaction (as a node hands it over) gives the same entries and
// listings as the same block decoded by the index itself (as a rebuild
// from the block store does): accepted posts with and without tags, an
// aggregate, a refused message and one whose content does not parse.
func TestParsedHandOffIndexesAsDecoding(t *testing.T) {
	chain := apptest.New(t, nil)
	tagged := signed(t, "alice", client.Post("CH", "note", map[string]any{"title": "t", "tags": []string{"go", "aleph"}}, ""), 1)
	// "Tags" is not "tags" to pyaleph's Python, nor to the index.
	capital := signed(t, "alice", client.Post("CH", "note", map[string]any{"Tags": []string{"no"}}, ""), 2)
	escaped := signed(t, "bob", client.Post("CH", "note", json.RawMessage(`{"\u0074ags":["esc"]}`), ""), 3)
	agg := signed(t, "bob", client.Aggregate("CH", "profile", map[string]any{"a": 1}), 4)
	refused := signed(t, "carol", client.Post("CH", "note", "x", ""), 5)
	broken := signed(t, "carol", client.Post("CH", "note", "y", ""), 6)
	broken.ItemContent = []byte(`{"not": "the signed content"}`)

	msgs := []*pb.AlephMessage{tagged, capital, escaped, agg, refused, broken}
	blockWith := func(handOff bool) index.Block {
		blk := index.Block{Height: 1, TimeUnixNano: 1}
		for i, m := range msgs {
			tx := app.EncodeTx(m)
			tr := index.TxResult{Tx: tx}
			if i >= 4 {
				tr.Code, tr.Codespace, tr.Log = 13, "message", "refused"
			}
			if handOff {
				tr.Parsed = chain.App.Parse(tx)
			}
			blk.Txs = append(blk.Txs, tr)
		}
		return blk
	}
	var indexes [2]*index.Index
	for i, handOff := range []bool{false, true} {
		x, err := index.OpenMemory()
		if err != nil {
			t.Fatal(err)
		}
		if err := x.IndexBlock(blockWith(handOff)); err != nil {
			t.Fatal(err)
		}
		indexes[i] = x
	}
	for _, m := range msgs {
		decoded, err1 := indexes[0].Get(m.ItemHash)
		handed, err2 := indexes[1].Get(m.ItemHash)
		if err1 != nil || err2 != nil || decoded == nil || !reflect.DeepEqual(decoded, handed) {
			t.Fatalf("entry %s: decoded %+v (%v), handed over %+v (%v)", m.ItemHash, decoded, err1, handed, err2)
		}
	}
	for _, x := range indexes {
		for tag, want := range map[string]string{"aleph": tagged.ItemHash, "esc": escaped.ItemHash, "no": ""} {
			page, err := x.Messages(index.Filter{Tags: []string{tag}}, false, 0, 10, true)
			if err != nil {
				t.Fatal(err)
			}
			if (want == "" && page.Total != 0) || (want != "" && (page.Total != 1 || page.Entries[0].ItemHash != want)) {
				t.Fatalf("tag %q lists %d messages, want %q", tag, page.Total, want)
			}
		}
		keyed, _ := x.Messages(index.Filter{ContentKeys: []string{"profile"}}, false, 0, 10, true)
		if keyed.Total != 1 || keyed.Entries[0].Owner == "" {
			t.Fatalf("aggregate by key: %+v", keyed)
		}
	}
}
