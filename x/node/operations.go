package node

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"

	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/internal/jsonobj"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// Actions of `corechan-operation` POSTs.
const (
	ActionCreateNode         = "create-node"
	ActionCreateResourceNode = "create-resource-node"
	ActionLink               = "link"
	ActionUnlink             = "unlink"
	ActionStake              = "stake"
	ActionStakeSplit         = "stake-split"
	ActionUnstake            = "unstake"
	ActionDropNode           = "drop-node"
	ActionUnjail             = "unjail"
)

// Operation is one node operation: who acts, on what.
type Operation struct {
	// Hash is the POST's item_hash: a created node's hash.
	Hash string
	// Owner is content.address, who acts (the sender or its delegate).
	Owner string
	// Ref is the target node's hash.
	Ref     string
	Height  int64
	TxIndex uint32
	Action  string
	Details jsonobj.Object
}

// ParseOperation reads an operation from a POST's item_content (whose
// content.address is owner and ref is ref).
func ParseOperation(itemContent []byte, hash, owner, ref string, height int64, txIndex uint32) (*Operation, error) {
	post, err := jsonobj.Decode(itemContent)
	if err != nil {
		return nil, errs.Wrapf(ErrOperation, "item_content: %v", err)
	}
	content, err := jsonobj.Decode(post["content"])
	if err != nil {
		return nil, errs.Wrapf(ErrOperation, "content must be an object with an action: %v", err)
	}
	op := &Operation{Hash: hash, Owner: balance.Canonical(owner), Ref: ref, Height: height, TxIndex: txIndex, Details: jsonobj.Object{}}
	if err := content.Get("action", &op.Action); err != nil || op.Action == "" {
		return nil, errs.Wrapf(ErrOperation, "content.action must name the operation (create-node, stake, ...): %v", err)
	}
	if content.Has("details") {
		if op.Details, err = jsonobj.Decode(content["details"]); err != nil {
			return nil, errs.Wrapf(ErrOperation, "content.details must be an object: %v", err)
		}
	}
	return op, nil
}

// ParseAmend reads a node's edit: an `amend` POST whose ref is the node,
// with the new fields in content.details, as nodestatus reads it.
func ParseAmend(itemContent []byte, hash, owner, ref string, height int64, txIndex uint32) (*Operation, error) {
	post, err := jsonobj.Decode(itemContent)
	if err != nil {
		return nil, errs.Wrapf(ErrOperation, "item_content: %v", err)
	}
	content, err := jsonobj.Decode(post["content"])
	if err != nil {
		return nil, errs.Wrapf(ErrOperation, "content must be an object with details: %v", err)
	}
	op := &Operation{Hash: hash, Owner: balance.Canonical(owner), Ref: ref, Height: height, TxIndex: txIndex, Action: actionAmend, Details: jsonobj.Object{}}
	if content.Has("details") {
		if op.Details, err = jsonobj.Decode(content["details"]); err != nil {
			return nil, errs.Wrapf(ErrOperation, "content.details must be an object: %v", err)
		}
	}
	return op, nil
}

// actionAmend is an edit's action: amends are POSTs of type amend, not
// operations with an action of their own.
const actionAmend = "amend"

// IsNode reports whether hash names a registered node.
func (k *Keeper) IsNode(kv state.KV, hash string) (bool, error) {
	return kv.Has(NodeKey(hash))
}

// Apply carries out an operation in kv, or refuses it with a registered
// error (and the caller drops kv's writes).
func (k *Keeper) Apply(kv state.KV, op *Operation) error {
	switch op.Action {
	case ActionCreateNode:
		return k.createCoreNode(kv, op)
	case ActionCreateResourceNode:
		return k.createResourceNode(kv, op)
	case ActionLink:
		return k.link(kv, op)
	case ActionUnlink:
		return k.unlink(kv, op)
	case ActionStake, ActionStakeSplit:
		return k.stake(kv, op)
	case ActionUnstake:
		return k.unstake(kv, op)
	case ActionDropNode:
		return k.drop(kv, op)
	case ActionUnjail:
		return k.unjail(kv, op)
	case actionAmend:
		return k.amend(kv, op)
	}
	return errs.Wrapf(ErrOperation, "unknown action %q; known: create-node, create-resource-node, link, unlink, stake, stake-split, unstake, drop-node, unjail", op.Action)
}

