package message_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mr-tron/base58"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
)

// solKey is a Solana key: an ed25519 key whose address is its base58
// public key.
type solKey struct{ priv ed25519.PrivateKey }

func newSolKey(seed string) solKey {
	s := sha256.Sum256([]byte("sol:" + seed))
	return solKey{ed25519.NewKeyFromSeed(s[:])}
}

func (k solKey) address() string { return base58.Encode(k.priv.Public().(ed25519.PublicKey)) }

// solSign builds and signs d as @aleph-sdk/solana does: chain SOL, the
// sender its base58 key, the signature JSON {signature, publicKey}.
func solSign(tb testing.TB, k solKey, d client.Draft) *pb.AlephMessage {
	tb.Helper()
	if d.Time.IsZero() {
		d.Time = t0
	}
	content := map[string]any{"time": json.Number(client.Seconds(d.Time)), "address": k.address()}
	for name, v := range d.Content {
		content[name] = v
	}
	item, err := json.Marshal(content)
	if err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(item)
	m := &pb.AlephMessage{
		Chain: "SOL", Sender: k.address(), Type: d.Type, Channel: d.Channel, Time: client.Seconds(d.Time),
		ItemType: "inline", ItemHash: hex.EncodeToString(sum[:]), ItemContent: item,
	}
	sig := ed25519.Sign(k.priv, message.SigningPayload(m))
	m.Signature = fmt.Sprintf(`{"signature":%q,"publicKey":%q}`, base58.Encode(sig), k.address())
	return m
}

// TestSolanaSignatures: a Solana-signed message verifies; the same key
// signing for another sender, a tampered copy, and the key spelled in
// another case are refused with the chain named.
func TestSolanaSignatures(t *testing.T) {
	k := newSolKey("sig")
	m := solSign(t, k, client.Post("TEST", "note", "from solana", ""))
	if err := message.VerifySignature(m); err != nil {
		t.Fatal(err)
	}
	tampered := proto.Clone(m).(*pb.AlephMessage)
	tampered.ItemHash = sha256Hex("other")
	if err := message.VerifySignature(tampered); !errors.Is(err, message.ErrSignature) || !strings.Contains(err.Error(), "SOL: ed25519 signature") {
		t.Fatalf("tampered: %v", err)
	}
	lower := proto.Clone(m).(*pb.AlephMessage)
	lower.Sender = strings.ToLower(m.Sender)
	if err := message.VerifySignature(lower); err == nil {
		t.Fatal("a base58 sender in another case verified")
	}
	other := proto.Clone(m).(*pb.AlephMessage)
	other.Sender = newSolKey("other").address()
	if err := message.VerifySignature(other); !errors.Is(err, message.ErrSignature) {
		t.Fatalf("other sender: %v", err)
	}
}

