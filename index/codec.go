package index

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// formatVersion names the on-disk encoding of entries and keys. An index
// written in another format is dropped on open and rebuilt from the block
// store (Open). Version 1 kept entries as JSON; version 2 as IndexEntry
// protobufs, which encode in a fraction of the time; version 3 adds the
// posts, aggregates, files, file tags and address ranks of listings.go.
const formatVersion = 3

// encodeEntry is an entry's stored form. The message is kept as its
// protobuf; its JSON is rendered when the entry is read.
func encodeEntry(e *Entry) ([]byte, error) {
	if e.msg == nil {
		return nil, fmt.Errorf("index entry %s has no message", e.ItemHash)
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(&pb.IndexEntry{
		Message: e.msg, ContentDropped: e.contentDropped, Owner: e.Owner, TimeNs: e.TimeNano,
		Height: e.Height, TxIndex: e.TxIndex, BlockTimeNs: e.BlockTime, Status: e.Status,
		PostType: e.PostType, Ref: e.Ref, Key: e.Key, ContentHash: e.ContentHash, Tags: e.Tags,
		ForgottenBy: e.ForgottenBy, ErrorCode: e.ErrorCode, Details: e.Details,
	})
}

func decodeEntry(b []byte) (*Entry, error) {
	var p pb.IndexEntry
	if err := proto.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	m := p.GetMessage()
	if m == nil {
		return nil, fmt.Errorf("index entry without a message")
	}
	e := &Entry{
		ItemHash: m.ItemHash, Type: m.Type, Chain: m.Chain, Sender: m.Sender, Channel: m.Channel,
		Owner: p.Owner, TimeNano: p.TimeNs, Height: p.Height, TxIndex: p.TxIndex, BlockTime: p.BlockTimeNs,
		Status: p.Status, PostType: p.PostType, Ref: p.Ref, Key: p.Key, ContentHash: p.ContentHash,
		Tags: p.Tags, ForgottenBy: p.ForgottenBy, ErrorCode: p.ErrorCode, Details: p.Details,
		msg: m, contentDropped: p.ContentDropped,
	}
	if e.contentDropped {
		e.Message = message.ToJSONWithoutContent(m)
	} else {
		e.Message = message.ToJSON(m)
	}
	return e, nil
}
