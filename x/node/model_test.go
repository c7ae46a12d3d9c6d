package node_test

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/payment"
)

// TestModel is a differential test: a seeded random history of node
// operations and oracle balance reports runs on the real chain and on a
// naive model written from nodestatus's rules (model, below), which keeps
// plain maps and derives every share and total from the balances whenever
// it is asked. After every block the two must agree on each operation's
// verdict (accepted, or refused with the same code), on the whole registry
// as the queries show it, on every address's stakes, on the validator set
// x/node computes and on the set the app keeps after each epoch's end.
//
// MODEL_SEED=n runs one seed, MODEL_STEPS=n sets the blocks per seed.
func TestModel(t *testing.T) {
	seeds, steps := []uint64{1, 2, 3, 4}, 300
	if testing.Short() {
		seeds, steps = []uint64{1, 2}, 150
	}
	if v := os.Getenv("MODEL_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("MODEL_SEED: %v", err)
		}
		seeds = []uint64{s}
	}
	if v := os.Getenv("MODEL_STEPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("MODEL_STEPS: %v", err)
		}
		steps = n
	}
	seen := map[string]int{}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			for k, n := range runModel(t, seed, steps) {
				seen[k] += n
			}
		})
	}
	// A history that never reached a rule's edge would pass whatever the
	// rule says there. The default run must reach every case; a short one
	// or a single seed need not.
	if t.Failed() || len(seeds)*steps < 1200 {
		return
	}
	for _, c := range modelCases {
		if seen[c] == 0 {
			t.Errorf("no history reached %q: draw operations that do", c)
		}
	}
	t.Logf("cases reached: %v", seen)
}

// modelCases are what the histories must reach.
var modelCases = []string{
	"accepted " + node.ActionCreateNode, "accepted " + node.ActionCreateResourceNode, "accepted " + node.ActionLink,
	"accepted " + node.ActionUnlink, "accepted " + node.ActionStake, "accepted " + node.ActionStakeSplit,
	"accepted " + node.ActionUnstake, "accepted " + node.ActionDropNode,
	"a CCN lost to its owner's balance", "a linked, staked CCN lost to its owner's balance", "stakes lost to the staker's balance",
	"a consensus key taken", "a host taken", "a staker creating a CCN", "a link past the limit", "a stake on a locked CCN refused",
	"an authorized stake on a locked CCN", "a split that leaves a remainder", "a linked or staked CCN dropped",
	"more active CCNs than seats", "an epoch's end that sets validators",
}

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

