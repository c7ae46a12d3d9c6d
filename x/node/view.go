package node

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// Statuses, in nodestatus's words.
const (
	StatusActive  = "active"  // a CCN staked past activation
	StatusWaiting = "waiting" // a CCN below activation; a CRN not linked
	StatusLinked  = "linked"  // a CRN linked to a CCN
)

// CoreNodeView is a CCN as nodestatus's corechannel aggregate shows it.
// Amounts are ALEPH, as exact decimal numbers.
type CoreNodeView struct {
	Hash            string                 `json:"hash"`
	Owner           string                 `json:"owner"`
	Name            string                 `json:"name"`
	Multiaddress    string                 `json:"multiaddress"`
	Picture         string                 `json:"picture"`
	Banner          string                 `json:"banner"`
	Description     string                 `json:"description"`
	Reward          string                 `json:"reward"`
	Manager         string                 `json:"manager"`
	Locked          bool                   `json:"locked"`
	Authorized      []string               `json:"authorized"`
	RegistrationURL string                 `json:"registration_url"`
	Status          string                 `json:"status"`
	TotalStaked     json.Number            `json:"total_staked"`
	Stakers         map[string]json.Number `json:"stakers"`
	ResourceNodes   []string               `json:"resource_nodes"`
	ConsensusPubkey string                 `json:"consensus_pubkey,omitempty"`
	Jailed          bool                   `json:"jailed"`
	JailedUntil     int64                  `json:"jailed_until,omitempty"`
	Height          int64                  `json:"height"`
}

// ResourceNodeView is a CRN as nodestatus's corechannel aggregate shows it.
type ResourceNodeView struct {
	Hash               string   `json:"hash"`
	Owner              string   `json:"owner"`
	Name               string   `json:"name"`
	Type               string   `json:"type"`
	Address            string   `json:"address"`
	Picture            string   `json:"picture"`
	Banner             string   `json:"banner"`
	Description        string   `json:"description"`
	Reward             string   `json:"reward"`
	StreamReward       string   `json:"stream_reward"`
	Manager            string   `json:"manager"`
	Locked             bool     `json:"locked"`
	Authorized         []string `json:"authorized"`
	TermsAndConditions string   `json:"terms_and_conditions"`
	Parent             *string  `json:"parent"`
	Status             string   `json:"status"`
	Height             int64    `json:"height"`
	// Pubkey is its signing key (0x and 33 bytes compressed, in hex) and
	// Capacity its declared storage in bytes, if it named them.
	Pubkey   string `json:"pubkey,omitempty"`
	Capacity uint64 `json:"capacity,omitempty"`
	// Score and Multiplier are in [0, 1], as nodestatus's: the node's
	// storage-proof score (x/resource) and the reward multiplier it gives.
	// x/node has no scores; the app fills them on chains that keep them.
	Score      json.Number `json:"score,omitempty"`
	Multiplier json.Number `json:"multiplier,omitempty"`
}

// CoreChannel is the whole registry in the shape of nodestatus's
// `corechannel` aggregate: nodes and resource_nodes, in hash order.
type CoreChannel struct {
	Nodes         []CoreNodeView     `json:"nodes"`
	ResourceNodes []ResourceNodeView `json:"resource_nodes"`
}

// StakesView is what an address stakes.
type StakesView struct {
	Address string                 `json:"address"`
	Share   json.Number            `json:"share"`
	Stakes  map[string]json.Number `json:"stakes"`
}

func aleph(b []byte) json.Number { return json.Number(balance.Format(new(big.Int).SetBytes(b))) }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// View is one node's view: a CoreNodeView or a ResourceNodeView; nil if
// there is no such node.
func (k *Keeper) View(kv state.KV, hash string) (any, error) {
	n, err := k.Node(kv, hash)
	if err != nil || n == nil {
		return nil, err
	}
	return k.view(kv, n)
}

func (k *Keeper) view(kv state.KV, n *pb.NodeRecord) (any, error) {
	if n.Kind == pb.NodeKind_NODE_KIND_RESOURCE {
		v := ResourceNodeView{
			Hash: n.Hash, Owner: n.Owner, Name: n.Name, Type: n.Type, Address: n.Address, Picture: n.Picture, Banner: n.Banner,
			Description: n.Description, Reward: n.Reward, StreamReward: n.StreamReward, Manager: n.Manager, Locked: n.Locked,
			Authorized: nonNil(n.Authorized), TermsAndConditions: n.TermsAndConditions, Status: StatusWaiting, Height: n.Height,
		}
		if len(n.Pubkey) > 0 {
			v.Pubkey = "0x" + hex.EncodeToString(n.Pubkey)
		}
		v.Capacity = n.Capacity
		if n.Parent != "" {
			parent := n.Parent
			v.Parent, v.Status = &parent, StatusLinked
		}
		return v, nil
	}
	v := CoreNodeView{
		Hash: n.Hash, Owner: n.Owner, Name: n.Name, Multiaddress: n.Multiaddress, Picture: n.Picture, Banner: n.Banner,
		Description: n.Description, Reward: n.Reward, Manager: n.Manager, Locked: n.Locked, Authorized: nonNil(n.Authorized),
		RegistrationURL: n.RegistrationUrl, Status: StatusWaiting, TotalStaked: aleph(n.TotalStaked), Jailed: n.Jailed, JailedUntil: n.JailedUntil,
		Stakers: map[string]json.Number{}, ResourceNodes: nonNil(n.ResourceNodes), Height: n.Height,
	}
	if k.Active(n) {
		v.Status = StatusActive
	}
	if len(n.ConsensusPubkey) > 0 {
		v.ConsensusPubkey = base64.StdEncoding.EncodeToString(n.ConsensusPubkey)
	}
	stakers, err := k.Stakers(kv, n.Hash)
	if err != nil {
		return nil, err
	}
	for _, s := range stakers {
		rec, err := k.Stakes(kv, s)
		if err != nil {
			return nil, err
		}
		v.Stakers[s] = aleph(rec.GetShare())
	}
	return v, nil
}

// Registry is every node, in the corechannel aggregate's shape.
func (k *Keeper) Registry(kv state.KV) (CoreChannel, error) {
	out := CoreChannel{Nodes: []CoreNodeView{}, ResourceNodes: []ResourceNodeView{}}
	var nodes []*pb.NodeRecord
	var bad error
	err := state.IteratePrefix(kv, []byte{ModulePrefix, prefixNode}, false, func(_, v []byte) bool {
		n := new(pb.NodeRecord)
		if bad = unmarshal(v, n); bad != nil {
			return false
		}
		nodes = append(nodes, n)
		return true
	})
	if err != nil || bad != nil {
		return out, errorsJoin(err, bad)
	}
	for _, n := range nodes {
		v, err := k.view(kv, n)
		if err != nil {
			return out, err
		}
		switch v := v.(type) {
		case CoreNodeView:
			out.Nodes = append(out.Nodes, v)
		case ResourceNodeView:
			out.ResourceNodes = append(out.ResourceNodes, v)
		}
	}
	return out, nil
}

// StakesOf is what addr stakes, and on which CCNs.
func (k *Keeper) StakesOf(kv state.KV, addr string) (StakesView, error) {
	v := StakesView{Address: addr, Share: "0", Stakes: map[string]json.Number{}}
	s, err := k.Stakes(kv, addr)
	if err != nil || s == nil {
		return v, err
	}
	v.Share = aleph(s.Share)
	for _, h := range s.Nodes {
		v.Stakes[h] = v.Share
	}
	return v, nil
}
