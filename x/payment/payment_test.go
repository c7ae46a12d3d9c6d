package payment_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/payment"
)

// chain wraps an app chain with this test's keys and a message counter,
// so every message is distinct.
type chain struct {
	*apptest.Chain
	n int
}

var (
	alice  = apptest.Key("pay-alice")
	bob    = apptest.Key("pay-bob")
	carol  = apptest.Key("pay-carol")
	oracle = apptest.Key("pay-oracle")
)

// genesis is the production default (no free storage) with the test oracle,
// balances in whole ALEPH, and edit applied to the payment params.
func genesis(t *testing.T, balances map[*ecdsa.PrivateKey]int64, edit func(*payment.Params)) json.RawMessage {
	t.Helper()
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DefaultGenesis(), &parts); err != nil {
		t.Fatal(err)
	}
	bal := balance.DefaultGenesis()
	bal.Params.Oracles = []string{apptest.Address(oracle)}
	for k, v := range balances {
		bal.Balances = append(bal.Balances, balance.Entry{Address: apptest.Address(k), Amount: fmt.Sprint(v) + "000000000000000000"})
	}
	pay := payment.DefaultGenesis()
	pay.Params.GraceBlocks = 3
	if edit != nil {
		edit(&pay.Params)
	}
	parts["balance"], _ = json.Marshal(bal)
	parts["payment"], _ = json.Marshal(pay)
	out, _ := json.Marshal(parts)
	return out
}

func newChain(t *testing.T, balances map[*ecdsa.PrivateKey]int64, edit func(*payment.Params)) *chain {
	return &chain{Chain: apptest.New(t, genesis(t, balances, edit))}
}

// sign signs d at the next block's time, with a unique content time.
func (c *chain) sign(k *ecdsa.PrivateKey, d client.Draft) *pb.AlephMessage {
	c.T.Helper()
	c.n++
	d.Time = apptest.Time(c.Height + 1)
	d.Content["time"] = json.Number(fmt.Sprintf("%d.%06d", apptest.Time(c.Height+1).Unix(), c.n))
	m, err := client.Sign(k, d)
	if err != nil {
		c.T.Fatal(err)
	}
	return m
}

func (c *chain) post(k *ecdsa.PrivateKey, channel string) *pb.AlephMessage {
	return c.sign(k, client.Post(channel, "note", map[string]any{"n": c.n}, ""))
}

// code runs one message in a block and returns "codespace/code" ("" for OK)
// and the log.
func (c *chain) code(m *pb.AlephMessage) (string, string) {
	c.T.Helper()
	return c.codeTx(apptest.Tx(m))
}

func (c *chain) codeTx(tx []byte) (string, string) {
	c.T.Helper()
	r := c.BlockTxs(tx)[0]
	if r.Code == 0 {
		return "", ""
	}
	return fmt.Sprintf("%s/%d", r.Codespace, r.Code), r.Log
}

func (c *chain) ok(msgs ...*pb.AlephMessage) {
	c.T.Helper()
	c.MustBlock(msgs...)
}

func (c *chain) record(hash string) *pb.MessageRecord {
	c.T.Helper()
	res, err := c.App.Query(app.PathMessage, []byte(hash), 0, false)
	if err != nil || res.Value == nil {
		c.T.Fatalf("no record of %s: %v", hash, err)
	}
	rec, err := app.DecodeMessageRecord(res.Value)
	if err != nil {
		c.T.Fatal(err)
	}
	return rec
}

func (c *chain) status(hash string) string {
	return strings.ToLower(strings.TrimPrefix(c.record(hash).Status.String(), "MESSAGE_STATUS_"))
}

func (c *chain) account(k *ecdsa.PrivateKey) payment.AccountView {
	c.T.Helper()
	var v payment.AccountView
	res, err := c.App.Query(app.PathAccount, []byte(apptest.Address(k)), 0, false)
	if err == nil {
		err = json.Unmarshal(res.Value, &v)
	}
	if err != nil {
		c.T.Fatal(err)
	}
	return v
}

func (c *chain) channel(name string) payment.ChannelView {
	c.T.Helper()
	var v payment.ChannelView
	res, err := c.App.Query(app.PathChannel, []byte(name), 0, false)
	if err == nil {
		err = json.Unmarshal(res.Value, &v)
	}
	if err != nil {
		c.T.Fatal(err)
	}
	return v
}

func wantCode(t *testing.T, what, got, log, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: code %q (%s), want %q", what, got, log, want)
	}
}

// sized returns a POST whose item_content is exactly n bytes.
func (c *chain) sized(k *ecdsa.PrivateKey, n int) *pb.AlephMessage {
	c.T.Helper()
	pad, n0 := 0, c.n
	for i := 0; i < 3; i++ {
		c.n = n0
		m := c.sign(k, client.Post("SIZE", "note", map[string]any{"pad": strings.Repeat("x", pad)}, ""))
		if len(m.ItemContent) == n {
			return m
		}
		pad += n - len(m.ItemContent)
	}
	c.T.Fatalf("could not size a post to %d bytes", n)
	return nil
}
