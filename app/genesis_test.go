package app_test

import (
	"strings"
	"testing"

	"github.com/alephd/alephd/app"
)

// TestValidateGenesis: every module's part is checked without state, an
// unknown part is refused, and the default genesis passes.
func TestValidateGenesis(t *testing.T) {
	if err := app.ValidateGenesis(app.DefaultGenesis()); err != nil {
		t.Fatalf("the default genesis: %v", err)
	}
	if err := app.ValidateGenesis(nil); err != nil {
		t.Fatalf("an empty app_state (every module's default): %v", err)
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown module", `{"stake":{}}`, `unknown module "stake"`},
		{"attest has no genesis", `{"attest":{}}`, `unknown module "attest"`},
		{"message params", `{"message":{"params":{"max_future_seconds":-1}}}`, "genesis of message"},
		{"balance entry", `{"balance":{"balances":[{"address":"nope","amount":"1"}]}}`, "genesis of balance"},
		{"payment endorsement", `{"payment":{"endorsements":[{"endorser":"0x0000000000000000000000000000000000000001","channel":"","amount":"1"}]}}`, "genesis of payment"},
		{"unknown field", `{"payment":{"params":{"no_such_param":1}}}`, "no_such_param"},
		{"not an object", `[1]`, "not a JSON object"},
	} {
		err := app.ValidateGenesis([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}
