package resource

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/node"
)

// Keeper owns the challenges and scores. It caches the params, which
// change only at genesis.
type Keeper struct {
	nodes    NodeKeeper
	messages MessageKeeper
	params   Params
}

// NewKeeper returns a keeper over the registry resource nodes come from
// and the messages whose files they hold.
func NewKeeper(nodes NodeKeeper, messages MessageKeeper) *Keeper {
	return &Keeper{nodes: nodes, messages: messages, params: DefaultParams()}
}

// Params returns the cached params.
func (k *Keeper) Params() Params { return k.params }

// LoadParams reads the params; a chain whose state has none never enabled
// the module and keeps the (disabled) defaults.
func (k *Keeper) LoadParams(kv state.KV) error {
	b, err := kv.Get(paramsKey)
	if err != nil {
		return err
	}
	if b == nil {
		k.params = DefaultParams()
		return nil
	}
	return state.GetParams(kv, paramsKey, Codespace, &k.params)
}

func (k *Keeper) saveParams(kv state.KV, p Params) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	k.params = p
	return kv.Set(paramsKey, b)
}

func marshal(m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil { // only for invalid UTF-8 in strings, which come from state
		panic(fmt.Sprintf("resource: encode %T: %v", m, err))
	}
	return b
}

// Window returns a node's score window (empty if it has none).
func (k *Keeper) Window(kv state.KV, nodeHash string) (*pb.ScoreWindow, error) {
	w := new(pb.ScoreWindow)
	b, err := kv.Get(WindowKey(nodeHash))
	if err != nil || b == nil {
		return w, err
	}
	if err := proto.Unmarshal(b, w); err != nil {
		return nil, fmt.Errorf("decode score window of %s: %w", nodeHash, err)
	}
	return w, nil
}

func (k *Keeper) record(kv state.KV, nodeHash string, t *pb.EpochTally) error {
	w, err := k.Window(kv, nodeHash)
	if err != nil {
		return err
	}
	Record(w, t, uint64(k.params.ScoreWindowEpochs))
	return kv.Set(WindowKey(nodeHash), marshal(w))
}

// Candidates are the resource nodes files may be assigned to: linked to an
// active CCN, in hash order, each of weight 1 (the registry declares no
// capacity yet).
func (k *Keeper) Candidates(kv state.KV) ([]Candidate, error) {
	reg, err := k.nodes.Registry(kv)
	if err != nil {
		return nil, err
	}
	active := map[string]bool{}
	for _, c := range reg.Nodes {
		active[c.Hash] = c.Status == node.StatusActive
	}
	var out []Candidate
	for _, r := range reg.ResourceNodes { // in hash order
		if r.Parent != nil && active[*r.Parent] {
			out = append(out, Candidate{Node: r.Hash, Weight: 1})
		}
	}
	return out, nil
}
