package node_test

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"

	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/x/node"
)

// The naive model of TestModel: the rules as aleph-nodestatus states them,
// over plain maps. It shares no code with x/node (only the names of the
// actions and of the errors it expects), keeps nothing derived, and
// settles every balance from scratch after each step.

// The model's params: small, so that random balances cross every
// threshold (as simulation/sim.go scales them).
const (
	modelNodeThreshold    = 40
	modelStakingThreshold = 10
	modelActivation       = 100
	modelMaxLinked        = 2
	modelMaxValidators    = 2
	modelEpochBlocks      = 5
	modelAccounts         = 8
)

var wei = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

func whole(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), wei) }

// decimal renders wei as the decimal ALEPH a balances-update carries.
func decimal(w *big.Int) string {
	q, r := new(big.Int).QuoRem(w, wei, new(big.Int))
	return fmt.Sprintf("%s.%018s", q.String(), r.String())
}

// modelNode is one node as the model keeps it.
type modelNode struct {
	core       bool
	owner      string
	parent     string
	crns       []string
	locked     bool
	authorized []string // as sent
	key        []byte
	host       string // the host it holds; "" if it holds none
	address    string // as stored: "" if its host was taken
}

// model is the registry as the rules describe it, with nothing derived
// kept: shares, totals, owners and host claims are computed on demand.
type model struct {
	balances map[string]*big.Int // by id, in wei
	nodes    map[string]*modelNode
	stakes   map[string][]string // staker id -> CCN hashes, in the order staked
	// appSet is the validator set the app keeps: the genesis one until an
	// epoch's end finds a non-empty set.
	appSet []string
	// seen counts the cases the history reached, so that a history that
	// never reaches a rule's edge does not pass for testing it.
	seen map[string]int
}

func (m *model) balance(id string) *big.Int {
	if b := m.balances[id]; b != nil {
		return b
	}
	return new(big.Int)
}