type modelAccount struct {
	key       *ecdsa.PrivateKey
	addr      string // EIP-55, as sent
	id        string // lower case, as the registry keys it
	consensus []byte
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

// weiOf reads an ALEPH amount the queries show.
func weiOf(t *testing.T, n json.Number) string {
	t.Helper()
	w, err := balance.ParseTokens(string(n), false)
	if err != nil {
		t.Fatalf("amount %q: %v", n, err)
	}
	return w.String()
}

// chainDump reads the same lines back from the committed state: the
// registry and each address's stakes through the app's JSON queries,
// stake records, owners and the validator set through the keeper over a
// snapshot.
func chainDump(t *testing.T, c *apptest.Chain, accounts []*modelAccount) []string {
	t.Helper()
	query := func(path, data string, v any) {
		t.Helper()
		res, err := c.App.Query(path, []byte(data), 0, false)
		if err == nil {
			err = json.Unmarshal(res.Value, v)
		}
		if err != nil {
			t.Fatalf("query %s %s: %v", path, data, err)
		}
	}
	var out []string
	var reg node.CoreChannel
	query(app.PathNodes, "", &reg)
	for _, v := range reg.ResourceNodes {
		parent := ""
		if v.Parent != nil {
			parent = *v.Parent
		}
		out = append(out, fmt.Sprintf("crn %s owner=%s parent=%s status=%s address=%q locked=%v", v.Hash, v.Owner, parent, v.Status, v.Address, v.Locked))
	}
	for _, v := range reg.Nodes {
		var stakers []string
		for id, share := range v.Stakers {
			stakers = append(stakers, id+":"+weiOf(t, share))
		}
		sort.Strings(stakers)
		auth := v.Authorized
		if len(auth) == 0 {
			auth = nil
		}
		crns := v.ResourceNodes
		if len(crns) == 0 {
			crns = nil
		}
		if v.Jailed {
			t.Fatalf("node %s is jailed: no block of this test misses a vote", v.Hash)
		}
		out = append(out, fmt.Sprintf("ccn %s owner=%s key=%s locked=%v authorized=%v multiaddress=%q total=%s status=%s crns=%v stakers=%v",
			v.Hash, v.Owner, v.ConsensusPubkey, v.Locked, auth, v.Multiaddress, weiOf(t, v.TotalStaked), v.Status, crns, stakers))
	}
	snap, err := c.Store.At(0)
	if err != nil {
		t.Fatal(err)
	}
	k := node.NewKeeper(balance.Keeper{})
	if err := k.LoadParams(snap); err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		var bal struct{ Balance string }
		query(app.PathBalance, a.addr, &bal)
		out = append(out, fmt.Sprintf("balance %s %s", a.id, bal.Balance))
		own, err := k.CoreNodeOf(snap, a.addr)
		if err != nil {
			t.Fatal(err)
		}
		if own != "" {
			out = append(out, fmt.Sprintf("owns %s %s", a.id, own))
		}
		rec, err := k.Stakes(snap, a.addr)
		if err != nil {
			t.Fatal(err)
		}
		if rec != nil {
			out = append(out, fmt.Sprintf("stakes %s on=%v share=%s", a.id, rec.Nodes, new(big.Int).SetBytes(rec.Share)))
		}
		var view node.StakesView
		query(app.PathStakes, a.addr, &view)
		var on []string
		for h, share := range view.Stakes {
			on = append(on, h+":"+weiOf(t, share))
		}
		sort.Strings(on)
		out = append(out, fmt.Sprintf("view %s share=%s on=%v", a.id, weiOf(t, view.Share), on))
	}
	vals, err := k.Validators(snap)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		out = append(out, validatorLine(i, v.Node, v.PubKey, v.Power))
	}
	var set []app.ValidatorView
	query(app.PathValidators, "", &set)
	var keys [][]byte
	var powers []int64
	for _, v := range set {
		k, err := base64.StdEncoding.DecodeString(v.PubKey)
		if err != nil {
			t.Fatal(err)
		}
		keys, powers = append(keys, k), append(powers, v.Power)
	}
	return append(out, setLines(keys, powers)...)
}

// modelRun is one seeded history: the generator's state and both sides.
type modelRun struct {
	t        *testing.T
	rng      *rand.Rand
	c        *apptest.Chain
	m        *model
	accounts []*modelAccount
	oracle   *ecdsa.PrivateKey
	created  []string // every creation sent, accepted or not: targets
	clock    int
	reported uint64
}

// drawBalance favours amounts at a threshold, a wei either side of it.
func (r *modelRun) drawBalance() *big.Int {
	switch x := r.rng.IntN(20); {
	case x < 5:
		t := []int64{0, modelStakingThreshold, modelNodeThreshold, modelActivation}[r.rng.IntN(4)]
		b := new(big.Int).Add(whole(t), big.NewInt(r.rng.Int64N(3)-1))
		if b.Sign() < 0 {
			b.SetInt64(0)
		}
		return b
	case x < 8:
		return whole(r.rng.Int64N(60))
	case x < 16:
		return whole(modelNodeThreshold + r.rng.Int64N(400))
	default:
		return new(big.Int).Add(whole(r.rng.Int64N(200)), big.NewInt(r.rng.Int64N(1e18)))
	}
}

func (r *modelRun) sign(k *ecdsa.PrivateKey, d client.Draft) *pb.AlephMessage {
	r.clock++
	d.Time = apptest.GenesisTime.Add(time.Duration(r.clock) * time.Millisecond)
	msg, err := client.Sign(k, d)
	if err != nil {
		r.t.Fatal(err)
	}
	return msg
}

// pick returns one of hashes, or a hash nobody created.
func (r *modelRun) pick(hashes []string) string {
	if len(hashes) == 0 || r.rng.IntN(20) == 0 {
		return "0000000000000000000000000000000000000000000000000000000000000000"
	}
	return hashes[r.rng.IntN(len(hashes))]
}