// fields reads the node fields an operation's details may set.
func fields(op *Operation, n *pb.NodeRecord) error {
	strs := []struct {
		name string
		v    *string
	}{
		{"name", &n.Name}, {"multiaddress", &n.Multiaddress}, {"address", &n.Address}, {"type", &n.Type},
		{"picture", &n.Picture}, {"banner", &n.Banner}, {"description", &n.Description},
		{"reward", &n.Reward}, {"stream_reward", &n.StreamReward}, {"manager", &n.Manager},
		{"registration_url", &n.RegistrationUrl}, {"terms_and_conditions", &n.TermsAndConditions},
	}
	for _, f := range strs {
		if err := op.Details.Get(f.name, f.v); err != nil {
			return errs.Wrapf(ErrOperation, "details.%v", err)
		}
	}
	if err := op.Details.Get("locked", &n.Locked); err != nil {
		return errs.Wrapf(ErrOperation, "details.%v", err)
	}
	if err := op.Details.Get("authorized", &n.Authorized); err != nil {
		return errs.Wrapf(ErrOperation, "details.%v", err)
	}
	var key string
	if err := op.Details.Get("consensus_pubkey", &key); err != nil {
		return errs.Wrapf(ErrOperation, "details.%v", err)
	}
	if key != "" {
		pk, err := base64.StdEncoding.DecodeString(key)
		if err != nil || len(pk) != 32 {
			return errs.Wrapf(ErrOperation, "details.consensus_pubkey must be a base64 ed25519 key of 32 bytes, as priv_validator_key.json's pub_key.value")
		}
		n.ConsensusPubkey = pk
	}
	return nil
}

func (k *Keeper) createCoreNode(kv state.KV, op *Operation) error {
	have, err := k.CoreNodeOf(kv, op.Owner)
	if err != nil {
		return err
	}
	if have != "" {
		return errs.Wrapf(ErrHasNode, "%s already runs core channel node %s: one per address", op.Owner, have)
	}
	if err := k.needs(kv, op.Owner, k.params.NodeThreshold, "create a core channel node"); err != nil {
		return err
	}
	n := &pb.NodeRecord{Hash: op.Hash, Kind: pb.NodeKind_NODE_KIND_CORE, Owner: op.Owner, Height: op.Height, TxIndex: op.TxIndex, Reward: op.Owner, Manager: op.Owner}
	if err := fields(op, n); err != nil {
		return err
	}
	n.Address, n.Type, n.StreamReward, n.TermsAndConditions = "", "", "", ""
	if n.Multiaddress, err = k.claimHost(kv, "ccn", multiaddressHost(n.Multiaddress), n.Multiaddress, n.Hash); err != nil {
		return err
	}
	if err := k.claimConsensusKey(kv, n.Hash, n.ConsensusPubkey, nil); err != nil {
		return err
	}
	if err := k.saveNode(kv, n); err != nil {
		return err
	}
	if err := kv.Set(ownerKey(op.Owner), []byte(n.Hash)); err != nil {
		return err
	}
	// A CCN's owner cannot stake: creating one ends the owner's stakes.
	return k.setStakes(kv, op.Owner, nil)
}

func (k *Keeper) createResourceNode(kv state.KV, op *Operation) error {
	n := &pb.NodeRecord{Hash: op.Hash, Kind: pb.NodeKind_NODE_KIND_RESOURCE, Owner: op.Owner, Height: op.Height, TxIndex: op.TxIndex, Reward: op.Owner, Manager: op.Owner}
	if err := fields(op, n); err != nil {
		return err
	}
	if n.Type == "" {
		return errs.Wrapf(ErrOperation, "a resource node needs details.type (\"compute\")")
	}
	if err := resourceFields(op, n); err != nil {
		return err
	}
	n.Multiaddress, n.ConsensusPubkey, n.RegistrationUrl = "", nil, ""
	var err error
	if n.Address, err = k.claimHost(kv, "crn", urlHost(n.Address), n.Address, n.Hash); err != nil {
		return err
	}
	return k.saveNode(kv, n)
}

