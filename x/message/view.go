package message

import (
	"encoding/json"
	"strings"
	"time"

	pb "github.com/alephd/alephd/proto/alephdv1"
)

// StoreKey is the state key of a message record, for proofs.
func StoreKey(hash string) []byte { return messageKey(hash) }

// AggregateStoreKey is the state key of an aggregate, for proofs.
func AggregateStoreKey(owner, key string) []byte { return aggregateKey(owner, key) }

// RecordView is the JSON shape of a message record, close to pyaleph's
// GET /api/v0/messages/{hash}.
type RecordView struct {
	ItemHash    string   `json:"item_hash"`
	Status      string   `json:"status"`
	Height      int64    `json:"height"`
	TxIndex     uint32   `json:"tx_index"`
	BlockTime   string   `json:"block_time"`
	Owner       string   `json:"owner"`
	Size        uint64   `json:"size"`
	ForgottenBy []string `json:"forgotten_by,omitempty"`
	// Charge is who paid for the message, and how much.
	Charge  *pb.Charge      `json:"charge,omitempty"`
	Message json.RawMessage `json:"message"`
	Content json.RawMessage `json:"content,omitempty"`
}

// StatusName is pyaleph's word for a status.
func StatusName(s pb.MessageStatus) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "MESSAGE_STATUS_"))
}

// View turns a record into its JSON view.
func View(rec *pb.MessageRecord) RecordView {
	v := RecordView{
		ItemHash: rec.Message.ItemHash, Status: StatusName(rec.Status),
		Height: rec.Height, TxIndex: rec.TxIndex,
		BlockTime: time.Unix(0, rec.BlockTimeUnixNano).UTC().Format(time.RFC3339Nano),
		Owner:     rec.Owner, Size: rec.ContentSize, ForgottenBy: rec.ForgottenBy, Charge: rec.Charge,
		Message: ToJSON(rec.Message),
	}
	if len(rec.Message.ItemContent) > 0 && json.Valid(rec.Message.ItemContent) {
		v.Content = rec.Message.ItemContent
	}
	return v
}