// target draws an operation's ref: mostly a node of the kind it wants.
func (r *modelRun) target(core bool) string {
	if r.rng.IntN(25) == 0 {
		return ""
	}
	var want, other []string
	for _, h := range r.created {
		if n := r.m.nodes[h]; n != nil && n.core == core {
			want = append(want, h)
		} else {
			other = append(other, h)
		}
	}
	if r.rng.IntN(5) == 0 {
		return r.pick(other)
	}
	return r.pick(want)
}

// anyOf returns one of the accounts ok accepts (an index), or a random
// one if none does.
func (r *modelRun) anyOf(ok func(a *modelAccount) bool) int {
	var in []int
	for i, a := range r.accounts {
		if ok(a) {
			in = append(in, i)
		}
	}
	if len(in) == 0 {
		return r.rng.IntN(len(r.accounts))
	}
	return in[r.rng.IntN(len(in))]
}

// drawOp draws an operation and signs it. Two in three are drawn to be
// plausible (a sender the rules may let act: an owner, a funded staker)
// and may still be refused; the rest are anyone's.
func (r *modelRun) drawOp() (*modelOp, *pb.AlephMessage) {
	op := &modelOp{who: r.rng.IntN(len(r.accounts))}
	plausible := r.rng.IntN(3) > 0
	m := r.m
	details := map[string]any{}
	switch x := r.rng.IntN(100); {
	case x < 12:
		op.action = node.ActionCreateNode
		if plausible {
			op.who = r.anyOf(func(a *modelAccount) bool {
				return m.ccnOf(a.id) == "" && m.balance(a.id).Cmp(whole(modelNodeThreshold)) >= 0
			})
		}
		switch y := r.rng.IntN(10); {
		case y < 7:
			op.key = r.accounts[op.who].consensus
		case y < 8: // someone else's: refused while that one's CCN has it
			op.key = r.accounts[r.rng.IntN(len(r.accounts))].consensus
		}
		if op.key != nil {
			details["consensus_pubkey"] = base64.StdEncoding.EncodeToString(op.key)
		}
		ip := r.rng.IntN(4)
		op.host = fmt.Sprintf("10.0.0.%d", ip)
		op.addr = fmt.Sprintf("/ip4/10.0.0.%d/tcp/%d/p2p/Qm%d", ip, 4000+r.rng.IntN(100), r.clock)
		details["multiaddress"] = op.addr
	case x < 22:
		op.action = node.ActionCreateResourceNode
		if r.rng.IntN(10) > 0 {
			op.typ = "compute"
			details["type"] = op.typ
		}
		i := r.rng.IntN(5)
		op.host = fmt.Sprintf("crn%d.example", i)
		op.addr = fmt.Sprintf("https://%s/", op.host)
		if r.rng.IntN(3) == 0 { // the same host, spelt otherwise
			op.addr = fmt.Sprintf("https://CRN%d.Example:%d/api", i, 4000+r.rng.IntN(100))
		}
		details["address"] = op.addr
	case x < 37:
		op.action, op.ref = node.ActionLink, r.target(false)
		if plausible {
			op.who = r.anyOf(func(a *modelAccount) bool { return m.ccnOf(a.id) != "" })
			var free []string
			for _, h := range m.hashes() {
				if n := m.nodes[h]; !n.core && n.parent == "" && !n.locked {
					free = append(free, h)
				}
			}
			if len(free) > 0 {
				op.ref = free[r.rng.IntN(len(free))]
			}
		}
	case x < 47:
		op.action, op.ref = node.ActionUnlink, r.target(false)
		if plausible {
			var linked []string
			for _, h := range m.hashes() {
				if m.nodes[h].parent != "" {
					linked = append(linked, h)
				}
			}
			if len(linked) > 0 {
				op.ref = linked[r.rng.IntN(len(linked))]
				crn := m.nodes[op.ref]
				owner := []string{crn.owner, m.nodes[crn.parent].owner}[r.rng.IntN(2)]
				op.who = r.anyOf(func(a *modelAccount) bool { return a.id == owner })
			}
		}
	case x < 60:
		op.action, op.ref = node.ActionStake, r.target(true)
	case x < 75:
		op.action, op.ref = node.ActionStakeSplit, r.target(true)
	case x < 87:
		op.action, op.ref = node.ActionUnstake, r.target(true)
		if plausible {
			op.who = r.anyOf(func(a *modelAccount) bool { return len(m.stakes[a.id]) > 0 })
			if nodes := m.stakes[r.accounts[op.who].id]; len(nodes) > 0 {
				op.ref = nodes[r.rng.IntN(len(nodes))]
			}
		}
	default:
		op.action, op.ref = node.ActionDropNode, r.target(r.rng.IntN(2) == 0)
		if n := m.nodes[op.ref]; plausible && n != nil {
			op.who = r.anyOf(func(a *modelAccount) bool { return a.id == n.owner })
		}
	}
	if plausible && (op.action == node.ActionStake || op.action == node.ActionStakeSplit) {
		op.who = r.anyOf(func(a *modelAccount) bool {
			return m.ccnOf(a.id) == "" && m.balance(a.id).Cmp(whole(modelStakingThreshold)) >= 0
		})
	}
	a := r.accounts[op.who]
	if op.action == node.ActionCreateNode || op.action == node.ActionCreateResourceNode {
		if r.rng.IntN(4) == 0 {
			op.locked = true
			details["locked"] = true
			for _, b := range r.accounts {
				if r.rng.IntN(3) == 0 {
					op.authorized = append(op.authorized, b.addr) // EIP-55: compared case-blind
				}
			}
			if op.authorized != nil {
				details["authorized"] = op.authorized
			}
		}
	}
	content := map[string]any{"action": op.action, "tags": []string{op.action, "mainnet"}}
	if len(details) > 0 {
		content["details"] = details
	}
	msg := r.sign(a.key, client.Post("FOUNDATION", "corechan-operation", content, op.ref))
	op.hash = msg.ItemHash
	if op.action == node.ActionCreateNode || op.action == node.ActionCreateResourceNode {
		r.created = append(r.created, op.hash)
	}
	return op, msg
}

