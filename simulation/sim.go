package simulation

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"math/rand"
	"time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/keys"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/payment"
)

// Config sizes a run.
type Config struct {
	Seed         int64
	Blocks       int
	Accounts     int
	MsgsPerBlock int
}

// account is a simulated user and what it has published.
type account struct {
	key      *ecdsa.PrivateKey
	addr     string
	posts    []string // originals
	messages []string // everything it may forget
	aggKeys  []string
}

// generator draws random messages from a seeded source.
type generator struct {
	rng      *rand.Rand
	accounts []*account
	oracle   *account
	reported uint64 // the oracle's main_height
	n        int    // messages drawn, to keep contents distinct
	// stores are STOREs sent, with their declared sizes, for validators'
	// attestations to draw from.
	stores []*pb.AttestedFile
	// ccns and crns are the node creations sent (accepted or not), for
	// node operations to target.
	ccns, crns []string
	// nodeOps are the node operations sent, by item_hash: their action.
	nodeOps map[string]string
	// ethNext is the first Ethereum block of the next range validators
	// attest; ethHeld what the token holds for each account (by index),
	// in whole ALEPH, as Ethereum would tell.
	ethNext uint64
	ethHeld map[int]int64
}

// The simulated token: genesis reads it from ethStart, ranges of at most
// ethRange blocks.
const (
	ethStart = 1000
	ethRange = 10
)

// ethParams is the token the simulated chain reads.
var ethParams = balance.EthParams{ChainID: 1, Token: "0x27702a26126e0B3702af63Ee09aC4d1A084EF628", StartBlock: ethStart,
	Finality: balance.FinalityTag, MaxBlockRange: ethRange, MaxChanges: 64}

// attestBlocks is the simulation's attestation window: short, so that some
// STOREs run out of it within a run.
const attestBlocks = 4

// attestations draws what the proposer's availability record holds: each
// recent STORE is attested with probability 1/2 per block (most within the
// window, some never), usually at its declared size, sometimes larger.
func (g *generator) attestations() []*pb.AttestedFile {
	var out []*pb.AttestedFile
	keep := g.stores[:0]
	for _, f := range g.stores {
		switch r := g.rng.Intn(10); {
		case r < 5:
			keep = append(keep, f)
		case r < 9:
			out = append(out, f)
		default:
			out = append(out, &pb.AttestedFile{ItemHash: f.ItemHash, Size: f.Size * 200})
		}
	}
	g.stores = keep
	return out
}

// maxTokens bounds balances, so that quotas fill up and garbage
// collection runs: an account posts about as much as it can pay for.
const maxTokens = 60

func newGenerator(cfg Config) *generator {
	g := &generator{rng: rand.New(rand.NewSource(cfg.Seed)), nodeOps: map[string]string{}, ethNext: ethStart + 1, ethHeld: map[int]int64{}}
	for i := 0; i < cfg.Accounts; i++ {
		k := keys.FromSeed(fmt.Sprintf("sim-%d", i))
		g.accounts = append(g.accounts, &account{key: k, addr: apptest.Address(k)})
	}
	k := keys.FromSeed("sim-oracle")
	g.oracle = &account{key: k, addr: apptest.Address(k)}
	return g
}

// genesis is the production default, tightened so payments matter: every
// account but one starts with some ALEPH, the simulation's oracle reports
// balances, and grace is short enough to run out within a run.
func (g *generator) genesis() json.RawMessage {
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DefaultGenesis(), &parts); err != nil {
		panic(err)
	}
	bal := balance.DefaultGenesis()
	bal.Params.Oracles = []string{g.oracle.addr}
	bal.Params.Ethereum = &ethParams
	for i, a := range g.accounts[1:] {
		bal.Balances = append(bal.Balances, balance.Entry{Address: a.addr, Amount: fmt.Sprintf("%d000000000000000000", 20+g.rng.Intn(maxTokens))})
		if i%2 == 0 { // half the accounts hold the token at the start block too
			n := int64(g.rng.Intn(maxTokens))
			g.ethHeld[i+1] = n
			if n > 0 {
				bal.Balances = append(bal.Balances, balance.Entry{Address: a.addr, Amount: fmt.Sprintf("%d000000000000000000", n), Source: balance.SourceEth})
			}
		}
	}
	msg := message.DefaultGenesis()
	msg.Params.StoreAttestBlocks = attestBlocks
	parts["message"], _ = json.Marshal(msg)
	// Node thresholds scaled to the simulation's balances, so that nodes
	// are created, staked, activated and lost as balances move.
	nd := node.DefaultGenesis()
	nd.Params.NodeThreshold, nd.Params.StakingThreshold, nd.Params.ActivationThreshold = 40, 10, 100
	nd.Params.MaxLinkedResourceNodes = 2
	parts["node"], _ = json.Marshal(nd)
	pay := payment.DefaultGenesis()
	pay.Params.GraceBlocks = 5
	pay.Params.CoreRateLimit, pay.Params.CoreWindowBlocks = 20, 10
	parts["balance"], _ = json.Marshal(bal)
	parts["payment"], _ = json.Marshal(pay)
	out, _ := json.Marshal(parts)
	return out
}

