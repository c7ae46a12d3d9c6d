package message

import (
	"encoding/json"
	"fmt"
	"sort"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// GenesisMessage is one exported message record. The message is the Aleph
// JSON object (forgotten ones without item_content).
type GenesisMessage struct {
	Message             json.RawMessage `json:"message"`
	Status              string          `json:"status"`
	Height              int64           `json:"height"`
	TxIndex             uint32          `json:"tx_index"`
	BlockTimeUnixNano   int64           `json:"block_time_unix_nano"`
	Owner               string          `json:"owner"`
	ContentTimeUnixNano int64           `json:"content_time_unix_nano"`
	ContentSize         uint64          `json:"content_size"`
	ForgottenBy         []string        `json:"forgotten_by,omitempty"`
	// Charge is who paid for the message (see x/payment).
	Charge *pb.Charge `json:"charge,omitempty"`
	// FileSize is a processed STORE's attested file size.
	FileSize uint64 `json:"file_size,omitempty"`
	// Rejection is why a rejected STORE was rejected.
	Rejection string `json:"rejection,omitempty"`
	// AttestDeadline is a STORE's last height for attestation.
	AttestDeadline int64 `json:"attest_deadline,omitempty"`
	// FileHash is a processed STORE's file.
	FileHash string `json:"file_hash,omitempty"`
	// FileChunkRoot is the chunk root validators attested with a sha256
	// file on a chain whose x/resource is on (its storage challenges are
	// checked against it).
	FileChunkRoot []byte `json:"file_chunk_root,omitempty"`
	// FileDagBytes is the DAG size validators attested with an IPFS file
	// on a chain whose x/resource is on (it is assigned to resource nodes
	// by it).
	FileDagBytes uint64 `json:"file_dag_bytes,omitempty"`
	// Contenders are other senders' messages with the item_hash of this
	// PENDING non-inline message (contender.go), in the order they are
	// tried.
	Contenders []json.RawMessage `json:"contenders,omitempty"`
}

// Genesis is this module's part of the genesis document.
type Genesis struct {
	Params   Params           `json:"params"`
	Messages []GenesisMessage `json:"messages"`
}

// DefaultGenesis starts a chain with default params and no messages.
func DefaultGenesis() Genesis { return Genesis{Params: DefaultParams(), Messages: []GenesisMessage{}} }

var paramsKey = []byte{ModulePrefix, 0x00}

// Params reads the module params.
func (Keeper) Params(kv state.KV) (Params, error) {
	var p Params
	return p, state.GetParams(kv, paramsKey, "message", &p)
}

// Validate checks what genesis can be checked for without state: the
// params, and that each message decodes with a known status.
func (g Genesis) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return fmt.Errorf("message params: %w", err)
	}
	for i, gm := range g.Messages {
		m, err := FromJSON(gm.Message)
		if err != nil {
			return fmt.Errorf("genesis message %d: %w", i, err)
		}
		if status, ok := pb.MessageStatus_value[gm.Status]; !ok || status == 0 {
			return fmt.Errorf("genesis message %s: unknown status %q", m.ItemHash, gm.Status)
		}
		if n := len(gm.FileChunkRoot); n != 0 && n != 32 {
			return fmt.Errorf("genesis message %s: a file chunk root of %d bytes, want 32", m.ItemHash, n)
		}
		if _, err := gm.contenders(m); err != nil {
			return err
		}
	}
	return nil
}

// contenders decodes gm's contenders of m: only a PENDING non-inline
// message has them, each with its item_hash and a sender of its own.
func (gm GenesisMessage) contenders(m *pb.AlephMessage) ([]*pb.AlephMessage, error) {
	if len(gm.Contenders) == 0 {
		return nil, nil
	}
	if gm.Status != pb.MessageStatus_MESSAGE_STATUS_PENDING.String() || Inline(m) {
		return nil, fmt.Errorf("genesis message %s: only a pending non-inline message has contenders, it is %s %s", m.ItemHash, m.ItemType, gm.Status)
	}
	senders := map[string]bool{ownerKey(m.Sender): true}
	out := make([]*pb.AlephMessage, 0, len(gm.Contenders))
	for i, raw := range gm.Contenders {
		c, err := FromJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("genesis message %s, contender %d: %w", m.ItemHash, i, err)
		}
		if c.ItemHash != m.ItemHash || Inline(c) || senders[ownerKey(c.Sender)] {
			return nil, fmt.Errorf("genesis message %s, contender %d: a contender is a non-inline message with the same item_hash from another sender (%s, %s, %s)", m.ItemHash, i, c.ItemHash, c.ItemType, c.Sender)
		}
		senders[ownerKey(c.Sender)] = true
		out = append(out, c)
	}
	return out, nil
}

