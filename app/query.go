package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ics23 "github.com/cosmos/ics23/go"
	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
)

// Query paths. Raw paths answer with the stored bytes of one key and can
// carry an ICS-23 proof against the app hash; the others answer JSON.
const (
	PathMessage    = "/message"    // raw; data: item_hash -> MessageRecord protobuf
	PathAggregate  = "/aggregate"  // raw; data: {"address","key"} -> AggregateRecord protobuf
	PathAggregates = "/aggregates" // data: address -> {"key": content, ...}
	PathPost       = "/post"       // data: item_hash -> PostView
	PathBalance    = "/balance"    // data: address -> {"address","balance"}
	PathParams     = "/params"     // -> params of every module
	PathAccount    = "/account"    // data: address -> payment.AccountView
	PathChannel    = "/channel"    // data: channel -> payment.ChannelView
	PathFile       = "/file"       // data: file hash -> FileView
	PathNode       = "/node"       // raw; data: node hash -> NodeRecord protobuf
	PathNodeView   = "/node/view"  // data: node hash -> node.CoreNodeView or node.ResourceNodeView
	PathNodes      = "/nodes"      // -> node.CoreChannel: every node, in the corechannel aggregate's shape
	PathStakes     = "/stakes"     // data: address -> node.StakesView
	PathValidators = "/validators" // -> []ValidatorView: the set that signs the next height
	// PathLiveContent pages through the live non-inline messages, whose
	// content the node keeps pinned; data: the item_hash to start after
	// (empty: from the first) -> LiveContentPage.
	PathLiveContent = "/content/live"
)

// LiveContentPage is one page of live non-inline messages (processed or
// removing, item_type storage or ipfs): item_hash -> item_type. Next is the
// item_hash to ask the next page after; empty on the last page.
type LiveContentPage struct {
	Content map[string]string `json:"content"`
	Next    string            `json:"next,omitempty"`
}

// liveContentScan and liveContentBytes bound the records one
// PathLiveContent query reads (in count, and in bytes: a record may carry a
// MiB of content), so that a page holds the app's lock for milliseconds.
const (
	liveContentScan  = 2000
	liveContentBytes = 16 << 20
)

// FileView says which live STOREs keep a file (sha256 or CID) pinned.
type FileView struct {
	Hash   string   `json:"hash"`
	Stores []string `json:"stores"`
}

// QueryResult answers a query. A nil Value with no error means "not found".
type QueryResult struct {
	Key    []byte
	Value  []byte
	Height int64
	Proof  *ics23.CommitmentProof
}

// ErrUnknownQuery is returned for a path the app does not serve.
var ErrUnknownQuery = fmt.Errorf("unknown query path")

// AggregateArgs names one aggregate.
type AggregateArgs struct {
	Address string `json:"address"`
	Key     string `json:"key"`
}

// PostView is a post with its latest amend applied.
type PostView struct {
	Original    message.RecordView `json:"original"`
	LatestAmend string             `json:"latest_amend,omitempty"`
	// Content is the content of the latest amend, or of the original.
	Content json.RawMessage `json:"content"`
}

// Query answers path at height (0 = latest committed).
func (a *App) Query(path string, data []byte, height int64, prove bool) (QueryResult, error) {
	snap, err := a.store.At(height)
	if err != nil {
		return QueryResult{}, err
	}
	res := QueryResult{Height: snap.Version()}
	if path == PathParams {
		params := map[string]any{}
		for _, m := range a.modules() {
			if m.Params != nil {
				params[m.Name] = m.Params()
			}
		}
		res.Value, err = json.Marshal(params)
		return res, err
	}
	if path == PathLiveContent {
		res.Value, err = liveContent(snap, string(data), liveContentScan)
		return res, err
	}
	q, ok := a.query(path)
	switch {
	case !ok:
		return res, fmt.Errorf("%w %q; known: %s", ErrUnknownQuery, path, strings.Join(a.queryPaths(), " "))
	case q.Answer != nil:
		res.Value, err = q.Answer(snap, data)
		return res, err
	}
	if res.Key, err = q.Key(data); err != nil {
		return res, err
	}
	if res.Value, err = snap.Get(res.Key); err != nil {
		return res, err
	}
	if prove {
		res.Proof, err = snap.Proof(res.Key)
	}
	return res, err
}

func (a *App) query(path string) (Query, bool) {
	for _, m := range a.modules() {
		for _, q := range m.Queries {
			if q.Path == path {
				return q, true
			}
		}
	}
	return Query{}, false
}

