package resource

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
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

func (k *Keeper) record(kv state.KV, nodeHash string, t *pb.EpochTally) (*pb.ScoreWindow, error) {
	w, err := k.Window(kv, nodeHash)
	if err != nil {
		return nil, err
	}
	Record(w, t, uint64(k.params.ScoreWindowEpochs))
	return w, kv.Set(WindowKey(nodeHash), marshal(w))
}

// ZeroEpochs is how many epochs in a row a node's score has closed at 0.
func (k *Keeper) ZeroEpochs(kv state.KV, nodeHash string) (uint64, error) {
	b, err := kv.Get(zeroKey(nodeHash))
	if err != nil || b == nil {
		return 0, err
	}
	return readUvarint(b)
}

// judge follows a node's score after an epoch closed on it: a score of 0
// counts one more epoch in a row, and after zero_score_epochs of them the
// node is unlinked from its CCN (so it leaves the members at the next
// epoch and its files move); any other score ends the count. Only epochs
// that judged the node count (it was challenged, or later probed): a node
// with nothing to prove is not unlinked for it.
func (k *Keeper) judge(kv state.KV, nodeHash string, w *pb.ScoreWindow) error {
	if w.ScoreBps > 0 || k.params.ZeroScoreEpochs == 0 {
		return kv.Delete(zeroKey(nodeHash))
	}
	n, err := k.ZeroEpochs(kv, nodeHash)
	if err != nil {
		return err
	}
	if n+1 < uint64(k.params.ZeroScoreEpochs) {
		return kv.Set(zeroKey(nodeHash), uvarint(n+1))
	}
	if err := kv.Delete(zeroKey(nodeHash)); err != nil {
		return err
	}
	return k.nodes.Unlink(kv, nodeHash)
}

// Candidates are the resource nodes files may be assigned to: linked to an
// active CCN and with a registered signing key (details.pubkey), in hash
// order, each weighing its declared capacity (Weight), at most max_weight.
//
// A node without a key (registered the pyaleph way) could never prove a
// file (CheckSignature) nor answer a probe (VerifyProbe): as a member it
// would fail every challenge, hold replicas nobody proves, and be unlinked
// after zero_score_epochs. So it takes no part in storage duty (not
// assigned, challenged, probed nor judged; its score stays 0 for want of
// evidence) until its owner amends a key in, and it joins at the next
// refresh (the next epoch's start). A changed key keeps it a member: the
// next proof or answer is checked with the new key.
func (k *Keeper) Candidates(kv state.KV) ([]Candidate, error) {
	crns, err := k.nodes.ResourceCandidates(kv)
	if err != nil {
		return nil, err
	}
	out := make([]Candidate, 0, len(crns))
	for _, r := range crns {
		if len(r.Pubkey) == 0 {
			continue
		}
		out = append(out, Candidate{Node: r.Hash, Weight: CappedWeight(r.Capacity, k.params.MaxWeight)})
	}
	return out, nil
}

// CappedWeight is Weight(capacity), at most maxWeight (0: no cap). Capacity
// is declared, not proven: without a cap, a node declaring an absurd
// capacity would take one replica of nearly every file (and, failing
// them, leave them each one replica short until it is unlinked). With it,
// its share is at most maxWeight over the total.
func CappedWeight(capacity, maxWeight uint64) uint64 {
	w := Weight(capacity)
	if maxWeight > 0 {
		w = min(w, maxWeight)
	}
	return w
}

// GiB is a weight unit: a node's weight is its declared capacity in GiB.
const GiB = 1 << 30

// Weight is a node's assignment weight for its declared capacity: whole
// GiB, at least 1, so a node that declares none (or less than 1 GiB)
// weighs as 1 GiB and a node declaring 2 TiB takes 2,048 times its share.
// Capacity is declared, not proven: a node that overstates it takes more
// files, fails their challenges and loses its score (and its link, after
// zero_score_epochs).
func Weight(capacity uint64) uint64 { return max(capacity/GiB, 1) }
