package message_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/alephd/alephd/x/message"
)

// TestPyalephChainMessages takes pyaleph's signed fixtures of every chain
// as whole messages (testdata/pyaleph_chain_messages.json, sources named
// there) through admission: decode, stateless checks, the chain's
// signature, then the handler, whose owner is the sender exactly as sent.
func TestPyalephChainMessages(t *testing.T) {
	b, err := os.ReadFile("testdata/pyaleph_chain_messages.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Messages []struct {
			Source  string          `json:"source"`
			Message json.RawMessage `json:"message"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	chainsSeen := map[string]bool{}
	for _, v := range file.Messages {
		m, err := message.FromJSON(v.Message)
		if err != nil {
			t.Fatalf("%s: %v", v.Source, err)
		}
		chainsSeen[m.Chain] = true
		t.Run(m.Chain+"_"+m.ItemHash[:12], func(t *testing.T) {
			if _, err := message.ValidateEnvelope(m, message.DefaultParams(), vectorBlockTime.UnixNano()); err != nil {
				t.Fatalf("%s: ValidateEnvelope: %v", v.Source, err)
			}
			if err := message.VerifySignature(m); err != nil {
				t.Fatalf("%s: VerifySignature: %v", v.Source, err)
			}
			c := newChain(t)
			c.env = vectorEnv()
			err := c.apply(m)
			if m.Chain == "NULS2" { // an amend of a post the fixture does not carry
				if !errors.Is(err, message.ErrAmendTarget) {
					t.Fatalf("NULS2 amend: %v, want ErrAmendTarget", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: apply: %v", v.Source, err)
			}
			if got := c.record(m.ItemHash).Owner; got != m.Sender {
				t.Fatalf("owner %q, want the sender %q as sent", got, m.Sender)
			}
		})
	}
	for _, c := range []string{"ETH", "SOL", "DOT", "TEZOS", "CSDK", "NULS2", "AVAX"} {
		if !chainsSeen[c] {
			t.Errorf("no fixture for %s", c)
		}
	}
}