// drawReport draws an oracle report that moves one to three balances.
func (r *modelRun) drawReport() (map[int]*big.Int, *pb.AlephMessage) {
	moves := map[int]*big.Int{}
	for range 1 + r.rng.IntN(3) {
		moves[r.rng.IntN(len(r.accounts))] = r.drawBalance()
	}
	b := map[string]string{}
	for i, w := range moves {
		b[r.accounts[i].addr] = decimal(w)
	}
	r.reported++
	return moves, r.sign(r.oracle, client.BalancesUpdate("BALANCES", "ETH", r.reported, b))
}

func newModelRun(t *testing.T, seed uint64) *modelRun {
	r := &modelRun{t: t, rng: rand.New(rand.NewPCG(seed, 0)), oracle: apptest.Key("model-oracle"),
		m: &model{balances: map[string]*big.Int{}, nodes: map[string]*modelNode{}, stakes: map[string][]string{}, seen: map[string]int{}}}
	bal := balance.DefaultGenesis()
	bal.Params.Oracles = []string{apptest.Address(r.oracle)}
	for i := range modelAccounts {
		k := apptest.Key(fmt.Sprintf("model-%d", i))
		a := &modelAccount{key: k, addr: apptest.Address(k), id: strings.ToLower(apptest.Address(k)), consensus: consensusKey(fmt.Sprintf("model-%d", i))}
		r.accounts = append(r.accounts, a)
		w := r.drawBalance()
		if w.Sign() > 0 { // on the ETH source, so that reports replace it
			bal.Balances = append(bal.Balances, balance.Entry{Address: a.addr, Amount: w.String(), Source: "ETH"})
			r.m.balances[a.id] = w
		}
	}
	nd := node.DefaultGenesis()
	nd.Params.NodeThreshold, nd.Params.StakingThreshold, nd.Params.ActivationThreshold = modelNodeThreshold, modelStakingThreshold, modelActivation
	nd.Params.MaxLinkedResourceNodes, nd.Params.MaxValidators, nd.Params.EpochBlocks = modelMaxLinked, modelMaxValidators, modelEpochBlocks
	pay := payment.DefaultGenesis()
	pay.Params.CoreRateLimit = 1_000_000 // node operations are free core messages; the model does not count them
	doc := genesisDoc(t, map[string]any{"balance": bal, "node": nd, "payment": pay})
	r.c = apptest.NewWith(t, doc, app.Options{}, app.ChainInfo{ChainID: "model", Validators: []app.Validator{genesisValidator}, VoteExtensionsFrom: 1})
	r.m.appSet = setLines([][]byte{genesisValidator.PubKey}, []int64{genesisValidator.Power})
	return r
}