func (g *generator) pick() *account { return g.accounts[g.rng.Intn(len(g.accounts))] }

// sign signs d for a at block time t, with content.time jittered around it
// so amends and aggregate elements arrive out of order.
func (g *generator) sign(a *account, d client.Draft, t time.Time) *pb.AlephMessage {
	g.n++
	d.Time = t
	jitter := g.rng.Int63n(200) - 100
	d.Content["time"] = json.Number(fmt.Sprintf("%d.%03d", t.Unix()+jitter, g.rng.Intn(1000)))
	m, err := client.Sign(a.key, d)
	if err != nil {
		panic(err)
	}
	return m
}

// next draws one message for a block at time t, and records what the sender
// published so later messages can refer to it. A rejected message leaves
// stale references behind; they only produce more rejections, which the
// simulation wants too.
func (g *generator) next(t time.Time) *pb.AlephMessage {
	a := g.pick()
	ch := []string{"SIM", "SIM2"}[g.rng.Intn(2)]
	switch r := g.rng.Intn(110); {
	case r >= 100: // a node operation, on top of the mix below
		return g.nodeOperation(a, t)
	case r < 28: // post
		m := g.sign(a, client.Post(ch, []string{"blog", "note", "comment"}[g.rng.Intn(3)], map[string]any{"n": g.n, "tags": []string{"t" + fmt.Sprint(g.rng.Intn(3))}}, ""), t)
		a.posts = append(a.posts, m.ItemHash)
		a.messages = append(a.messages, m.ItemHash)
		return m
	case r < 42 && len(a.posts) > 0: // amend one of its posts
		m := g.sign(a, client.Post(ch, "amend", map[string]any{"n": g.n}, a.posts[g.rng.Intn(len(a.posts))]), t)
		a.messages = append(a.messages, m.ItemHash)
		return m
	case r < 60: // aggregate
		key := []string{"profile", "settings", "stats"}[g.rng.Intn(3)]
		m := g.sign(a, client.Aggregate(ch, key, map[string]any{fmt.Sprintf("f%d", g.rng.Intn(5)): g.n}), t)
		a.aggKeys = append(a.aggKeys, key)
		a.messages = append(a.messages, m.ItemHash)
		return m
	case r < 67: // STORE
		hash := fmt.Sprintf("%064x", g.rng.Uint64())
		size := int64(g.rng.Intn(1 << 20))
		m := g.sign(a, client.Store(ch, hash, "storage", size), t)
		a.messages = append(a.messages, m.ItemHash)
		g.stores = append(g.stores, &pb.AttestedFile{ItemHash: m.ItemHash, Size: uint64(size)})
		return m
	case r < 75 && len(a.messages) > 0: // forget own messages or an aggregate key
		var hashes, aggs []string
		hashes = append(hashes, a.messages[g.rng.Intn(len(a.messages))])
		if len(a.aggKeys) > 0 && g.rng.Intn(3) == 0 {
			aggs = append(aggs, a.aggKeys[g.rng.Intn(len(a.aggKeys))])
		}
		return g.sign(a, client.Forget(ch, hashes, aggs, "sim"), t)
	case r < 80: // delegate posts (of some type) to another account
		b := g.pick()
		auth := map[string]any{"address": b.addr, "types": []string{"POST"}}
		if g.rng.Intn(2) == 0 {
			auth["post_types"] = []string{"comment"}
		}
		return g.sign(a, client.Aggregate(ch, "security", map[string]any{"authorizations": []any{auth}}), t)
	case r < 87: // post for another account, allowed or not
		owner := g.pick()
		d := client.Post(ch, []string{"comment", "blog"}[g.rng.Intn(2)], map[string]any{"by": a.addr, "n": g.n}, "")
		d.Content["address"] = owner.addr
		return g.sign(a, d, t)
	case r < 90 && len(a.messages) > 0: // forget someone else's message: refused unless delegated
		other := g.pick()
		if len(other.messages) == 0 {
			break
		}
		return g.sign(a, client.Forget(ch, []string{other.messages[g.rng.Intn(len(other.messages))]}, nil, ""), t)
	case r < 93: // the oracle moves a few balances on a chain validators do not read, up or down
		g.reported++
		bals := map[string]string{}
		for i := 0; i < 1+g.rng.Intn(3); i++ {
			bals[g.pick().addr] = fmt.Sprintf("%d.%d", g.rng.Intn(maxTokens), g.rng.Intn(10))
		}
		chain := "SOL"
		if g.rng.Intn(8) == 0 { // ETH is attested: refused (balance/3)
			chain = "ETH"
		}
		return g.sign(g.oracle, client.BalancesUpdate("SIM-ORACLE", chain, g.reported, bals), t)
	case r < 97: // endorse a channel, change an endorsement, or withdraw it
		amount := fmt.Sprint(g.rng.Intn(maxTokens / 2))
		if g.rng.Intn(4) == 0 {
			amount = "0"
		}
		return g.sign(a, client.Endorse(ch, amount), t)
	default: // a bad signature
		m := g.sign(a, client.Post(ch, "note", g.n, ""), t)
		m.Signature = "0x" + fmt.Sprintf("%0130x", g.rng.Uint64())
		return m
	}
	return g.sign(a, client.Post(ch, "note", g.n, ""), t)
}

