package node

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// Keeper owns the registry. It caches the params, which change only at
// genesis.
type Keeper struct {
	balances BalanceKeeper
	params   Params
}

// NewKeeper returns a keeper over the balances stakes follow.
func NewKeeper(balances BalanceKeeper) *Keeper { return &Keeper{balances: balances} }

// Params returns the cached params.
func (k *Keeper) Params() Params { return k.params }

// LoadParams reads the params of a chain that has state.
func (k *Keeper) LoadParams(kv state.KV) error {
	return state.GetParams(kv, paramsKey, "node", &k.params)
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
	if err != nil { // only for invalid UTF-8, which operations are checked for
		panic(fmt.Sprintf("node: encode %T: %v", m, err))
	}
	return b
}

// Node returns the node named hash, or nil.
func (k *Keeper) Node(kv state.KV, hash string) (*pb.NodeRecord, error) {
	b, err := kv.Get(NodeKey(hash))
	if err != nil || b == nil {
		return nil, err
	}
	n := new(pb.NodeRecord)
	if err := proto.Unmarshal(b, n); err != nil {
		return nil, fmt.Errorf("decode node %s: %w", hash, err)
	}
	return n, nil
}

func (k *Keeper) saveNode(kv state.KV, n *pb.NodeRecord) error {
	return kv.Set(NodeKey(n.Hash), marshal(n))
}

// CoreNodeOf returns the hash of owner's CCN, or "".
func (k *Keeper) CoreNodeOf(kv state.KV, owner string) (string, error) {
	b, err := kv.Get(ownerKey(balance.Canonical(owner)))
	return string(b), err
}

// Stakes returns what staker stakes (nil: nothing).
func (k *Keeper) Stakes(kv state.KV, staker string) (*pb.StakerRecord, error) {
	b, err := kv.Get(stakerKey(balance.Canonical(staker)))
	if err != nil || b == nil {
		return nil, err
	}
	s := new(pb.StakerRecord)
	if err := proto.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("decode stakes of %s: %w", staker, err)
	}
	return s, nil
}

// Stakers lists a CCN's stakers, in address order.
func (k *Keeper) Stakers(kv state.KV, node string) ([]string, error) {
	prefix := nodeStakersPrefix(node)
	var out []string
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		out = append(out, r.String())
		bad = r.Err()
		return bad == nil
	})
	if err == nil {
		err = bad
	}
	return out, err
}

func amountOf(b []byte) *big.Int { return new(big.Int).SetBytes(b) }

// setStakes makes staker stake exactly on nodes (nil: nothing), each with
// floor(balance / len(nodes)), and moves the nodes' totals by the
// difference. Every change of what an address stakes, or of its balance,
// goes through here.
func (k *Keeper) setStakes(kv state.KV, staker string, nodes []string) error {
	old, err := k.Stakes(kv, staker)
	if err != nil {
		return err
	}
	share := new(big.Int)
	if len(nodes) > 0 {
		bal, err := k.balances.Get(kv, staker)
		if err != nil {
			return err
		}
		share.Quo(bal, big.NewInt(int64(len(nodes))))
	}
	for _, h := range old.GetNodes() {
		if err := k.addToTotal(kv, h, new(big.Int).Neg(amountOf(old.GetShare()))); err != nil {
			return err
		}
		if err := kv.Delete(nodeStakerKey(h, staker)); err != nil {
			return err
		}
	}
	for _, h := range nodes {
		if err := k.addToTotal(kv, h, share); err != nil {
			return err
		}
		if err := kv.Set(nodeStakerKey(h, staker), present); err != nil {
			return err
		}
	}
	if len(nodes) == 0 {
		return kv.Delete(stakerKey(staker))
	}
	return kv.Set(stakerKey(staker), marshal(&pb.StakerRecord{Nodes: slices.Clone(nodes), Share: share.Bytes()}))
}

func (k *Keeper) addToTotal(kv state.KV, hash string, delta *big.Int) error {
	n, err := k.Node(kv, hash)
	if err != nil {
		return err
	}
	if n == nil {
		return fmt.Errorf("stake on %s, which is not registered", hash)
	}
	total := new(big.Int).Add(amountOf(n.TotalStaked), delta)
	if total.Sign() < 0 {
		return fmt.Errorf("the total stake of %s would fall below zero", hash)
	}
	n.TotalStaked = total.Bytes()
	return k.saveNode(kv, n)
}

// Active reports whether a CCN's stake has reached activation.
func (k *Keeper) Active(n *pb.NodeRecord) bool {
	return n.Kind == pb.NodeKind_NODE_KIND_CORE && amountOf(n.TotalStaked).Cmp(tokens(k.params.ActivationThreshold)) >= 0
}

// BalanceChanged applies what addr's new balance means for the registry:
// an owner below the node threshold loses its CCN; a staker below the
// staking threshold loses every stake; other stakers' shares are re-split.
func (k *Keeper) BalanceChanged(kv state.KV, addr string) error {
	addr = balance.Canonical(addr)
	bal, err := k.balances.Get(kv, addr)
	if err != nil {
		return err
	}
	ccn, err := k.CoreNodeOf(kv, addr)
	if err != nil {
		return err
	}
	if ccn != "" && bal.Cmp(tokens(k.params.NodeThreshold)) < 0 {
		if err := k.removeCoreNode(kv, ccn); err != nil {
			return err
		}
	}
	s, err := k.Stakes(kv, addr)
	if err != nil || s == nil {
		return err
	}
	if bal.Cmp(tokens(k.params.StakingThreshold)) < 0 {
		return k.setStakes(kv, addr, nil)
	}
	return k.setStakes(kv, addr, s.Nodes)
}