func (a *App) queryPaths() []string {
	paths := []string{PathParams, PathLiveContent}
	for _, m := range a.modules() {
		for _, q := range m.Queries {
			paths = append(paths, q.Path)
		}
	}
	return paths
}

func aggregateKey(data []byte) ([]byte, error) {
	var args AggregateArgs
	if err := json.Unmarshal(data, &args); err != nil {
		return nil, fmt.Errorf("aggregate query wants {\"address\":..., \"key\":...}: %w", err)
	}
	return message.AggregateStoreKey(args.Address, args.Key), nil
}

func (a *App) queryBalance(kv state.KV, data []byte) ([]byte, error) {
	b, err := a.balances.Get(kv, string(data))
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]string{"address": string(data), "balance": b.String(), "balance_aleph": balance.Format(b)})
}

func (a *App) queryFile(kv state.KV, data []byte) ([]byte, error) {
	stores, err := a.messages.FileStores(kv, string(data))
	if err != nil {
		return nil, err
	}
	return json.Marshal(FileView{Hash: string(data), Stores: append([]string{}, stores...)})
}

func (a *App) queryAggregates(kv state.KV, owner []byte) ([]byte, error) {
	aggs, err := a.messages.Aggregates(kv, string(owner))
	if err != nil || len(aggs) == 0 {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for _, ag := range aggs {
		out[ag.Key] = ag.Record.Content
	}
	return json.Marshal(out)
}

func (a *App) queryPost(kv state.KV, data []byte) ([]byte, error) {
	hash := string(data)
	rec, err := a.messages.GetMessage(kv, hash)
	if err != nil || rec == nil || rec.Message.Type != message.TypePost {
		return nil, err
	}
	view := PostView{Original: message.View(rec)}
	content := rec.Message.ItemContent
	if view.LatestAmend, err = a.messages.LatestAmend(kv, hash); err != nil {
		return nil, err
	}
	if view.LatestAmend != "" {
		amend, err := a.messages.GetMessage(kv, view.LatestAmend)
		if err != nil {
			return nil, err
		}
		content = amend.Message.ItemContent
	}
	if len(content) > 0 {
		var c struct {
			Content json.RawMessage `json:"content"`
		}
		if json.Unmarshal(content, &c) == nil {
			view.Content = c.Content
		}
	}
	return json.Marshal(view)
}

// liveContent reads up to scan message records (and liveContentBytes) after
// the item_hash after, in key order, and lists the live non-inline ones.
// Node-side only (the content pinner after an export or a state sync):
// nothing in state indexes them, and no index is added (the file index
// `01 06` feeds x/resource's storage challenges), so this walks the records.
func liveContent(kv state.KV, after string, scan int) ([]byte, error) {
	page := LiveContentPage{Content: map[string]string{}}
	start := message.RecordPrefix
	if after != "" {
		start = append(state.NewKey(message.RecordPrefix...).String(after).Bytes(), 0)
	}
	var bad error
	n, read := 0, 0
	err := kv.Iterate(start, state.PrefixEnd(message.RecordPrefix), false, func(_, v []byte) bool {
		read += len(v)
		rec, err := DecodeMessageRecord(v)
		if err != nil {
			bad = err
			return false
		}
		m := rec.GetMessage()
		if m.GetType() != message.TypeStore && (m.GetItemType() == message.ItemStorage || m.GetItemType() == message.ItemIPFS) &&
			(rec.GetStatus() == pb.MessageStatus_MESSAGE_STATUS_PROCESSED || rec.GetStatus() == pb.MessageStatus_MESSAGE_STATUS_REMOVING) {
			page.Content[m.GetItemHash()] = m.GetItemType()
		}
		if n++; n == scan || read >= liveContentBytes {
			page.Next = m.GetItemHash()
			return false
		}
		return true
	})
	if err = errors.Join(err, bad); err != nil {
		return nil, err
	}
	return json.Marshal(page)
}

// DecodeMessageRecord decodes the raw value of a PathMessage query.
func DecodeMessageRecord(b []byte) (*pb.MessageRecord, error) {
	rec := new(pb.MessageRecord)
	return rec, proto.Unmarshal(b, rec)
}

// DecodeAggregateRecord decodes the raw value of a PathAggregate query.
func DecodeAggregateRecord(b []byte) (*pb.AggregateRecord, error) {
	rec := new(pb.AggregateRecord)
	return rec, proto.Unmarshal(b, rec)
}
