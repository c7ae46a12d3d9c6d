package api

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/alephd/alephd/index"
)

// messageView renders an entry as pyaleph renders a message: the signed
// fields, time as float seconds, the parsed content, and for a STORE-free
// chain no confirmations.
func messageView(e *index.Entry) map[string]any {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(e.Message, &fields)
	out := make(map[string]any, len(fields)+4)
	for k, v := range fields {
		out[k] = v
	}
	out["time"] = index.Seconds(e.TimeNano)
	out["confirmed"] = false
	out["confirmations"] = []any{}
	gone := e.Status == index.StatusForgotten || e.Status == index.StatusRemoved
	if raw, ok := fields["item_content"]; ok && !gone {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out["size"] = len(s)
			if json.Valid([]byte(s)) {
				out["content"] = json.RawMessage(s)
			}
		}
	}
	if gone {
		delete(out, "item_content")
		out["owner"] = e.Owner
		out["forgotten_by"] = e.ForgottenBy
	}
	return out
}

// content returns the parsed item_content object of an entry.
func contentOf(e *index.Entry) map[string]json.RawMessage {
	var fields struct {
		ItemContent string `json:"item_content"`
	}
	if json.Unmarshal(e.Message, &fields) != nil {
		return nil
	}
	var c map[string]json.RawMessage
	_ = json.Unmarshal([]byte(fields.ItemContent), &c)
	return c
}

func receptionTime(e *index.Entry) string {
	return time.Unix(0, e.BlockTime).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}

// statusView is GET /api/v0/messages/{hash}: status, and the message in the
// shape its status calls for.
func statusView(e *index.Entry) map[string]any {
	out := map[string]any{"status": e.Status, "item_hash": e.ItemHash, "reception_time": receptionTime(e)}
	switch e.Status {
	case index.StatusRejected:
		out["message"] = json.RawMessage(e.Message)
		out["error_code"] = e.ErrorCode
		out["details"] = e.Details
	default:
		out["message"] = messageView(e)
		switch e.Status {
		case index.StatusForgotten:
			out["forgotten_by"] = e.ForgottenBy
		case index.StatusRemoving, index.StatusRemoved:
			// pyaleph's RemovedMessageReason; alephd removes a message only
			// when nobody pays for it any more. The Python SDK reads it.
			out["reason"] = "balance_insufficient"
		}
	}
	return out
}

// withContent trims a message view's content to a contentFormat: none
// leaves it out, headers keeps pyaleph's per-type summary of it (the owner,
// and the post type and ref of a POST, the key of an AGGREGATE, the file
// hash and ref of a STORE), from the fields the index keeps.
func withContent(v map[string]any, e *index.Entry, format string) map[string]any {
	switch format {
	case contentNone:
		delete(v, "content")
	case contentHeaders:
		h := map[string]any{"address": e.Owner}
		for _, f := range [...]struct {
			typ, key, value string
		}{
			{"POST", "type", e.PostType}, {"POST", "ref", e.Ref}, {"AGGREGATE", "key", e.Key},
			{"STORE", "item_hash", e.ContentHash}, {"STORE", "ref", e.Ref},
		} {
			if strings.EqualFold(e.Type, f.typ) && f.value != "" {
				h[f.key] = f.value
			}
		}
		v["content"] = h
	}
	return v
}

// pyISOTime renders Unix nanoseconds as pyaleph renders a UTC datetime
// with isoformat(): to the microsecond (rounded half to even, as Python
// converts a float timestamp), the fraction only when not zero, "+00:00".
func pyISOTime(ns int64) string {
	us := ns / 1000
	if r := ns % 1000; r > 500 || (r == 500 && us%2 != 0) {
		us++
	}
	t := time.UnixMicro(us).UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05+00:00")
	}
	return t.Format("2006-01-02T15:04:05.000000+00:00")
}
