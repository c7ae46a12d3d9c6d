package payment_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"strings"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// TestFoundingNumbers: X tokens buy exactly X messages of up to 100 kB and
// X MB of files (a STORE counts as a message too), and the refusal names
// the provider and the numbers.
func TestFoundingNumbers(t *testing.T) {
	const x = 12
	c := newChain(t, map[*ecdsa.PrivateKey]int64{alice: x}, nil)
	addr := apptest.Address(alice)

	// Files are charged their attested size: exactly X MB fit, one more
	// byte does not, and the STORE is rejected saying so.
	file := func(size uint64) (status, rejection string) {
		m := c.sign(alice, client.Store("TEST", strings.Repeat("ab", 32), "storage", 0))
		c.ok(m)
		if s := c.status(m.ItemHash); s != "pending" {
			t.Fatalf("a STORE before attestation is %s", s)
		}
		c.Attest([]*pb.AttestedFile{apptest.File(m, size)})
		return c.status(m.ItemHash), c.record(m.ItemHash).Rejection
	}
	if s, why := file(x*1_000_000 - 200_000); s != "processed" {
		t.Fatalf("a %d-byte file: %s %s", x*1_000_000-200_000, s, why)
	}
	s, why := file(200_001)
	if s != "rejected" || !strings.Contains(why, "1/12 messages, 11.8/12 MB; needs 1 message, 0.200001 MB") {
		t.Fatalf("one byte past X MB: %s, %q does not give the numbers", s, why)
	}
	if s, why := file(200_000); s != "processed" {
		t.Fatalf("the last 200,000 bytes: %s %s", s, why)
	}

	for i := 0; i < x-4; i++ {
		c.ok(c.post(alice, "TEST"))
	}
	c.ok(c.sized(alice, 100_000)) // the largest a quota pays for
	big := c.sized(alice, 100_001)
	got, log := c.code(big)
	wantCode(t, "a 100,001-byte post", got, log, "payment/4")
	c.ok(c.sign(alice, client.Aggregate("TEST", "profile", map[string]any{"n": 1}))) // message x
	got, log = c.code(c.post(alice, "TEST"))
	wantCode(t, "message x+1", got, log, "payment/2")
	if want := "personal storage of " + addr + " exhausted: 12/12 messages, 12/12 MB; needs 1 message, 0 MB"; !strings.Contains(log, want) {
		t.Fatalf("refusal %q does not say %q", log, want)
	}
	// A STORE is a message as well: with none left, even an empty file is
	// refused before it waits for attestation.
	got, log = c.code(c.sign(alice, client.Store("TEST", strings.Repeat("cd", 32), "storage", 0)))
	wantCode(t, "a STORE past X messages", got, log, "payment/2")
	v := c.account(alice).PersonalStorage
	if v.Capacity != (payment.AmountsView{Messages: x, Bytes: x * 1_000_000}) || v.Used != v.Capacity || v.Tokens != "12" {
		t.Fatalf("personal storage = %+v", v)
	}
}

// TestPersonalStorage: the payer is content.address, whoever sends; a
// FORGET refunds at once; the charge is recorded in the message.
func TestPersonalStorage(t *testing.T) {
	c := newChain(t, map[*ecdsa.PrivateKey]int64{alice: 2}, nil)
	// Bob posts for alice, delegated through her security aggregate (a
	// core message: free, though alice could pay for it too).
	c.ok(c.sign(alice, client.Aggregate("ALEPH-IDENTITY", message.SecurityKey, map[string]any{
		"authorizations": []any{map[string]any{"address": apptest.Address(bob)}},
	})))
	d := client.Post("TEST", "note", "by bob", "")
	d.Content["address"] = apptest.Address(alice)
	byBob := c.sign(bob, d)
	own := c.post(alice, "TEST")
	c.ok(byBob, own)
	ch := c.record(byBob.ItemHash).Charge
	if ch.GetProvider() != payment.ProviderPersonal || !strings.EqualFold(ch.GetPayer(), apptest.Address(alice)) || ch.GetMessages() != 1 {
		t.Fatalf("charge of bob's post for alice = %+v", ch)
	}
	got, log := c.code(c.post(alice, "TEST"))
	wantCode(t, "third post on 2 ALEPH", got, log, "payment/2")
	// Bob has nothing of his own: nobody pays, and the reason says why.
	got, log = c.code(c.post(bob, "TEST"))
	wantCode(t, "bob's own post", got, log, "payment/1")
	reasons := `: "TEST" is not a core channel for this message; channel "TEST" has no endorsements; ` +
		apptest.Address(bob) + " holds no whole ALEPH that is not endorsed to channels, for personal storage"
	if !strings.Contains(log, reasons) {
		t.Fatalf("no-payer refusal %q does not give each provider's reason, in order (%q)", log, reasons)
	}
	// A FORGET is free (core) and refunds at once.
	forget := c.sign(alice, client.Forget("TEST", []string{own.ItemHash}, nil, ""))
	c.ok(forget)
	if c.record(forget.ItemHash).Charge.GetProvider() != payment.ProviderCore {
		t.Fatalf("FORGET charged to %+v", c.record(forget.ItemHash).Charge)
	}
	if !c.record(own.ItemHash).Charge.GetReleased() {
		t.Fatal("the forgotten post's charge is not released")
	}
	c.ok(c.post(alice, "TEST"))
}

