package resource

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// Genesis is this module's part of the genesis document: params, score
// windows and the challenges still open, so an export at any height
// imports to the same state.
type Genesis struct {
	Params     Params             `json:"params"`
	Windows    []GenesisWindow    `json:"windows"`
	Challenges []GenesisChallenge `json:"challenges"`
	// Members are the resource nodes assignments follow, with their
	// weights; Files the live files with their holders (FileAssignment in
	// protobuf JSON).
	Members []GenesisMember `json:"members"`
	Files   []GenesisFile   `json:"files"`
	// ZeroScores are the nodes whose score has closed at 0 in a row, with
	// how many epochs (toward zero_score_epochs).
	ZeroScores []GenesisZeroScore `json:"zero_scores"`
	// Slots are the liveness slots still open, with their nonces; Up the
	// slots of the current epoch nodes were seen up in (liveness.go).
	// Absent when none, so exports of chains without liveness are as
	// before.
	Slots []GenesisSlot `json:"slots,omitempty"`
	Up    []GenesisUp   `json:"up,omitempty"`
	// Exclusions are the nodes excluded from files after failing their
	// challenges (exclusions.go); absent when none.
	Exclusions []Exclusion `json:"exclusions,omitempty"`
}

// GenesisSlot is one open liveness slot and its nonce (hex).
type GenesisSlot struct {
	Epoch uint64 `json:"epoch"`
	Slot  uint32 `json:"slot"`
	Nonce string `json:"nonce"`
}

// GenesisUp is one slot a node was seen up in.
type GenesisUp struct {
	Epoch uint64 `json:"epoch"`
	Node  string `json:"node"`
	Slot  uint32 `json:"slot"`
}

// GenesisMember is one member and its weight (Weight of its capacity as
// of the last refresh).
type GenesisMember struct {
	Node   string `json:"node"`
	Weight uint64 `json:"weight"`
}

// GenesisZeroScore is one node's count of epochs closed at score 0.
type GenesisZeroScore struct {
	Node   string `json:"node"`
	Epochs uint64 `json:"epochs"`
}

// GenesisFile is one file's assignment.
type GenesisFile struct {
	Hash       string          `json:"hash"`
	Assignment json.RawMessage `json:"assignment"`
}

// GenesisWindow is one node's score window (ScoreWindow in protobuf JSON).
type GenesisWindow struct {
	Node   string          `json:"node"`
	Window json.RawMessage `json:"window"`
}

// GenesisChallenge is one open challenge (ChallengeRecord in protobuf
// JSON).
type GenesisChallenge struct {
	Epoch     uint64          `json:"epoch"`
	Node      string          `json:"node"`
	Slot      uint32          `json:"slot"`
	Challenge json.RawMessage `json:"challenge"`
}

// DefaultGenesis is off, with nothing in it.
func DefaultGenesis() Genesis {
	return Genesis{Params: DefaultParams(), Windows: []GenesisWindow{}, Challenges: []GenesisChallenge{}, Members: []GenesisMember{}, Files: []GenesisFile{}, ZeroScores: []GenesisZeroScore{}}
}

// Validate checks what can be checked without state.
func (g Genesis) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return fmt.Errorf("resource params: %w", err)
	}
	if !g.Params.Enabled && (len(g.Windows) > 0 || len(g.Challenges) > 0 || len(g.Members) > 0 || len(g.Files) > 0 || len(g.ZeroScores) > 0 || len(g.Slots) > 0 || len(g.Up) > 0 || len(g.Exclusions) > 0) {
		return errors.New("resource: state on a chain that does not enable the module")
	}
	for _, m := range g.Members {
		if m.Node == "" || m.Weight == 0 {
			return fmt.Errorf("resource: member %q of weight %d: a member needs a hash and a weight of at least 1", m.Node, m.Weight)
		}
	}
	for _, z := range g.ZeroScores {
		if z.Node == "" || z.Epochs == 0 {
			return fmt.Errorf("resource: zero score count %q of %d epochs: needs a node and at least 1", z.Node, z.Epochs)
		}
	}
	for _, sl := range g.Slots {
		if b, err := hex.DecodeString(sl.Nonce); err != nil || len(b) != sha256.Size {
			return fmt.Errorf("resource: slot %d/%d: the nonce must be 32 bytes in hex", sl.Epoch, sl.Slot)
		}
	}
	for _, e := range g.Exclusions {
		if e.File == "" || e.Node == "" {
			return fmt.Errorf("resource: exclusion of %q from %q: needs a node and a file", e.Node, e.File)
		}
	}
	for _, u := range g.Up {
		if u.Node == "" {
			return fmt.Errorf("resource: slot %d/%d up for no node", u.Epoch, u.Slot)
		}
	}
	for _, f := range g.Files {
		if err := protojson.Unmarshal(f.Assignment, new(pb.FileAssignment)); err != nil || f.Hash == "" {
			return fmt.Errorf("resource: assignment of %q: %v", f.Hash, err)
		}
	}
	for _, w := range g.Windows {
		if err := protojson.Unmarshal(w.Window, new(pb.ScoreWindow)); err != nil || w.Node == "" {
			return fmt.Errorf("resource: window of %q: %v", w.Node, err)
		}
	}
	for _, c := range g.Challenges {
		if err := protojson.Unmarshal(c.Challenge, new(pb.ChallengeRecord)); err != nil || c.Node == "" {
			return fmt.Errorf("resource: challenge %d/%q/%d: %v", c.Epoch, c.Node, c.Slot, err)
		}
	}
	return nil
}

