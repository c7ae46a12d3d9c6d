package abci

import (
	"testing"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// TestResultsRoundTrip: what FinalizeBlock writes as events reads back as
// the same outcomes, status changes included, with the envelope a
// contender's win names (the index switches its entry to it).
func TestResultsRoundTrip(t *testing.T) {
	winner := &pb.AlephMessage{Chain: "SOL", Sender: "AzfsDd", Type: "POST", Channel: "TEST", Time: "1700000000.5", ItemType: "storage", ItemHash: "ab", Signature: "{}"}
	res := app.BlockResult{
		Txs: []app.TxResult{{ItemHash: "ab", Type: "POST", StatusChanges: []message.StatusChange{
			{Hash: "ab", Status: "processed", Envelope: winner},
			{Hash: "cd", Status: "rejected", Reason: "message/27 content not available"},
		}}},
		StatusChanges: []message.StatusChange{{Hash: "ef", Status: "removed", Reason: "grace ended"}},
	}
	txs, block := encodeResults(res)
	outcomes, changes := DecodeResults(txs, block)
	if len(outcomes) != 1 || len(changes) != 1 || changes[0] != res.StatusChanges[0] {
		t.Fatalf("outcomes %+v, block changes %+v", outcomes, changes)
	}
	got := outcomes[0].StatusChanges
	if len(got) != 2 || got[1] != res.Txs[0].StatusChanges[1] || got[0].Envelope == nil {
		t.Fatalf("tx changes %+v", got)
	}
	if string(message.ToJSON(got[0].Envelope)) != string(message.ToJSON(winner)) || got[0].Reason != "" {
		t.Fatalf("envelope %s, reason %q", message.ToJSON(got[0].Envelope), got[0].Reason)
	}
}