// claimConsensusKey indexes key (if any) to node hash in place of old (if
// any), refusing a key another node names: each validator needs its own.
func (k *Keeper) claimConsensusKey(kv state.KV, hash string, key, old []byte) error {
	if len(key) > 0 {
		holder, err := kv.Get(consensusKey(ConsensusAddress(key)))
		if err != nil {
			return err
		}
		if holder != nil {
			return errs.Wrapf(ErrOperation, "consensus key %s is node %s's already: each validator needs its own", base64.StdEncoding.EncodeToString(key), holder)
		}
	}
	if len(old) > 0 {
		if err := kv.Delete(consensusKey(ConsensusAddress(old))); err != nil {
			return err
		}
	}
	if len(key) == 0 {
		return nil
	}
	return kv.Set(consensusKey(ConsensusAddress(key)), []byte(hash))
}

// claimHost returns value if no other node holds host, and records that
// hash holds it; otherwise "" (nodestatus stores a duplicate as empty).
func (k *Keeper) claimHost(kv state.KV, kind, host, value, hash string) (string, error) {
	if host == "" {
		return value, nil
	}
	holder, err := kv.Get(hostKey(kind, host))
	if err != nil {
		return "", err
	}
	if holder != nil && string(holder) != hash {
		return "", nil
	}
	return value, kv.Set(hostKey(kind, host), []byte(hash))
}

func (k *Keeper) releaseHost(kv state.KV, kind, host, hash string) error {
	if host == "" {
		return nil
	}
	holder, err := kv.Get(hostKey(kind, host))
	if err != nil || string(holder) != hash {
		return err
	}
	return kv.Delete(hostKey(kind, host))
}

// multiaddressHost is the host of a multiaddress such as
// /ip4/1.2.3.4/tcp/4025/p2p/Qm…: its second part, lower-cased.
func multiaddressHost(ma string) string {
	parts := strings.Split(ma, "/")
	if len(parts) < 3 || parts[0] != "" {
		return strings.ToLower(ma)
	}
	return strings.ToLower(parts[2])
}

// urlHost is the host name of a resource node's URL, lower-cased.
func urlHost(address string) string {
	u, err := url.Parse(address)
	if err != nil || u.Hostname() == "" {
		return strings.ToLower(address)
	}
	return strings.ToLower(u.Hostname())
}

// needs refuses owner if it holds less than whole ALEPH.
func (k *Keeper) needs(kv state.KV, owner string, whole uint64, what string) error {
	bal, err := k.balances.Get(kv, owner)
	if err != nil {
		return err
	}
	if bal.Cmp(tokens(whole)) < 0 {
		return errs.Wrapf(ErrBalance, "%s holds %s ALEPH; to %s it needs %d", owner, balance.Format(bal), what, whole)
	}
	return nil
}

// target returns the node ref names, of the kind wanted.
func (k *Keeper) target(kv state.KV, op *Operation, kind pb.NodeKind) (*pb.NodeRecord, error) {
	if op.Ref == "" {
		return nil, errs.Wrapf(ErrOperation, "%s needs ref: the target node's hash", op.Action)
	}
	n, err := k.Node(kv, op.Ref)
	if err != nil {
		return nil, err
	}
	if n == nil || (kind != pb.NodeKind_NODE_KIND_UNSPECIFIED && n.Kind != kind) {
		what := "node"
		switch kind {
		case pb.NodeKind_NODE_KIND_CORE:
			what = "core channel node"
		case pb.NodeKind_NODE_KIND_RESOURCE:
			what = "resource node"
		}
		return nil, errs.Wrapf(ErrUnknownNode, "%s is not a registered %s", op.Ref, what)
	}
	return n, nil
}

func (k *Keeper) link(kv state.KV, op *Operation) error {
	crn, err := k.target(kv, op, pb.NodeKind_NODE_KIND_RESOURCE)
	if err != nil {
		return err
	}
	ccnHash, err := k.CoreNodeOf(kv, op.Owner)
	if err != nil {
		return err
	}
	if ccnHash == "" {
		return errs.Wrapf(ErrLink, "%s runs no core channel node to link %s to", op.Owner, crn.Hash)
	}
	ccn, err := k.Node(kv, ccnHash)
	if err != nil {
		return err
	}
	switch {
	case crn.Parent != "":
		return errs.Wrapf(ErrLink, "resource node %s is already linked to %s", crn.Hash, crn.Parent)
	case crn.Locked:
		return errs.Wrapf(ErrLink, "resource node %s is locked", crn.Hash)
	case uint32(len(ccn.ResourceNodes)) >= k.params.MaxLinkedResourceNodes:
		return errs.Wrapf(ErrLink, "core channel node %s already has %d linked resource nodes, the most allowed", ccn.Hash, len(ccn.ResourceNodes))
	}
	crn.Parent = ccn.Hash
	ccn.ResourceNodes = append(ccn.ResourceNodes, crn.Hash)
	if err := k.saveNode(kv, crn); err != nil {
		return err
	}
	return k.saveNode(kv, ccn)
}