// Init writes params and imported records, then rebuilds the indexes the
// records imply (amends, aggregates, files).
func (k Keeper) Init(kv state.KV, g Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	pj, _ := json.Marshal(g.Params)
	if err := kv.Set(paramsKey, pj); err != nil {
		return err
	}
	type aggKey struct{ owner, key string }
	aggs := map[aggKey]bool{}
	var live []*pb.MessageRecord
	for i, gm := range g.Messages {
		m, err := FromJSON(gm.Message)
		if err != nil {
			return fmt.Errorf("genesis message %d: %w", i, err)
		}
		status, ok := pb.MessageStatus_value[gm.Status]
		if !ok || status == 0 {
			return fmt.Errorf("genesis message %s: unknown status %q", m.ItemHash, gm.Status)
		}
		rec := &pb.MessageRecord{
			Message: m, Status: pb.MessageStatus(status), Height: gm.Height, TxIndex: gm.TxIndex,
			BlockTimeUnixNano: gm.BlockTimeUnixNano, Owner: gm.Owner, ContentTimeUnixNano: gm.ContentTimeUnixNano,
			ContentSize: gm.ContentSize, ForgottenBy: gm.ForgottenBy, Charge: gm.Charge,
			FileSize: gm.FileSize, Rejection: gm.Rejection, AttestDeadline: gm.AttestDeadline, FileHash: gm.FileHash,
			FileChunkRoot: gm.FileChunkRoot, FileDagBytes: gm.FileDagBytes,
		}
		if err := k.SaveMessage(kv, rec); err != nil {
			return err
		}
		if rec.Status == pb.MessageStatus_MESSAGE_STATUS_PENDING {
			if err := kv.Set(pendingKey(rec.AttestDeadline, m.ItemHash), present); err != nil {
				return err
			}
			if !Inline(m) {
				if err := countPending(kv, m.Sender, 1); err != nil {
					return err
				}
			}
			cs, err := gm.contenders(m)
			if err != nil {
				return err
			}
			for _, c := range cs {
				if err := countPending(kv, c.Sender, 1); err != nil {
					return err
				}
				if err := kv.Set(contenderKey(c.ItemHash, c.Sender), marshal(c)); err != nil {
					return err
				}
			}
		}
		if Live(rec.Status) {
			live = append(live, rec)
		}
	}
	// Indexes are rebuilt once every record is in: an amend counts only if
	// its post is live (a removed post's amends no longer amend anything),
	// and records come in item_hash order, not the chain's.
	for _, rec := range live {
		m := rec.Message
		c, err := ParseContent(m.Type, m.ItemContent)
		if err != nil {
			return fmt.Errorf("genesis message %s: %w", m.ItemHash, err)
		}
		switch {
		case m.Type == TypePost && c.PostType == AmendType:
			orig, err := k.GetMessage(kv, c.Ref)
			if err != nil {
				return err
			}
			if orig == nil || !Live(orig.Status) {
				continue
			}
			if err := kv.Set(amendKey(c.Ref, m.ItemHash), encodeHead(c.TimeNano, m.ItemHash)); err != nil {
				return err
			}
		case m.Type == TypeAggregate:
			if err := kv.Set(aggElementKey(c.Address, c.Key, c.TimeNano, m.ItemHash), present); err != nil {
				return err
			}
			aggs[aggKey{c.Address, c.Key}] = true
		case m.Type == TypeStore:
			if err := kv.Set(fileKey(c.FileHash, m.ItemHash), present); err != nil {
				return err
			}
		}
		if m.Type == TypePost && c.PostType == AmendType {
			if err := k.refreshHead(kv, c.Ref); err != nil {
				return err
			}
		}
	}
	keys := make([]aggKey, 0, len(aggs))
	for a := range aggs {
		keys = append(keys, a)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].owner != keys[j].owner {
			return keys[i].owner < keys[j].owner
		}
		return keys[i].key < keys[j].key
	})
	for _, a := range keys {
		if err := k.recomputeAggregate(kv, a.owner, a.key); err != nil {
			return err
		}
	}
	return nil
}

// Export reads params and every message record, in item_hash order.
func (k Keeper) Export(kv state.KV) (Genesis, error) {
	p, err := k.Params(kv)
	if err != nil {
		return Genesis{}, err
	}
	g := Genesis{Params: p, Messages: []GenesisMessage{}}
	err = k.EachRecord(kv, func(rec *pb.MessageRecord) error {
		gm := GenesisMessage{
			Message: ToJSON(rec.Message), Status: rec.Status.String(), Height: rec.Height, TxIndex: rec.TxIndex,
			BlockTimeUnixNano: rec.BlockTimeUnixNano, Owner: rec.Owner, ContentTimeUnixNano: rec.ContentTimeUnixNano,
			ContentSize: rec.ContentSize, ForgottenBy: rec.ForgottenBy, Charge: rec.Charge,
			FileSize: rec.FileSize, Rejection: rec.Rejection, AttestDeadline: rec.AttestDeadline, FileHash: rec.FileHash,
			FileChunkRoot: rec.FileChunkRoot, FileDagBytes: rec.FileDagBytes,
		}
		if rec.Status == pb.MessageStatus_MESSAGE_STATUS_PENDING && !Inline(rec.Message) {
			cs, err := k.Contenders(kv, rec.Message.ItemHash)
			if err != nil {
				return err
			}
			for _, c := range cs {
				gm.Contenders = append(gm.Contenders, ToJSON(c))
			}
		}
		g.Messages = append(g.Messages, gm)
		return nil
	})
	return g, err
}