// genesisDoc is the default genesis with the given modules' parts
// replaced.
func genesisDoc(tb testing.TB, replace map[string]any) json.RawMessage {
	tb.Helper()
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DefaultGenesis(), &parts); err != nil {
		tb.Fatal(err)
	}
	for name, v := range replace {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		parts[name] = b
	}
	doc, err := json.Marshal(parts)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

// runModel plays one seeded history and returns the cases it reached.
func runModel(t *testing.T, seed uint64, steps int) map[string]int {
	r := newModelRun(t, seed)
	var history []string // what each block carried, for the failure message
	defer func() {
		if t.Failed() {
			start := max(0, len(history)-12)
			t.Logf("the last blocks:\n%s", strings.Join(history[start:], "\n"))
			t.Logf("reproduce with: MODEL_SEED=%d MODEL_STEPS=%d go test -count=1 -run TestModel ./x/node/", seed, steps)
		}
	}()
	for step := 1; step <= steps; step++ {
		type item struct {
			op    *modelOp
			moves map[int]*big.Int
		}
		var items []item
		var msgs []*pb.AlephMessage
		for range 1 + r.rng.IntN(3)/2 { // one message a block, sometimes two
			var it item
			var msg *pb.AlephMessage
			if r.rng.IntN(8) == 0 {
				it.moves, msg = r.drawReport()
			} else {
				it.op, msg = r.drawOp()
			}
			items, msgs = append(items, it), append(msgs, msg)
		}
		results := r.c.Block(msgs...)
		for i, it := range items {
			res := results[i]
			if it.moves != nil {
				desc := fmt.Sprintf("block %d: report", r.c.Height)
				for j := range r.accounts {
					if w := it.moves[j]; w != nil {
						desc += fmt.Sprintf(" %.8s=%s", r.accounts[j].id, decimal(w))
						r.m.balances[r.accounts[j].id] = w
					}
				}
				r.m.settle()
				history = append(history, desc)
				if res.Code != 0 {
					t.Fatalf("seed %d step %d: the oracle's report was refused: %s", seed, step, res.Log)
				}
				continue
			}
			op := it.op
			want := r.m.apply(op, r.accounts[op.who].id)
			got, wantCode := verdict(res.Codespace, res.Code), "accepted"
			if want != nil {
				wantCode = verdict(want.Codespace, want.Code)
			}
			history = append(history, fmt.Sprintf("block %d: %s by %.8s ref=%.8s hash=%.8s: chain %s, model %s", r.c.Height, op.action, r.accounts[op.who].id, op.ref, op.hash, got, wantCode))
			if got != wantCode {
				t.Fatalf("seed %d step %d: %s by %s on %q: the chain says %s (%q); the model says %s (%v)",
					seed, step, op.action, r.accounts[op.who].id, op.ref, got, res.Log, wantCode, want)
			}
			if want == nil {
				r.m.seen["accepted "+op.action]++
			}
		}
		if r.c.Height%modelEpochBlocks == 0 {
			if v := r.m.validators(); len(v) > 0 {
				r.m.seen["an epoch's end that sets validators"]++
				var keys [][]byte
				var powers []int64
				for _, val := range v {
					keys, powers = append(keys, val.key), append(powers, val.power)
				}
				r.m.appSet = setLines(keys, powers)
			}
		}
		got, want := chainDump(t, r.c, r.accounts), r.m.dump(r.accounts)
		if d := lineDiff(got, want); d != "" {
			t.Fatalf("seed %d step %d (block %d): the chain and the model differ (- chain, + model):\n%s", seed, step, r.c.Height, d)
		}
	}
	return r.m.seen
}

// verdict names an operation's outcome: accepted, or codespace/code.
func verdict(codespace string, code uint32) string {
	if code == 0 {
		return "accepted"
	}
	return fmt.Sprintf("%s/%d", codespace, code)
}

// lineDiff lists the lines only in got (-) and only in want (+).
func lineDiff(got, want []string) string {
	count := map[string]int{}
	for _, l := range got {
		count[l]++
	}
	for _, l := range want {
		count[l]--
	}
	var out []string
	for _, l := range got {
		if count[l] > 0 {
			out = append(out, "- "+l)
		}
	}
	for _, l := range want {
		if count[l] < 0 {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