func (k *Keeper) unlink(kv state.KV, op *Operation) error {
	crn, err := k.target(kv, op, pb.NodeKind_NODE_KIND_RESOURCE)
	if err != nil {
		return err
	}
	if crn.Parent == "" {
		return errs.Wrapf(ErrLink, "resource node %s is not linked", crn.Hash)
	}
	parent, err := k.Node(kv, crn.Parent)
	if err != nil {
		return err
	}
	if balance.Canonical(crn.Owner) != op.Owner && (parent == nil || balance.Canonical(parent.Owner) != op.Owner) {
		return errs.Wrapf(ErrNotOwner, "%s owns neither resource node %s nor its core channel node %s", op.Owner, crn.Hash, crn.Parent)
	}
	return k.detach(kv, crn)
}

// detach unlinks a CRN from its parent.
func (k *Keeper) detach(kv state.KV, crn *pb.NodeRecord) error {
	parent, err := k.Node(kv, crn.Parent)
	if err != nil {
		return err
	}
	if parent != nil {
		parent.ResourceNodes = slices.DeleteFunc(parent.ResourceNodes, func(h string) bool { return h == crn.Hash })
		if err := k.saveNode(kv, parent); err != nil {
			return err
		}
	}
	crn.Parent = ""
	return k.saveNode(kv, crn)
}

func (k *Keeper) stake(kv state.KV, op *Operation) error {
	ccn, err := k.target(kv, op, pb.NodeKind_NODE_KIND_CORE)
	if err != nil {
		return err
	}
	own, err := k.CoreNodeOf(kv, op.Owner)
	if err != nil {
		return err
	}
	if own != "" {
		return errs.Wrapf(ErrStake, "%s runs core channel node %s, and a node's owner cannot stake", op.Owner, own)
	}
	if err := k.needs(kv, op.Owner, k.params.StakingThreshold, "stake"); err != nil {
		return err
	}
	if ccn.Locked && !slices.ContainsFunc(ccn.Authorized, func(a string) bool { return balance.Canonical(a) == op.Owner }) {
		return errs.Wrapf(ErrStake, "core channel node %s is locked, and %s is not among those it authorizes", ccn.Hash, op.Owner)
	}
	if op.Action == ActionStake { // replaces every stake with this one
		return k.setStakes(kv, op.Owner, []string{ccn.Hash})
	}
	s, err := k.Stakes(kv, op.Owner)
	if err != nil {
		return err
	}
	if slices.Contains(s.GetNodes(), ccn.Hash) {
		return errs.Wrapf(ErrStake, "%s already stakes on %s", op.Owner, ccn.Hash)
	}
	return k.setStakes(kv, op.Owner, append(slices.Clone(s.GetNodes()), ccn.Hash))
}

func (k *Keeper) unstake(kv state.KV, op *Operation) error {
	if op.Ref == "" {
		return errs.Wrapf(ErrOperation, "unstake needs ref: the core channel node's hash")
	}
	s, err := k.Stakes(kv, op.Owner)
	if err != nil {
		return err
	}
	if !slices.Contains(s.GetNodes(), op.Ref) {
		return errs.Wrapf(ErrUnknownStake, "%s does not stake on %s", op.Owner, op.Ref)
	}
	return k.setStakes(kv, op.Owner, slices.DeleteFunc(slices.Clone(s.Nodes), func(h string) bool { return h == op.Ref }))
}

func (k *Keeper) drop(kv state.KV, op *Operation) error {
	n, err := k.target(kv, op, pb.NodeKind_NODE_KIND_UNSPECIFIED)
	if err != nil {
		return err
	}
	if balance.Canonical(n.Owner) != op.Owner {
		return errs.Wrapf(ErrNotOwner, "%s does not own node %s", op.Owner, n.Hash)
	}
	if n.Kind == pb.NodeKind_NODE_KIND_CORE {
		return k.removeCoreNode(kv, n.Hash)
	}
	return k.removeResourceNode(kv, n)
}