// nodeOperation draws a corechan-operation: mostly valid ones, on nodes
// created before, and some that the registry's rules refuse.
func (g *generator) nodeOperation(a *account, t time.Time) *pb.AlephMessage {
	one := func(list []string) string {
		if len(list) == 0 {
			return "none"
		}
		return list[g.rng.Intn(len(list))]
	}
	var action, ref string
	details := map[string]any{}
	switch r := g.rng.Intn(10); {
	case r < 2:
		action = node.ActionCreateNode
		details["multiaddress"] = fmt.Sprintf("/ip4/10.0.0.%d/tcp/4025", g.rng.Intn(6))
		details["locked"] = g.rng.Intn(4) == 0
		details["authorized"] = []string{g.pick().addr}
	case r < 3:
		action = node.ActionCreateResourceNode
		details["type"] = "compute"
		details["address"] = fmt.Sprintf("https://crn%d.sim", g.rng.Intn(6))
	case r < 4:
		action, ref = []string{node.ActionLink, node.ActionUnlink}[g.rng.Intn(2)], one(g.crns)
	case r < 8:
		action, ref = []string{node.ActionStake, node.ActionStakeSplit, node.ActionStakeSplit, node.ActionUnstake}[g.rng.Intn(4)], one(g.ccns)
	case r < 9:
		// An edit: accepted only from the node's owner (or its delegate).
		target := one(append(append([]string{}, g.ccns...), g.crns...))
		edit := map[string]any{"name": fmt.Sprint("n", g.n), "multiaddress": fmt.Sprintf("/ip4/10.0.0.%d/tcp/1", g.rng.Intn(6))}
		return g.sign(a, client.Post("FOUNDATION", "amend", map[string]any{"details": edit}, target), t)
	default:
		action, ref = node.ActionDropNode, one(append(append([]string{}, g.ccns...), g.crns...))
	}
	m := g.sign(a, client.Post("FOUNDATION", "corechan-operation", map[string]any{"action": action, "tags": []string{action}, "details": details}, ref), t)
	g.nodeOps[m.ItemHash] = action
	switch action {
	case node.ActionCreateNode:
		g.ccns = append(g.ccns, m.ItemHash)
	case node.ActionCreateResourceNode:
		g.crns = append(g.crns, m.ItemHash)
	}
	return m
}