func (m *model) hashes() []string {
	out := make([]string, 0, len(m.nodes))
	for h := range m.nodes {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// ccnOf is the CCN id owns, or "".
func (m *model) ccnOf(id string) string {
	for _, h := range m.hashes() {
		if n := m.nodes[h]; n.core && n.owner == id {
			return h
		}
	}
	return ""
}

func (m *model) share(id string) *big.Int {
	nodes := m.stakes[id]
	if len(nodes) == 0 {
		return new(big.Int)
	}
	return new(big.Int).Quo(m.balance(id), big.NewInt(int64(len(nodes))))
}

func (m *model) stakers(hash string) []string {
	var out []string
	for id, nodes := range m.stakes {
		if slices.Contains(nodes, hash) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func (m *model) total(hash string) *big.Int {
	sum := new(big.Int)
	for id, nodes := range m.stakes {
		if slices.Contains(nodes, hash) {
			sum.Add(sum, m.share(id))
		}
	}
	return sum
}

func (m *model) hostTaken(core bool, host string) bool {
	for _, n := range m.nodes {
		if n.core == core && n.host == host {
			return true
		}
	}
	return false
}

func (m *model) keyTaken(key []byte) bool {
	for _, n := range m.nodes {
		if n.core && string(n.key) == string(key) {
			return true
		}
	}
	return false
}

// removeCCN deletes a CCN: its stakers stop staking it, its CRNs are
// unlinked.
func (m *model) removeCCN(hash string) {
	for id, nodes := range m.stakes {
		m.stakes[id] = slices.DeleteFunc(nodes, func(h string) bool { return h == hash })
	}
	for _, h := range m.nodes[hash].crns {
		m.nodes[h].parent = ""
	}
	delete(m.nodes, hash)
}

// settle applies the balances from scratch: an owner below the node
// threshold loses its CCN, a staker below the staking threshold (or with
// nothing left to stake) stakes nothing.
func (m *model) settle() {
	for _, h := range m.hashes() {
		if n := m.nodes[h]; n.core && m.balance(n.owner).Cmp(whole(modelNodeThreshold)) < 0 {
			m.seen["a CCN lost to its owner's balance"]++
			if len(n.crns) > 0 && len(m.stakers(h)) > 0 {
				m.seen["a linked, staked CCN lost to its owner's balance"]++
			}
			m.removeCCN(h)
		}
	}
	for id, nodes := range m.stakes {
		if len(nodes) == 0 || m.balance(id).Cmp(whole(modelStakingThreshold)) < 0 {
			if len(nodes) > 0 {
				m.seen["stakes lost to the staker's balance"]++
			}
			delete(m.stakes, id)
		} else if new(big.Int).Rem(m.balance(id), big.NewInt(int64(len(nodes)))).Sign() != 0 {
			m.seen["a split that leaves a remainder"]++
		}
	}
}

// modelOp is one corechan-operation, with what the model needs of it.
type modelOp struct {
	who    int
	action string
	ref    string
	hash   string // the POST's item_hash: a created node's
	// Creations' details.
	key        []byte
	host, addr string // the host claimed, the multiaddress or URL sent
	typ        string
	locked     bool
	authorized []string
}

// apply is the model's verdict on op by id, and its effect if accepted,
// settled from scratch.
func (m *model) apply(op *modelOp, id string) *errs.Error {
	err := m.rule(op, id)
	if err == nil {
		m.settle()
	}
	return err
}

func (m *model) rule(op *modelOp, id string) *errs.Error {
	switch op.action {
	case node.ActionCreateNode:
		switch {
		case m.ccnOf(id) != "":
			return node.ErrHasNode
		case m.balance(id).Cmp(whole(modelNodeThreshold)) < 0:
			return node.ErrBalance
		case op.key != nil && m.keyTaken(op.key):
			m.seen["a consensus key taken"]++
			return node.ErrOperation
		}
		n := &modelNode{core: true, owner: id, locked: op.locked, authorized: op.authorized, key: op.key}
		if !m.hostTaken(true, op.host) {
			n.host, n.address = op.host, op.addr
		} else {
			m.seen["a host taken"]++
		}
		if len(m.stakes[id]) > 0 {
			m.seen["a staker creating a CCN"]++
		}
		m.nodes[op.hash] = n
		delete(m.stakes, id) // an owner cannot stake
		return nil
	case node.ActionCreateResourceNode:
		if op.typ == "" {
			return node.ErrOperation
		}
		n := &modelNode{owner: id, locked: op.locked, authorized: op.authorized}
		if !m.hostTaken(false, op.host) {
			n.host, n.address = op.host, op.addr
		}
		m.nodes[op.hash] = n
		return nil
	}
	if op.ref == "" {
		return node.ErrOperation
	}
	target := m.nodes[op.ref]
	switch op.action {
	case node.ActionLink:
		if target == nil || target.core {
			return node.ErrUnknownNode
		}
		ccn := m.ccnOf(id)
		switch {
		case ccn == "", target.parent != "", target.locked:
			return node.ErrLink
		case len(m.nodes[ccn].crns) >= modelMaxLinked:
			m.seen["a link past the limit"]++
			return node.ErrLink
		}
		target.parent = ccn
		m.nodes[ccn].crns = append(m.nodes[ccn].crns, op.ref)
	case node.ActionUnlink:
		switch {
		case target == nil || target.core:
			return node.ErrUnknownNode
		case target.parent == "":
			return node.ErrLink
		case target.owner != id && m.nodes[target.parent].owner != id:
			return node.ErrNotOwner
		}
		parent := m.nodes[target.parent]
		parent.crns = slices.DeleteFunc(parent.crns, func(h string) bool { return h == op.ref })
		target.parent = ""
	case node.ActionStake, node.ActionStakeSplit:
		switch {
		case target == nil || !target.core:
			return node.ErrUnknownNode
		case m.ccnOf(id) != "":
			return node.ErrStake
		case m.balance(id).Cmp(whole(modelStakingThreshold)) < 0:
			return node.ErrBalance
		case target.locked && !slices.ContainsFunc(target.authorized, func(a string) bool { return strings.ToLower(a) == id }):
			m.seen["a stake on a locked CCN refused"]++
			return node.ErrStake
		}
		if target.locked {
			m.seen["an authorized stake on a locked CCN"]++
		}
		if op.action == node.ActionStake {
			m.stakes[id] = []string{op.ref}
			return nil
		}
		if slices.Contains(m.stakes[id], op.ref) {
			return node.ErrStake
		}
		m.stakes[id] = append(m.stakes[id], op.ref)
	case node.ActionUnstake:
		if !slices.Contains(m.stakes[id], op.ref) {
			return node.ErrUnknownStake
		}
		m.stakes[id] = slices.DeleteFunc(m.stakes[id], func(h string) bool { return h == op.ref })
	case node.ActionDropNode:
		switch {
		case target == nil:
			return node.ErrUnknownNode
		case target.owner != id:
			return node.ErrNotOwner
		case target.core:
			if len(target.crns) > 0 || len(m.stakers(op.ref)) > 0 {
				m.seen["a linked or staked CCN dropped"]++
			}
			m.removeCCN(op.ref)
		default:
			if p := m.nodes[target.parent]; p != nil {
				p.crns = slices.DeleteFunc(p.crns, func(h string) bool { return h == op.ref })
			}
			delete(m.nodes, op.ref)
		}
	default:
		panic("model: unknown action " + op.action)
	}
	return nil
}

type modelValidator struct {
	hash  string
	key   []byte
	power int64
}

// validators is the set stake gives: the top modelMaxValidators active
// CCNs with a key, by total then hash; power in whole ALEPH.
func (m *model) validators() []modelValidator {
	type cand struct {
		hash  string
		total *big.Int
	}
	var cs []cand
	for _, h := range m.hashes() {
		n := m.nodes[h]
		if n.core && n.key != nil && m.total(h).Cmp(whole(modelActivation)) >= 0 {
			cs = append(cs, cand{h, m.total(h)})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].total.Cmp(cs[j].total) > 0 })
	if len(cs) > modelMaxValidators {
		m.seen["more active CCNs than seats"]++
	}
	var out []modelValidator
	for _, c := range cs {
		if len(out) == modelMaxValidators {
			break
		}
		out = append(out, modelValidator{c.hash, m.nodes[c.hash].key, new(big.Int).Quo(c.total, wei).Int64()})
	}
	return out
}

func validatorLine(i int, hash string, key []byte, power int64) string {
	return fmt.Sprintf("validator %d %s key=%x power=%d", i, hash, key, power)
}

// setLines is a validator set as lines, in key order.
func setLines(keys [][]byte, powers []int64) []string {
	var out []string
	for i, k := range keys {
		out = append(out, fmt.Sprintf("set key=%x power=%d", k, powers[i]))
	}
	sort.Strings(out)
	return out
}

func (m *model) dump(accounts []*modelAccount) []string {
	var out []string
	for _, h := range m.hashes() {
		n := m.nodes[h]
		if !n.core {
			status := "waiting"
			if n.parent != "" {
				status = "linked"
			}
			out = append(out, fmt.Sprintf("crn %s owner=%s parent=%s status=%s address=%q locked=%v", h, n.owner, n.parent, status, n.address, n.locked))
			continue
		}
		total, status := m.total(h), "waiting"
		if total.Cmp(whole(modelActivation)) >= 0 {
			status = "active"
		}
		var stakers []string
		for id, nodes := range m.stakes {
			if slices.Contains(nodes, h) {
				stakers = append(stakers, id+":"+m.share(id).String())
			}
		}
		sort.Strings(stakers)
		key := ""
		if n.key != nil {
			key = base64.StdEncoding.EncodeToString(n.key)
		}
		out = append(out, fmt.Sprintf("ccn %s owner=%s key=%s locked=%v authorized=%v multiaddress=%q total=%s status=%s crns=%v stakers=%v",
			h, n.owner, key, n.locked, n.authorized, n.address, total, status, n.crns, stakers))
	}
	for _, a := range accounts {
		out = append(out, fmt.Sprintf("balance %s %s", a.id, m.balance(a.id)))
		if h := m.ccnOf(a.id); h != "" {
			out = append(out, fmt.Sprintf("owns %s %s", a.id, h))
		}
		var on []string
		if nodes := m.stakes[a.id]; len(nodes) > 0 {
			out = append(out, fmt.Sprintf("stakes %s on=%v share=%s", a.id, nodes, m.share(a.id)))
			for _, h := range nodes {
				on = append(on, h+":"+m.share(a.id).String())
			}
		}
		sort.Strings(on)
		out = append(out, fmt.Sprintf("view %s share=%s on=%v", a.id, m.share(a.id), on))
	}
	for i, v := range m.validators() {
		out = append(out, validatorLine(i, v.hash, v.key, v.power))
	}
	out = append(out, m.appSet...)
	return out
}
