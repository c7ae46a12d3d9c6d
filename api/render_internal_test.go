package api

import (
	"testing"

	"github.com/alephd/alephd/index"
)

// TestStatusViewSaysWhyAMessageWasRemoved: the Python SDK turns a removed
// message's reason into RemovedMessageError; without it, a KeyError.
func TestStatusViewSaysWhyAMessageWasRemoved(t *testing.T) {
	e := &index.Entry{ItemHash: "h", Status: index.StatusRemoved, Message: []byte(`{"item_hash":"h","type":"POST"}`)}
	if v := statusView(e); v["status"] != index.StatusRemoved || v["reason"] != "balance_insufficient" {
		t.Fatalf("removed: %v", v)
	}
	e.Status = index.StatusProcessed
	if _, ok := statusView(e)["reason"]; ok {
		t.Fatal("a processed message has a removal reason")
	}
}