// TestChannelEndorsement: endorsements pay for anyone posting on the
// channel, up to their sum, within the endorser's balance, and come out
// of the endorser's own storage.
func TestChannelEndorsement(t *testing.T) {
	c := newChain(t, map[*ecdsa.PrivateKey]int64{alice: 10, carol: 2}, nil)
	c.ok(c.sign(alice, client.Endorse("APP", "4")))
	c.ok(c.sign(carol, client.Endorse("APP", "1.5")))
	cv := c.channel("APP")
	if cv.Quota.Tokens != "5" || cv.Quota.Capacity.Messages != 5 || len(cv.Endorsements) != 2 {
		t.Fatalf("channel = %+v", cv)
	}
	if a := c.account(alice); a.PersonalStorage.Capacity.Messages != 6 || a.Endorsed != "4000000000000000000" {
		t.Fatalf("alice after endorsing 4 of 10: %+v", a)
	}
	var posts []*pb.AlephMessage
	for i := 0; i < 5; i++ {
		posts = append(posts, c.post(bob, "APP"))
	}
	c.ok(posts...)
	if ch := c.record(posts[0].ItemHash).Charge; ch.GetProvider() != payment.ProviderEndorsement || ch.GetPayer() != "APP" {
		t.Fatalf("charge = %+v", ch)
	}
	got, log := c.code(c.post(bob, "APP"))
	wantCode(t, "sixth post on a 5-token channel", got, log, "payment/3")
	if !strings.Contains(log, `the endorsements of channel "APP" exhausted: 5/5 messages`) {
		t.Fatalf("refusal %q", log)
	}
	// Bob forgets one of his posts: the channel's capacity is free again at once.
	c.ok(c.sign(bob, client.Forget("APP", []string{posts[4].ItemHash}, nil, "")))
	if v := c.channel("APP").Quota; v.Used.Messages != 4 {
		t.Fatalf("channel usage after a forget: %+v", v)
	}
	refill := c.post(bob, "APP")
	c.ok(refill)
	posts[4] = refill
	// Alice cannot endorse beyond her balance, counting what she endorses elsewhere.
	c.ok(c.sign(alice, client.Endorse("OTHER", "5")))
	got, log = c.code(c.sign(alice, client.Endorse("APP", "6")))
	wantCode(t, "endorsing past the balance", got, log, "payment/8")
	if !strings.Contains(log, "can endorse at most 5 ALEPH") {
		t.Fatalf("refusal %q", log)
	}
	got, log = c.code(c.sign(alice, client.Endorse("APP", "0.0000000000000000001")))
	wantCode(t, "19 decimals", got, log, "payment/7")
	// Withdrawing: the channel's newest posts enter removing, oldest stay.
	c.ok(c.sign(alice, client.Endorse("APP", "0")))
	for i, p := range posts {
		want := "processed"
		if i >= 1 {
			want = "removing"
		}
		if got := c.status(p.ItemHash); got != want {
			t.Fatalf("post %d after the withdrawal: %s, want %s", i, got, want)
		}
	}
}

// TestCore: core channels are free for their types and keys, limited per
// sender per window, and capped in size.
func TestCore(t *testing.T) {
	c := newChain(t, nil, func(p *payment.Params) { p.CoreRateLimit, p.CoreWindowBlocks = 2, 5 })
	profile := func() *pb.AlephMessage {
		return c.sign(bob, client.Aggregate("ALEPH-IDENTITY", "profile", map[string]any{"n": c.n}))
	}
	c.ok(profile())
	c.ok(profile())
	got, log := c.code(profile())
	wantCode(t, "third in the window", got, log, "payment/5")
	if !strings.Contains(log, "limit is 2 per 5 blocks") {
		t.Fatalf("refusal %q", log)
	}
	for c.Height < 5 {
		c.Block()
	}
	c.ok(profile()) // block 6: a new window
	got, _ = c.code(c.sign(bob, client.Aggregate("ALEPH-IDENTITY", "other-key", map[string]any{"n": 1})))
	wantCode(t, "a key the core channel does not carry", got, "", "payment/1")
	got, log = c.code(c.sign(bob, client.Aggregate("ALEPH-IDENTITY", "profile", map[string]any{"bio": strings.Repeat("x", 20_000)})))
	wantCode(t, "a 20 kB profile", got, log, "payment/6")
}

