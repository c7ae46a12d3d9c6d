package node

import (
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

func unmarshal(b []byte, m proto.Message) error { return proto.Unmarshal(b, m) }

func errorsJoin(errs ...error) error { return errors.Join(errs...) }

// Invariants checks the registry against itself and the balances:
//   - a staker's share is floor(balance / its nodes), it holds at least the
//     staking threshold, owns no CCN, and stakes only registered CCNs, once
//     each, each listing it;
//   - a CCN's total is the sum of its stakers' shares; its owner holds at
//     least the node threshold and owns no other; it links at most the
//     maximum, each CRN naming it as parent;
//   - a linked CRN's parent lists it.
func (k *Keeper) Invariants(kv state.KV) error {
	totals := map[string]*big.Int{}
	prefix := []byte{ModulePrefix, prefixStaker}
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		staker := r.String()
		s := new(pb.StakerRecord)
		if bad = errors.Join(r.Err(), unmarshal(v, s)); bad != nil {
			return false
		}
		bad = k.checkStaker(kv, staker, s, totals)
		return bad == nil
	})
	if err != nil || bad != nil {
		return errors.Join(err, bad)
	}
	err = state.IteratePrefix(kv, []byte{ModulePrefix, prefixNode}, false, func(_, v []byte) bool {
		n := new(pb.NodeRecord)
		if bad = unmarshal(v, n); bad != nil {
			return false
		}
		bad = k.checkNode(kv, n, totals)
		return bad == nil
	})
	return errors.Join(err, bad)
}

func (k *Keeper) checkStaker(kv state.KV, staker string, s *pb.StakerRecord, totals map[string]*big.Int) error {
	bal, err := k.balances.Get(kv, staker)
	if err != nil {
		return err
	}
	switch {
	case len(s.Nodes) == 0:
		return fmt.Errorf("staker %s has a record with no node", staker)
	case bal.Cmp(tokens(k.params.StakingThreshold)) < 0:
		return fmt.Errorf("staker %s holds %s ALEPH, below the staking threshold", staker, balance.Format(bal))
	case new(big.Int).Quo(bal, big.NewInt(int64(len(s.Nodes)))).Cmp(amountOf(s.Share)) != 0:
		return fmt.Errorf("staker %s: share %s is not its balance %s over %d nodes", staker, amountOf(s.Share), bal, len(s.Nodes))
	}
	if own, err := k.CoreNodeOf(kv, staker); err != nil || own != "" {
		return errors.Join(err, fmt.Errorf("staker %s owns core channel node %s", staker, own))
	}
	for i, h := range s.Nodes {
		if slices.Contains(s.Nodes[:i], h) {
			return fmt.Errorf("staker %s lists %s twice", staker, h)
		}
		n, err := k.Node(kv, h)
		if err != nil {
			return err
		}
		if n == nil || n.Kind != pb.NodeKind_NODE_KIND_CORE {
			return fmt.Errorf("staker %s stakes on %s, not a core channel node", staker, h)
		}
		if ok, err := kv.Has(nodeStakerKey(h, staker)); err != nil || !ok {
			return errors.Join(err, fmt.Errorf("node %s does not list its staker %s", h, staker))
		}
		if totals[h] == nil {
			totals[h] = new(big.Int)
		}
		totals[h].Add(totals[h], amountOf(s.Share))
	}
	return nil
}

func (k *Keeper) checkNode(kv state.KV, n *pb.NodeRecord, totals map[string]*big.Int) error {
	if n.Kind == pb.NodeKind_NODE_KIND_RESOURCE {
		if len(n.Pubkey) > 0 {
			if _, err := crypto.DecompressPubkey(n.Pubkey); err != nil || len(n.Pubkey) != 33 {
				return fmt.Errorf("resource node %s: pubkey is not a 33-byte compressed secp256k1 key", n.Hash)
			}
		}
		if n.Parent == "" {
			return nil
		}
		p, err := k.Node(kv, n.Parent)
		if err != nil {
			return err
		}
		if p == nil || !slices.Contains(p.ResourceNodes, n.Hash) {
			return fmt.Errorf("resource node %s names parent %s, which does not list it", n.Hash, n.Parent)
		}
		return nil
	}
	if len(n.Pubkey) > 0 || n.Capacity != 0 {
		return fmt.Errorf("core channel node %s has a resource node's pubkey or capacity", n.Hash)
	}
	want := totals[n.Hash]
	if want == nil {
		want = new(big.Int)
	}
	if want.Cmp(amountOf(n.TotalStaked)) != 0 {
		return fmt.Errorf("core channel node %s: total staked %s, its stakers' shares sum to %s", n.Hash, amountOf(n.TotalStaked), want)
	}
	stakers, err := k.Stakers(kv, n.Hash)
	if err != nil {
		return err
	}
	for _, s := range stakers {
		rec, err := k.Stakes(kv, s)
		if err != nil {
			return err
		}
		if !slices.Contains(rec.GetNodes(), n.Hash) {
			return fmt.Errorf("core channel node %s lists staker %s, who does not stake on it", n.Hash, s)
		}
	}
	if len(n.ConsensusPubkey) > 0 {
		holder, err := kv.Get(consensusKey(ConsensusAddress(n.ConsensusPubkey)))
		if err != nil || string(holder) != n.Hash {
			return errors.Join(err, fmt.Errorf("core channel node %s: its consensus key is indexed to %q", n.Hash, holder))
		}
	}
	owner := balance.Canonical(n.Owner)
	if own, err := k.CoreNodeOf(kv, owner); err != nil || own != n.Hash {
		return errors.Join(err, fmt.Errorf("core channel node %s: its owner %s is indexed to %q", n.Hash, owner, own))
	}
	bal, err := k.balances.Get(kv, owner)
	if err != nil {
		return err
	}
	if bal.Cmp(tokens(k.params.NodeThreshold)) < 0 {
		return fmt.Errorf("core channel node %s: its owner holds %s ALEPH, below the node threshold", n.Hash, balance.Format(bal))
	}
	if uint32(len(n.ResourceNodes)) > k.params.MaxLinkedResourceNodes {
		return fmt.Errorf("core channel node %s links %d resource nodes, more than %d", n.Hash, len(n.ResourceNodes), k.params.MaxLinkedResourceNodes)
	}
	for _, h := range n.ResourceNodes {
		crn, err := k.Node(kv, h)
		if err != nil {
			return err
		}
		if crn == nil || crn.Parent != n.Hash {
			return fmt.Errorf("core channel node %s lists resource node %s, which does not name it as parent", n.Hash, h)
		}
	}
	return nil
}