// TestSecurityAcrossChains: an ETH owner's security aggregate delegates to
// a SOL key, and a SOL owner's to an ETH key; base58 addresses are compared
// exactly, 0x addresses whatever their case.
func TestSecurityAcrossChains(t *testing.T) {
	sol := newSolKey("delegate")
	c := newChain(t)

	// ETH owner (alice) → SOL key, for chain SOL only.
	c.mustApply(security(t, "1700000000.1", map[string]any{"address": sol.address(), "chain": "SOL"}))
	byDelegate := solSign(t, sol, at(as(client.Post("TEST", "note", "sol acts for alice", ""), alice), "1700000000.2"))
	c.mustApply(byDelegate)
	if got := c.record(byDelegate.ItemHash).Owner; got != addrOf(alice) {
		t.Fatalf("owner %s, want alice %s", got, addrOf(alice))
	}
	// The SOL address spelled in lower case names another account.
	c2 := newChain(t)
	c2.mustApply(security(t, "1700000000.1", map[string]any{"address": strings.ToLower(sol.address())}))
	c2.mustReject(solSign(t, sol, at(as(client.Post("TEST", "note", "x", ""), alice), "1700000000.2")), message.ErrUnauthorized)
	// A chain filter for ETH does not let the SOL key act.
	c3 := newChain(t)
	c3.mustApply(security(t, "1700000000.1", map[string]any{"address": sol.address(), "chain": "ETH"}))
	c3.mustReject(solSign(t, sol, at(as(client.Post("TEST", "note", "x", ""), alice), "1700000000.2")), message.ErrUnauthorized)

	// And back: the SOL owner's security aggregate, signed by the SOL key,
	// delegates to bob's ETH key (written in lower case: 0x folds).
	owner := newSolKey("owner")
	c.mustApply(solSign(t, owner, at(client.Aggregate("TEST", message.SecurityKey, map[string]any{
		"authorizations": []any{map[string]any{"address": strings.ToLower(addrOf(bob)), "chain": "ETH"}},
	}), "1700000000.3")))
	d := at(client.Post("TEST", "note", "bob acts for a SOL owner", ""), "1700000000.4")
	d.Content["address"] = owner.address()
	byBob := sign(t, bob, d)
	c.mustApply(byBob)
	if got := c.record(byBob.ItemHash).Owner; got != owner.address() {
		t.Fatalf("owner %s, want %s", got, owner.address())
	}
	// The SOL owner's address in another case is someone else's: carol,
	// with no delegation there, is refused, and so is bob.
	d2 := at(client.Post("TEST", "note", "wrong case", ""), "1700000000.5")
	d2.Content["address"] = strings.ToUpper(owner.address())
	c.mustReject(sign(t, bob, d2), message.ErrUnauthorized)
	d3 := at(client.Post("TEST", "note", "carol", ""), "1700000000.6")
	d3.Content["address"] = owner.address()
	c.mustReject(sign(t, carol, d3), message.ErrUnauthorized)
	if agg := c.aggregate(owner.address(), message.SecurityKey); agg == nil {
		t.Fatal("the SOL owner's security aggregate is not under its exact address")
	}
}

// TestSolanaPays: on a chain without free storage, a Solana address pays
// for its messages with the ALEPH it holds, from genesis or from an
// oracle's balances-update, and is refused while it holds none.
func TestSolanaPays(t *testing.T) {
	genesisHolder, reported, poor := newSolKey("genesis"), newSolKey("reported"), newSolKey("poor")
	oracle := apptest.Key("sol-oracle")
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DefaultGenesis(), &parts); err != nil {
		t.Fatal(err)
	}
	bal := balance.DefaultGenesis()
	bal.Params.Oracles = []string{apptest.Address(oracle)}
	bal.Balances = append(bal.Balances, balance.Entry{Address: genesisHolder.address(), Amount: "100000000000000000000"})
	parts["balance"], _ = json.Marshal(bal)
	g, _ := json.Marshal(parts)
	c := apptest.New(t, g)

	n := 0
	post := func(k solKey) *pb.AlephMessage {
		n++
		d := client.Post("PERSONAL", "note", map[string]any{"n": n}, "")
		d.Time = apptest.Time(c.Height + 1)
		d.Content["time"] = json.Number(fmt.Sprintf("%d.%06d", d.Time.Unix(), n))
		return solSign(t, k, d)
	}
	code := func(m *pb.AlephMessage) string {
		r := c.Block(m)[0]
		if r.Code == 0 {
			return ""
		}
		return fmt.Sprintf("%s/%d: %s", r.Codespace, r.Code, r.Log)
	}

	if got := code(post(genesisHolder)); got != "" {
		t.Fatalf("a SOL address with genesis ALEPH: %s", got)
	}
	if got := code(post(poor)); !strings.HasPrefix(got, "payment/") {
		t.Fatalf("a SOL address with no ALEPH on a chain without free storage: %q, want a payment refusal", got)
	}
	if got := code(post(reported)); !strings.HasPrefix(got, "payment/") {
		t.Fatalf("a SOL address before the oracle reported its balance: %q, want a payment refusal", got)
	}
	report, err := client.Sign(oracle, func() client.Draft {
		d := client.BalancesUpdate("ORACLE", "SOL", 1, map[string]string{reported.address(): "100"})
		d.Time = apptest.Time(c.Height + 1)
		return d
	}())
	if err != nil {
		t.Fatal(err)
	}
	if got := code(report); got != "" {
		t.Fatalf("oracle report: %s", got)
	}
	m := post(reported)
	if got := code(m); got != "" {
		t.Fatalf("a SOL address after the oracle's report: %s", got)
	}
	if s := c.Status(m.ItemHash); s != "processed" {
		t.Fatalf("status %s", s)
	}
}
