package balance_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/alephd/alephd/x/balance"
)

// TestParseUpdate: a report is read in address order whatever its member
// order; an account listed twice, in any letter case, and malformed reports
// are refused, naming the first bad entry in address order.
func TestParseUpdate(t *testing.T) {
	const (
		alice = "0xA11ce00000000000000000000000000000000001"
		bob   = "0xB0b0000000000000000000000000000000000002"
	)
	post := func(content string) []byte { return []byte(`{"content":` + content + `}`) }

	u, err := balance.ParseUpdate(post(`{"chain":"ETH","main_height":7,"balances":{"` + bob + `":"2.5","` + alice + `":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if u.Source != "ETH" || u.MainHeight != 7 || len(u.Entries) != 2 ||
		u.Entries[0] != (balance.Entry{Address: alice, Amount: "1000000000000000000"}) ||
		u.Entries[1] != (balance.Entry{Address: bob, Amount: "2500000000000000000"}) {
		t.Fatalf("update = %+v", u)
	}

	for _, c := range []struct{ name, content, want string }{
		{"the same account in two letter cases", `{"chain":"ETH","main_height":1,"balances":{"` + alice + `":1,"` + bob + `":1,"` + strings.ToLower(alice) + `":2}}`,
			alice + " and " + strings.ToLower(alice) + " are the same account"},
		{"the first bad amount in address order", `{"chain":"ETH","main_height":1,"balances":{"` + bob + `":"x","` + alice + `":"y"}}`,
			"balance of " + alice},
		{"no chain", `{"main_height":1,"balances":{}}`, "content.chain"},
		{"names in another case", `{"Chain":"ETH","main_height":1,"balances":{}}`, "content.chain"},
		{"a negative height", `{"chain":"ETH","main_height":-1,"balances":{}}`, "content.main_height"},
		{"no balances", `{"chain":"ETH","main_height":1}`, "content.balances"},
	} {
		_, err := balance.ParseUpdate(post(c.content))
		if !errors.Is(err, balance.ErrBadUpdate) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
