package index

import (
	"encoding/json"
	"strconv"

	pb "github.com/alephd/alephd/proto/alephdv1"
)

// Status values follow pyaleph.
const (
	StatusProcessed = "processed"
	StatusRejected  = "rejected"
	StatusForgotten = "forgotten"
	// StatusRemoving: its payer went over capacity; still served during grace.
	StatusRemoving = "removing"
	// StatusRemoved: grace ran out; no longer served.
	StatusRemoved = "removed"
	// StatusPending: a STORE whose file validators have not attested yet.
	StatusPending = "pending"
)

// Entry is what the index keeps of one message.
type Entry struct {
	ItemHash string `json:"item_hash"`
	Type     string `json:"type"`
	Chain    string `json:"chain"`
	Sender   string `json:"sender"`
	Owner    string `json:"owner,omitempty"`
	Channel  string `json:"channel"`
	// TimeNano is the message time; it orders listings.
	TimeNano  int64  `json:"time_ns"`
	Height    int64  `json:"height"`
	TxIndex   uint32 `json:"tx_index"`
	BlockTime int64  `json:"block_time_ns"`
	Status    string `json:"status"`
	// Content fields the filters use.
	PostType    string   `json:"post_type,omitempty"`
	Ref         string   `json:"ref,omitempty"`
	Key         string   `json:"key,omitempty"`
	ContentHash string   `json:"content_hash,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// Message is the Aleph message JSON, byte-exact content included; set on
	// entries read from the index.
	Message     json.RawMessage `json:"message"`
	ForgottenBy []string        `json:"forgotten_by,omitempty"`
	// ErrorCode and Details explain a rejection.
	ErrorCode uint32 `json:"error_code,omitempty"`
	Details   string `json:"details,omitempty"`

	// msg is the message itself, which the index stores (codec.go).
	msg *pb.AlephMessage
	// contentDropped: forgotten or removed, served without item_content.
	contentDropped bool
	// contentTime is content.time, when hasContentTime: posts, aggregates
	// and files are ordered by it, as pyaleph orders them (contentTimeOf).
	contentTime    int64
	hasContentTime bool
}

// Seconds renders a Unix-nanosecond time as pyaleph's float seconds, exactly.
func Seconds(ns int64) json.Number {
	frac := strconv.FormatInt(ns%1_000_000_000+1_000_000_000, 10)[1:]
	for len(frac) > 1 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	return json.Number(strconv.FormatInt(ns/1_000_000_000, 10) + "." + frac)
}