// Init writes the module's genesis. Disabled, it writes nothing at all, so
// a chain's app hash is what it was before the module existed.
func (k *Keeper) Init(kv state.KV, g Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	k.params = g.Params
	if !g.Params.Enabled {
		return nil
	}
	if err := k.saveParams(kv, g.Params); err != nil {
		return err
	}
	for _, w := range g.Windows {
		win := new(pb.ScoreWindow)
		if err := protojson.Unmarshal(w.Window, win); err != nil {
			return err
		}
		if err := kv.Set(WindowKey(w.Node), marshal(win)); err != nil {
			return err
		}
	}
	for _, c := range g.Challenges {
		rec := new(pb.ChallengeRecord)
		if err := protojson.Unmarshal(c.Challenge, rec); err != nil {
			return err
		}
		if err := kv.Set(challengeKey(c.Epoch, c.Node, c.Slot), marshal(rec)); err != nil {
			return err
		}
	}
	for _, m := range g.Members {
		if err := kv.Set(memberKey(m.Node), uvarint(m.Weight)); err != nil {
			return err
		}
	}
	for _, z := range g.ZeroScores {
		if err := kv.Set(zeroKey(z.Node), uvarint(z.Epochs)); err != nil {
			return err
		}
	}
	for _, sl := range g.Slots {
		nonce, _ := hex.DecodeString(sl.Nonce) // checked by Validate
		if err := kv.Set(nonceKey(sl.Epoch, sl.Slot), nonce); err != nil {
			return err
		}
	}
	for _, u := range g.Up {
		if err := kv.Set(upKey(u.Epoch, u.Node, u.Slot), present); err != nil {
			return err
		}
	}
	for _, f := range g.Files {
		a := new(pb.FileAssignment)
		if err := protojson.Unmarshal(f.Assignment, a); err != nil {
			return err
		}
		nodes := a.Nodes
		a.Nodes = nil
		if err := k.setHolders(kv, f.Hash, a, nodes); err != nil {
			return err
		}
	}
	for _, e := range g.Exclusions {
		if err := k.setExclusion(kv, e); err != nil {
			return err
		}
	}
	return k.Invariants(kv)
}

// Export reads the module's state back as its genesis.
func (k *Keeper) Export(kv state.KV) (Genesis, error) {
	g := DefaultGenesis()
	g.Params = k.params
	var bad error
	prefix := []byte{ModulePrefix, prefixWindow}
	err := state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		nodeHash := r.String()
		w := new(pb.ScoreWindow)
		if bad = errors.Join(r.Err(), proto.Unmarshal(v, w)); bad != nil {
			return false
		}
		g.Windows = append(g.Windows, GenesisWindow{Node: nodeHash, Window: protoJSON(w)})
		return true
	})
	if err = errors.Join(err, bad); err != nil {
		return g, err
	}
	prefix = []byte{ModulePrefix, prefixChallenge}
	err = state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		epoch, nodeHash, slot := r.Uint64(), r.String(), r.Uint32()
		c := new(pb.ChallengeRecord)
		if bad = errors.Join(r.Err(), proto.Unmarshal(v, c)); bad != nil {
			return false
		}
		g.Challenges = append(g.Challenges, GenesisChallenge{Epoch: epoch, Node: nodeHash, Slot: slot, Challenge: protoJSON(c)})
		return true
	})
	if err = errors.Join(err, bad); err != nil {
		return g, err
	}
	members, err := k.Members(kv)
	if err != nil {
		return g, err
	}
	for _, m := range members {
		g.Members = append(g.Members, GenesisMember(m))
	}
	prefix = []byte{ModulePrefix, prefixZero}
	err = state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		z := GenesisZeroScore{Node: r.String()}
		var verr error
		z.Epochs, verr = readUvarint(v)
		if bad = errors.Join(r.Err(), verr); bad != nil {
			return false
		}
		g.ZeroScores = append(g.ZeroScores, z)
		return true
	})
	if err = errors.Join(err, bad); err != nil {
		return g, err
	}
	slots, err := k.openSlots(kv)
	if err != nil {
		return g, err
	}
	for _, o := range slots {
		g.Slots = append(g.Slots, GenesisSlot{Epoch: o.epoch, Slot: o.slot, Nonce: hex.EncodeToString(o.nonce)})
	}
	prefix = []byte{ModulePrefix, prefixUp}
	err = state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		u := GenesisUp{Epoch: r.Uint64(), Node: r.String(), Slot: r.Uint32()}
		if bad = r.Err(); bad != nil {
			return false
		}
		g.Up = append(g.Up, u)
		return true
	})
	if err = errors.Join(err, bad); err != nil {
		return g, err
	}
	prefix = []byte{ModulePrefix, prefixFile}
	err = state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		hash := r.String()
		a := new(pb.FileAssignment)
		if bad = errors.Join(r.Err(), proto.Unmarshal(v, a)); bad != nil {
			return false
		}
		g.Files = append(g.Files, GenesisFile{Hash: hash, Assignment: protoJSON(a)})
		return true
	})
	if err = errors.Join(err, bad); err != nil {
		return g, err
	}
	g.Exclusions, err = k.Exclusions(kv)
	return g, err
}

// protoJSON is m in protobuf JSON, compacted: protojson's own spacing is
// deliberately unstable.
func protoJSON(m proto.Message) json.RawMessage {
	b, err := protojson.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("resource: protojson %T: %v", m, err)) // records from state are valid
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		panic(err)
	}
	return out.Bytes()
}
