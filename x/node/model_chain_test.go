package node_test

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/payment"
)

// TestModel's chain side: the accounts, the seeded generator of operations
// and reports, and the registry read back from the committed state.

type modelAccount struct {
	key       *ecdsa.PrivateKey
	addr      string // EIP-55, as sent
	id        string // lower case, as the registry keys it
	consensus []byte
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