// removeCoreNode deletes a CCN: its stakers' stakes on it end (their
// balance re-split over their other nodes), its CRNs are unlinked.
func (k *Keeper) removeCoreNode(kv state.KV, hash string) error {
	stakers, err := k.Stakers(kv, hash)
	if err != nil {
		return err
	}
	for _, staker := range stakers {
		s, err := k.Stakes(kv, staker)
		if err != nil {
			return err
		}
		if err := k.setStakes(kv, staker, slices.DeleteFunc(slices.Clone(s.GetNodes()), func(h string) bool { return h == hash })); err != nil {
			return err
		}
	}
	n, err := k.Node(kv, hash)
	if err != nil {
		return err
	}
	for _, h := range n.ResourceNodes {
		crn, err := k.Node(kv, h)
		if err != nil {
			return err
		}
		crn.Parent = ""
		if err := k.saveNode(kv, crn); err != nil {
			return err
		}
	}
	if err := k.releaseHost(kv, "ccn", multiaddressHost(n.Multiaddress), hash); err != nil {
		return err
	}
	if len(n.ConsensusPubkey) > 0 {
		if err := kv.Delete(consensusKey(ConsensusAddress(n.ConsensusPubkey))); err != nil {
			return err
		}
	}
	if err := kv.Delete(livenessKey(hash)); err != nil {
		return err
	}
	if err := kv.Delete(ownerKey(balance.Canonical(n.Owner))); err != nil {
		return err
	}
	return kv.Delete(NodeKey(hash))
}

func (k *Keeper) removeResourceNode(kv state.KV, n *pb.NodeRecord) error {
	if n.Parent != "" {
		if err := k.detach(kv, n); err != nil {
			return err
		}
	}
	if err := k.releaseHost(kv, "crn", urlHost(n.Address), n.Hash); err != nil {
		return err
	}
	return kv.Delete(NodeKey(n.Hash))
}

// amend edits a node's fields, at its owner's or manager's request. A
// field left out of details keeps its value. A new multiaddress or URL
// host is claimed as at creation (a taken one is stored empty); a new
// consensus key must be no other node's.
func (k *Keeper) amend(kv state.KV, op *Operation) error {
	n, err := k.target(kv, op, pb.NodeKind_NODE_KIND_UNSPECIFIED)
	if err != nil {
		return err
	}
	if balance.Canonical(n.Owner) != op.Owner && balance.Canonical(n.Manager) != op.Owner {
		return errs.Wrapf(ErrNotOwner, "%s is neither the owner nor the manager of node %s", op.Owner, n.Hash)
	}
	oldMultiaddress, oldAddress, oldKey := n.Multiaddress, n.Address, n.ConsensusPubkey
	kind := n.Kind
	if err := fields(op, n); err != nil {
		return err
	}
	n.Kind = kind
	if n.Kind == pb.NodeKind_NODE_KIND_RESOURCE {
		n.Multiaddress, n.ConsensusPubkey, n.RegistrationUrl = "", nil, ""
		if err := resourceFields(op, n); err != nil {
			return err
		}
		if op.Details.Has("address") && n.Address != oldAddress {
			if err := k.releaseHost(kv, "crn", urlHost(oldAddress), n.Hash); err != nil {
				return err
			}
			if n.Address, err = k.claimHost(kv, "crn", urlHost(n.Address), n.Address, n.Hash); err != nil {
				return err
			}
		}
		return k.saveNode(kv, n)
	}
	n.Address, n.Type, n.StreamReward, n.TermsAndConditions = "", "", "", ""
	if op.Details.Has("multiaddress") && n.Multiaddress != oldMultiaddress {
		if err := k.releaseHost(kv, "ccn", multiaddressHost(oldMultiaddress), n.Hash); err != nil {
			return err
		}
		if n.Multiaddress, err = k.claimHost(kv, "ccn", multiaddressHost(n.Multiaddress), n.Multiaddress, n.Hash); err != nil {
			return err
		}
	}
	if !bytes.Equal(n.ConsensusPubkey, oldKey) {
		if err := k.claimConsensusKey(kv, n.Hash, n.ConsensusPubkey, oldKey); err != nil {
			return err
		}
		// A new key starts a new downtime window.
		if err := kv.Delete(livenessKey(n.Hash)); err != nil {
			return err
		}
	}
	return k.saveNode(kv, n)
}
