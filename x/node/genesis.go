package node

import (
	"encoding/json"
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// Genesis is this module's part of the genesis document. Totals and
// shares are not in it: they follow from the stakes and the balances,
// and Init recomputes them.
type Genesis struct {
	Params Params `json:"params"`
	// Nodes are NodeRecords in protobuf's JSON form.
	Nodes  []json.RawMessage `json:"nodes"`
	Stakes []GenesisStake    `json:"stakes"`
}

// GenesisStake is what one address stakes on.
type GenesisStake struct {
	Staker string   `json:"staker"`
	Nodes  []string `json:"nodes"`
}

// DefaultGenesis has the default params and no node.
func DefaultGenesis() Genesis {
	return Genesis{Params: DefaultParams(), Nodes: []json.RawMessage{}, Stakes: []GenesisStake{}}
}

func decodeNodes(raw []json.RawMessage) ([]*pb.NodeRecord, error) {
	out := make([]*pb.NodeRecord, len(raw))
	for i, r := range raw {
		n := new(pb.NodeRecord)
		if err := protojson.Unmarshal(r, n); err != nil {
			return nil, fmt.Errorf("genesis node %d: %w", i, err)
		}
		if n.Hash == "" || n.Owner == "" || n.Kind == pb.NodeKind_NODE_KIND_UNSPECIFIED {
			return nil, fmt.Errorf("genesis node %d: hash, owner and kind are required", i)
		}
		out[i] = n
	}
	return out, nil
}

// Validate checks what can be checked without state.
func (g Genesis) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return fmt.Errorf("node params: %w", err)
	}
	_, err := decodeNodes(g.Nodes)
	return err
}

// Init writes params, nodes and stakes; it runs after x/balance, whose
// balances decide the shares. Links are taken from the CCNs' lists, and
// everything is then held to the same rules as the chain holds it (the
// invariants).
func (k *Keeper) Init(kv state.KV, g Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if err := k.saveParams(kv, g.Params); err != nil {
		return err
	}
	nodes, err := decodeNodes(g.Nodes)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		n.TotalStaked, n.Parent = nil, ""
		if err := k.saveNode(kv, n); err != nil {
			return err
		}
		kind, host := "crn", urlHost(n.Address)
		if n.Kind == pb.NodeKind_NODE_KIND_CORE {
			kind, host = "ccn", multiaddressHost(n.Multiaddress)
			if err := kv.Set(ownerKey(balance.Canonical(n.Owner)), []byte(n.Hash)); err != nil {
				return err
			}
			if len(n.ConsensusPubkey) > 0 {
				if err := kv.Set(consensusKey(ConsensusAddress(n.ConsensusPubkey)), []byte(n.Hash)); err != nil {
					return err
				}
			}
		}
		if host != "" {
			if err := kv.Set(hostKey(kind, host), []byte(n.Hash)); err != nil {
				return err
			}
		}
	}
	for _, n := range nodes {
		for _, h := range n.ResourceNodes {
			crn, err := k.Node(kv, h)
			if err != nil {
				return err
			}
			if crn == nil || crn.Kind != pb.NodeKind_NODE_KIND_RESOURCE {
				return fmt.Errorf("genesis node %s links %s, not a resource node", n.Hash, h)
			}
			crn.Parent = n.Hash
			if err := k.saveNode(kv, crn); err != nil {
				return err
			}
		}
	}
	for _, s := range g.Stakes {
		if err := k.setStakes(kv, balance.Canonical(s.Staker), slices.Clone(s.Nodes)); err != nil {
			return fmt.Errorf("genesis stakes of %s: %w", s.Staker, err)
		}
	}
	return k.Invariants(kv)
}

// Export reads the registry back as genesis.
func (k *Keeper) Export(kv state.KV) (Genesis, error) {
	g := DefaultGenesis()
	g.Params = k.params
	var bad error
	err := state.IteratePrefix(kv, []byte{ModulePrefix, prefixNode}, false, func(_, v []byte) bool {
		n := new(pb.NodeRecord)
		if bad = unmarshal(v, n); bad != nil {
			return false
		}
		var b []byte
		b, bad = protojson.Marshal(n)
		g.Nodes = append(g.Nodes, b)
		return bad == nil
	})
	if err != nil || bad != nil {
		return g, fmt.Errorf("export nodes: %w", errorsJoin(err, bad))
	}
	prefix := []byte{ModulePrefix, prefixStaker}
	err = state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		s := new(pb.StakerRecord)
		if bad = errorsJoin(r.Err(), unmarshal(v, s)); bad != nil {
			return false
		}
		g.Stakes = append(g.Stakes, GenesisStake{Staker: r.String(), Nodes: s.Nodes})
		return true
	})
	if err != nil || bad != nil {
		return g, fmt.Errorf("export stakes: %w", errorsJoin(err, bad))
	}
	return g, nil
}
