package simulation

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"math/rand"
	"time"

	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/keys"
	pb "github.com/alephd/alephd/proto/alephdv1"
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
	n        int // messages drawn, to keep contents distinct
}

func newGenerator(cfg Config) *generator {
	g := &generator{rng: rand.New(rand.NewSource(cfg.Seed))}
	for i := 0; i < cfg.Accounts; i++ {
		k := keys.FromSeed(fmt.Sprintf("sim-%d", i))
		g.accounts = append(g.accounts, &account{key: k, addr: apptest.Address(k)})
	}
	return g
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
	switch r := g.rng.Intn(100); {
	case r < 30: // post
		m := g.sign(a, client.Post(ch, []string{"blog", "note", "comment"}[g.rng.Intn(3)], map[string]any{"n": g.n, "tags": []string{"t" + fmt.Sprint(g.rng.Intn(3))}}, ""), t)
		a.posts = append(a.posts, m.ItemHash)
		a.messages = append(a.messages, m.ItemHash)
		return m
	case r < 45 && len(a.posts) > 0: // amend one of its posts
		m := g.sign(a, client.Post(ch, "amend", map[string]any{"n": g.n}, a.posts[g.rng.Intn(len(a.posts))]), t)
		a.messages = append(a.messages, m.ItemHash)
		return m
	case r < 65: // aggregate
		key := []string{"profile", "settings", "stats"}[g.rng.Intn(3)]
		m := g.sign(a, client.Aggregate(ch, key, map[string]any{fmt.Sprintf("f%d", g.rng.Intn(5)): g.n}), t)
		a.aggKeys = append(a.aggKeys, key)
		a.messages = append(a.messages, m.ItemHash)
		return m
	case r < 72: // STORE
		hash := fmt.Sprintf("%064x", g.rng.Uint64())
		m := g.sign(a, client.Store(ch, hash, "storage", int64(g.rng.Intn(1<<20))), t)
		a.messages = append(a.messages, m.ItemHash)
		return m
	case r < 80 && len(a.messages) > 0: // forget own messages or an aggregate key
		var hashes, aggs []string
		hashes = append(hashes, a.messages[g.rng.Intn(len(a.messages))])
		if len(a.aggKeys) > 0 && g.rng.Intn(3) == 0 {
			aggs = append(aggs, a.aggKeys[g.rng.Intn(len(a.aggKeys))])
		}
		return g.sign(a, client.Forget(ch, hashes, aggs, "sim"), t)
	case r < 85: // delegate posts (of some type) to another account
		b := g.pick()
		auth := map[string]any{"address": b.addr, "types": []string{"POST"}}
		if g.rng.Intn(2) == 0 {
			auth["post_types"] = []string{"comment"}
		}
		return g.sign(a, client.Aggregate(ch, "security", map[string]any{"authorizations": []any{auth}}), t)
	case r < 92: // post for another account, allowed or not
		owner := g.pick()
		d := client.Post(ch, []string{"comment", "blog"}[g.rng.Intn(2)], map[string]any{"by": a.addr, "n": g.n}, "")
		d.Content["address"] = owner.addr
		return g.sign(a, d, t)
	case r < 96 && len(a.messages) > 0: // forget someone else's message: refused unless delegated
		other := g.pick()
		if len(other.messages) == 0 {
			break
		}
		return g.sign(a, client.Forget(ch, []string{other.messages[g.rng.Intn(len(other.messages))]}, nil, ""), t)
	default: // a bad signature
		m := g.sign(a, client.Post(ch, "note", g.n, ""), t)
		m.Signature = "0x" + fmt.Sprintf("%0130x", g.rng.Uint64())
		return m
	}
	return g.sign(a, client.Post(ch, "note", g.n, ""), t)
}
