package abci

import (
	abcitypes "github.com/cometbft/cometbft/abci/types"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/x/message"
)

// A block's results reach CometBFT, and so its block store, RPC clients and
// tx_search, as ABCI events. This file is the one place that writes them
// (encodeResults) and reads them back (DecodeResults), so the node's
// readers (the query index, the content pinner) never see an event.
//
// Events: "message" (item_hash, type; indexed for tx_search) for every
// message; "forget" (one "forgotten" attribute per message forgotten) for an
// accepted FORGET; and "status" (item_hash, status, and a reason for a
// rejection) for each message that garbage collection or attestation moved,
// in a transaction's events or the block's (block hooks: removals and
// expiries).
const (
	EventMessage  = "message"
	EventForget   = "forget"
	EventStatus   = "status"
	AttrStatus    = "status"
	AttrReason    = "reason"
	AttrItemHash  = "item_hash"
	AttrType      = "type"
	AttrForgotten = "forgotten"
	// AttrEnvelope is a status event's message JSON (without content)
	// when a contender took the item_hash's pending record.
	AttrEnvelope = "envelope"
)

// DecidedBlock is a decided block and what it did, decoded.
type DecidedBlock struct {
	Height       int64
	TimeUnixNano int64
	Txs          [][]byte
	Results      []TxOutcome
	// StatusChanges are the block hooks', after the transactions.
	StatusChanges []message.StatusChange
	// Parsed[i] is the app's parse of Txs[i] when the block comes straight
	// from FinalizeBlock (nil when read back from the block store). It is
	// never modified afterwards, so it may be read from any goroutine.
	Parsed []*app.Parsed
}

// TxOutcome is what one transaction did.
type TxOutcome struct {
	Code      uint32
	Codespace string
	Log       string
	// Forgotten lists the messages an accepted FORGET forgot.
	Forgotten []string
	// StatusChanges lists the other messages whose status it moved.
	StatusChanges []message.StatusChange
}

// DecodeResults reads a block's results as CometBFT keeps them (RPC
// block_results: txs_results, finalize_block_events).
func DecodeResults(txs []*abcitypes.ExecTxResult, blockEvents []abcitypes.Event) ([]TxOutcome, []message.StatusChange) {
	out := make([]TxOutcome, len(txs))
	for i, r := range txs {
		out[i] = TxOutcome{Code: r.Code, Codespace: r.Codespace, Log: r.Log, StatusChanges: statusChanges(r.Events)}
		for _, ev := range r.Events {
			if ev.Type != EventForget {
				continue
			}
			for _, a := range ev.Attributes {
				if a.Key == AttrForgotten {
					out[i].Forgotten = append(out[i].Forgotten, a.Value)
				}
			}
		}
	}
	return out, statusChanges(blockEvents)
}

func statusChanges(evs []abcitypes.Event) []message.StatusChange {
	var out []message.StatusChange
	for _, ev := range evs {
		if ev.Type != EventStatus {
			continue
		}
		var c message.StatusChange
		for _, a := range ev.Attributes {
			switch a.Key {
			case AttrItemHash:
				c.Hash = a.Value
			case AttrStatus:
				c.Status = a.Value
			case AttrReason:
				c.Reason = a.Value
			case AttrEnvelope:
				if m, err := message.FromJSON([]byte(a.Value)); err == nil {
					c.Envelope = m
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// encodeResults is the ABCI form of a block's results.
func encodeResults(res app.BlockResult) ([]*abcitypes.ExecTxResult, []abcitypes.Event) {
	out := make([]*abcitypes.ExecTxResult, len(res.Txs))
	for i, r := range res.Txs {
		out[i] = &abcitypes.ExecTxResult{Code: r.Code, Codespace: r.Codespace, Log: r.Log}
		if r.ItemHash != "" {
			out[i].Events = []abcitypes.Event{{
				Type: EventMessage,
				Attributes: []abcitypes.EventAttribute{
					{Key: AttrItemHash, Value: r.ItemHash, Index: true},
					{Key: AttrType, Value: r.Type, Index: true},
				},
			}}
		}
		if len(r.Forgotten) > 0 {
			ev := abcitypes.Event{Type: EventForget}
			for _, h := range r.Forgotten {
				ev.Attributes = append(ev.Attributes, abcitypes.EventAttribute{Key: AttrForgotten, Value: h})
			}
			out[i].Events = append(out[i].Events, ev)
		}
		out[i].Events = append(out[i].Events, statusEvents(r.StatusChanges)...)
	}
	return out, statusEvents(res.StatusChanges)
}

func statusEvents(changes []message.StatusChange) []abcitypes.Event {
	var evs []abcitypes.Event
	for _, c := range changes {
		ev := abcitypes.Event{Type: EventStatus, Attributes: []abcitypes.EventAttribute{
			{Key: AttrItemHash, Value: c.Hash, Index: true}, {Key: AttrStatus, Value: c.Status},
		}}
		if c.Reason != "" {
			ev.Attributes = append(ev.Attributes, abcitypes.EventAttribute{Key: AttrReason, Value: c.Reason})
		}
		if c.Envelope != nil {
			ev.Attributes = append(ev.Attributes, abcitypes.EventAttribute{Key: AttrEnvelope, Value: string(message.ToJSON(c.Envelope))})
		}
		evs = append(evs, ev)
	}
	return evs
}