// TestNoPayerSkipsSignature: a message nobody pays for is refused before
// its signature is verified; a paid one is verified.
func TestNoPayerSkipsSignature(t *testing.T) {
	c := newChain(t, map[*ecdsa.PrivateKey]int64{alice: 1}, nil)
	for _, tc := range []struct {
		key      *ecdsa.PrivateKey
		verified bool
	}{{bob, false}, {alice, true}} {
		m := c.post(tc.key, "TEST")
		verified := false
		p := c.App.Parse(apptest.Tx(m))
		r := c.App.CheckTx(p, func() error { verified = true; return message.VerifySignature(p.Msg) })
		if verified != tc.verified || (r.Code == 0) != tc.verified {
			t.Fatalf("%s: verified=%v code=%d (%s)", apptest.Address(tc.key), verified, r.Code, r.Log)
		}
	}
}

// TestEndorsementRules: an endorsement is posted on the channel it endorses
// (a delegate allowed on one channel cannot endorse another), one that
// changes nothing is refused, and its members are read by exact name.
func TestEndorsementRules(t *testing.T) {
	c := newChain(t, map[*ecdsa.PrivateKey]int64{alice: 10}, nil)
	elsewhere := client.Endorse("EVIL", "3")
	elsewhere.Channel = "MYAPP"
	got, log := c.code(c.sign(alice, elsewhere))
	wantCode(t, "an endorsement of EVIL posted on MYAPP", got, log, "payment/7")
	c.ok(c.sign(alice, client.Endorse("MYAPP", "2")))
	got, log = c.code(c.sign(alice, client.Endorse("MYAPP", "2.0")))
	wantCode(t, "the same endorsement again", got, log, "payment/7")
	got, log = c.code(c.sign(alice, client.Endorse("NEVER", "0")))
	wantCode(t, "withdrawing what was never endorsed", got, log, "payment/7")
	mixed := client.Post("SHOWN", payment.DefaultParams().EndorsementPostType, map[string]any{"channel": "SHOWN", "CHANNEL": "REAL", "amount": "1"}, "")
	c.ok(c.sign(alice, mixed))
	if cv := c.channel("SHOWN"); cv.Quota.Tokens != "1" {
		t.Fatalf("SHOWN = %+v", cv)
	}
	if cv := c.channel("REAL"); cv.Quota.Tokens != "0" {
		t.Fatalf("REAL, named in upper case only, was endorsed: %+v", cv)
	}
}

// TestRejectedStoreKeepsNoContent: a STORE nobody attests in time is
// rejected, and its item_content, which nobody pays to keep, is dropped.
func TestRejectedStoreKeepsNoContent(t *testing.T) {
	c := newChain(t, map[*ecdsa.PrivateKey]int64{alice: 10}, nil)
	m := c.sign(alice, client.Store("TEST", strings.Repeat("ef", 32), "storage", 0))
	c.ok(m)
	c.Attest([]*pb.AttestedFile{apptest.File(m, 1<<40)}) // beyond the storage limit
	if rec := c.record(m.ItemHash); rec.Status != pb.MessageStatus_MESSAGE_STATUS_REJECTED || rec.Message.ItemContent != nil {
		t.Fatalf("rejected STORE: %v, %d bytes of content kept", rec.Status, len(rec.Message.ItemContent))
	}
}

// TestCoreChannelsCarryNoStore: files have no free quota, so params that
// make STORE free are refused.
func TestCoreChannelsCarryNoStore(t *testing.T) {
	p := payment.DefaultParams()
	p.CoreChannels = append(p.CoreChannels, payment.CoreChannel{Channel: "FILES", Types: []string{message.TypeStore}})
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "STORE cannot be free") {
		t.Fatalf("Validate = %v", err)
	}
}

// TestGenesisEndorsementsWithinBalance: a genesis whose endorsements pass
// their endorser's balance is refused at InitChain, not left for the
// invariant to find.
func TestGenesisEndorsementsWithinBalance(t *testing.T) {
	for _, c := range []struct {
		amount string
		ok     bool
	}{{"2000000000000000000", true}, {"2000000000000000001", false}} {
		parts := map[string]json.RawMessage{}
		if err := json.Unmarshal(genesis(t, map[*ecdsa.PrivateKey]int64{alice: 2}, nil), &parts); err != nil {
			t.Fatal(err)
		}
		var pay payment.Genesis
		if err := json.Unmarshal(parts["payment"], &pay); err != nil {
			t.Fatal(err)
		}
		pay.Endorsements = []payment.Endorsement{{Endorser: apptest.Address(alice), Channel: "APP", Amount: c.amount}}
		parts["payment"], _ = json.Marshal(pay)
		doc, _ := json.Marshal(parts)
		a, _ := apptest.Open(t)
		_, _, err := a.InitChain(1, 0, doc, app.ChainInfo{ChainID: "t"})
		if c.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), "beyond its balance")) {
			t.Errorf("endorsing %s of 2 ALEPH in genesis: %v", c.amount, err)
		}
	}
}
