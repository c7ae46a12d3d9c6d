package app_test

import (
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/x/message"
)

// FuzzDecodeTx feeds arbitrary transaction bytes through the whole
// admission path (decode, parse, CheckTx, then a block): nothing may panic,
// a refusal is always a registered code, and refused bytes leave the state
// of an empty block.
func FuzzDecodeTx(f *testing.F) {
	k := apptest.Key("fuzz")
	good, _ := client.Sign(k, client.Post("TEST", "note", "seed", ""))
	f.Add(app.EncodeTx(good))
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x05, 0x0a, 0x03, 'E', 'T', 'H'})
	f.Add([]byte("\x0a\xff\xff\xff\xff\x0f"))
	empty := apptest.New(f, nil)
	empty.BlockTxs()
	f.Fuzz(func(t *testing.T, tx []byte) {
		c := apptest.New(t, nil)
		p := c.App.Parse(tx)
		r := c.App.CheckTx(p, func() error {
			if p.Msg == nil {
				return p.Err
			}
			return message.VerifySignature(p.Msg)
		})
		if r.Code != 0 && r.Codespace == "internal" {
			t.Fatalf("unregistered refusal: %+v", r)
		}
		res := c.BlockTxs(tx)
		if res[0].Code != 0 && string(c.Hash) != string(empty.Hash) {
			t.Fatalf("a refused transaction changed the state: %+v", res[0])
		}
	})
}
