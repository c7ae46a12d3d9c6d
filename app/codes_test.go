package app_test

import (
	"testing"

	_ "github.com/alephd/alephd/app" // links every codespace the app registers
	"github.com/alephd/alephd/errs"
)

// code is one registered rejection as clients see it in an ABCI result.
type code struct {
	codespace   string
	code        uint32
	description string
}

// codes is every rejection the app can return. Clients match on
// (codespace, code), so codes are never renumbered or reused: a new
// rejection gets a new row with the next free code, and a retired one
// moves to retiredCodes so nobody takes its number again.
var codes = []code{
	{"app", 1, "the message crashed its handler; please report it"},
	{"app", 2, "attestation records are made by block proposers"},
	{"app", 3, "the node has no state yet"},

	{"balance", 1, "malformed balances-update"},
	{"balance", 2, "stale balances-update"},
	{"balance", 3, "balances attested by validators"},

	{"message", 1, "transaction is not an alephd envelope"},
	{"message", 2, "missing message field"},
	{"message", 3, "unknown message type"},
	{"message", 4, "unsupported item_type"},
	{"message", 5, "item_hash does not match item_content"},
	{"message", 6, "message too large"},
	{"message", 7, "invalid item_content"},
	{"message", 8, "invalid time"},
	{"message", 9, "time too far in the future"},
	{"message", 10, "unsupported chain"},
	{"message", 11, "malformed signature"},
	{"message", 12, "signature does not match sender"},
	{"message", 13, "message already exists"},
	{"message", 14, "sender may not act for this address"},
	{"message", 15, "amended post not found"},
	{"message", 16, "cannot amend an amend"},
	{"message", 17, "amend address differs from the original post's"},
	{"message", 18, "forget target not found"},
	{"message", 19, "not allowed to forget this message"},
	{"message", 20, "a FORGET cannot be forgotten"},
	{"message", 21, "aggregate content must be a JSON object"},
	{"message", 23, "FORGET names no target"},
	{"message", 24, "invalid STORE content"},
	{"message", 25, "aggregate too large"},
	{"message", 26, "sender is not an address of its chain"},
	{"message", 27, "content not available"},
	{"message", 28, "too many messages pending"},

	{"node", 1, "malformed node operation"},
	{"node", 2, "the address already has a core channel node"},
	{"node", 3, "balance below the threshold"},
	{"node", 4, "no such node"},
	{"node", 5, "only the node's owner may do this"},
	{"node", 6, "link refused"},
	{"node", 7, "stake refused"},
	{"node", 8, "the address does not stake on this node"},
	{"node", 9, "unjail refused"},

	{"payment", 1, "no payment provider admits this message"},
	{"payment", 2, "personal storage exhausted"},
	{"payment", 3, "channel capacity exhausted"},
	{"payment", 4, "message too large for a storage quota"},
	{"payment", 5, "core channel rate limit reached"},
	{"payment", 6, "message too large for a core channel"},
	{"payment", 7, "malformed endorsement"},
	{"payment", 8, "endorsements exceed balance"},

	{"resource", 1, "malformed storage proof"},
	{"resource", 2, "no such challenge"},
	{"resource", 3, "the challenge's deadline has passed"},
	{"resource", 4, "the challenge is already answered"},
	{"resource", 5, "the proof does not prove the challenged chunk"},
	{"resource", 6, "storage proofs are not enabled on this chain"},
	{"resource", 7, "the proof is not signed by the node's registered key"},
	{"resource", 8, "the node has no registered key to sign proofs with"},
}

// retiredCodes were given out once and must not be registered again.
var retiredCodes = []code{
	{"message", 22, "never returned"},
}

// TestErrorCodesArePinned compares the registry with codes both ways: a
// code registered without a row, a row without its code, and a code
// renumbered or redescribed all fail.
func TestErrorCodesArePinned(t *testing.T) {
	type key struct {
		codespace string
		code      uint32
	}
	registered := map[key]string{}
	for _, e := range errs.All() {
		registered[key{e.Codespace, e.Code}] = e.Description
	}
	pinned := map[key]bool{}
	for _, c := range codes {
		k := key{c.codespace, c.code}
		if pinned[k] {
			t.Errorf("%s/%d is pinned twice", c.codespace, c.code)
		}
		pinned[k] = true
		got, ok := registered[k]
		switch {
		case !ok:
			t.Errorf("%s/%d %q is pinned but not registered: codes are never removed or renumbered", c.codespace, c.code, c.description)
		case got != c.description:
			t.Errorf("%s/%d is registered as %q, pinned as %q", c.codespace, c.code, got, c.description)
		}
	}
	for _, e := range errs.All() {
		if !pinned[key{e.Codespace, e.Code}] {
			t.Errorf("%s/%d %q is registered but not pinned: add a row to codes", e.Codespace, e.Code, e.Description)
		}
	}
	for _, c := range retiredCodes {
		if d, ok := registered[key{c.codespace, c.code}]; ok {
			t.Errorf("%s/%d is retired but registered again as %q", c.codespace, c.code, d)
		}
	}
}
