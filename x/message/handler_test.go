package message_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
)

// This file holds the helpers every test of the package shares, and the
// handler-level tests that are not about one message type.

// keyFor returns the test key named seed: sha256(seed) as a secp256k1 key,
// so every run signs the same bytes.
func keyFor(seed string) *ecdsa.PrivateKey {
	sum := sha256.Sum256([]byte(seed))
	k, err := crypto.ToECDSA(sum[:])
	if err != nil {
		panic(err)
	}
	return k
}

func addrOf(k *ecdsa.PrivateKey) string { return crypto.PubkeyToAddress(k.PublicKey).Hex() }

var (
	alice = keyFor("alice")
	bob   = keyFor("bob")
	carol = keyFor("carol")
)

var (
	// t0 is the envelope time of test messages.
	t0 = time.Unix(1_700_000_000, 0)
	// blockTime is the block the test messages land in: after t0, so no
	// message is in the future unless a test makes it so.
	blockTime = t0.Add(time.Hour)
)

// testEnv is the block context of every test apply. It is the same for all
// messages so that the state depends only on which messages were accepted,
// which lets order-independence tests compare whole states.
func testEnv() message.Env {
	return message.Env{Height: 7, TxIndex: 3, BlockTimeUnixNano: blockTime.UnixNano()}
}

// apply admits m as the app does, minus payments: ValidateEnvelope, then
// VerifySignature, then Keeper.Apply into a fresh cache over the working
// tree. It writes the cache only on success. On any rejection it checks that
// the working hash did not move and that the error is a registered one, so
// every rejection test also guards "a rejected message leaves no trace".
func apply(tb testing.TB, store *state.Store, env message.Env, m *pb.AlephMessage) error {
	tb.Helper()
	before := store.WorkingHash()
	err := func() error {
		c, err := message.ValidateEnvelope(m, message.DefaultParams(), env.BlockTimeUnixNano)
		if err != nil {
			return err
		}
		if err := message.VerifySignature(m); err != nil {
			return err
		}
		cache := state.NewCache(store.Working())
		if _, err := (message.Keeper{}).Apply(cache, env, m, c, nil); err != nil {
			return err // the cache is dropped
		}
		return cache.Write()
	}()
	if err != nil {
		if after := store.WorkingHash(); !bytes.Equal(before, after) {
			tb.Fatalf("rejected %s (%v) but the working hash moved from %X to %X", m.GetItemHash(), err, before, after)
		}
		if !errs.IsRegistered(err) {
			tb.Fatalf("rejection of %s is not a registered error: %v", m.GetItemHash(), err)
		}
	}
	return err
}

// chain is an in-memory state plus the helpers tests read it with.
type chain struct {
	tb    testing.TB
	store *state.Store
	env   message.Env
	k     message.Keeper
}

func newChain(tb testing.TB) *chain {
	tb.Helper()
	store, err := state.OpenMemory()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := store.Close(); err != nil {
			tb.Error(err)
		}
	})
	return &chain{tb: tb, store: store, env: testEnv()}
}

func (c *chain) kv() state.KV { return c.store.Working() }

func (c *chain) apply(m *pb.AlephMessage) error {
	c.tb.Helper()
	return apply(c.tb, c.store, c.env, m)
}

func (c *chain) mustApply(ms ...*pb.AlephMessage) {
	c.tb.Helper()
	for _, m := range ms {
		if err := c.apply(m); err != nil {
			c.tb.Fatalf("apply %s %s: %v", m.Type, m.ItemHash, err)
		}
	}
}

// mustReject applies m and requires the registered error want.
func (c *chain) mustReject(m *pb.AlephMessage, want error) {
	c.tb.Helper()
	err := c.apply(m)
	if !errors.Is(err, want) {
		c.tb.Fatalf("apply %s %s: got %v, want %v", m.Type, m.ItemHash, err, want)
	}
}

func (c *chain) record(hash string) *pb.MessageRecord {
	c.tb.Helper()
	rec, err := c.k.GetMessage(c.kv(), hash)
	if err != nil {
		c.tb.Fatal(err)
	}
	return rec
}

// aggregate returns the merged content of (owner, key) decoded with numbers
// kept exact, or nil when there is no such aggregate.
func (c *chain) aggregate(owner, key string) map[string]any {
	c.tb.Helper()
	rec, err := c.k.GetAggregate(c.kv(), owner, key)
	if err != nil {
		c.tb.Fatal(err)
	}
	if rec == nil {
		return nil
	}
	return decodeObject(c.tb, rec.Content)
}

func (c *chain) latestAmend(original string) string {
	c.tb.Helper()
	h, err := c.k.LatestAmend(c.kv(), original)
	if err != nil {
		c.tb.Fatal(err)
	}
	return h
}

// dump lists every key and value of the state, in key order.
func (c *chain) dump() []string {
	c.tb.Helper()
	var out []string
	err := c.kv().Iterate(nil, nil, false, func(k, v []byte) bool {
		out = append(out, hex.EncodeToString(k)+"="+hex.EncodeToString(v))
		return true
	})
	if err != nil {
		c.tb.Fatal(err)
	}
	return out
}

func decodeObject(tb testing.TB, b []byte) map[string]any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
	return m
}

// jsonObject decodes a JSON literal written in a test.
func jsonObject(tb testing.TB, s string) map[string]any { return decodeObject(tb, []byte(s)) }

// sign signs a draft with key, at t0 unless the draft sets a time.
func sign(tb testing.TB, key *ecdsa.PrivateKey, d client.Draft) *pb.AlephMessage {
	tb.Helper()
	if d.Time.IsZero() {
		d.Time = t0
	}
	m, err := client.Sign(key, d)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// at sets content.time, which orders amends and aggregate elements.
func at(d client.Draft, seconds string) client.Draft {
	d.Content["time"] = json.Number(seconds)
	return d
}

// as sets content.address: the owner the sender acts for.
func as(d client.Draft, owner *ecdsa.PrivateKey) client.Draft {
	d.Content["address"] = addrOf(owner)
	return d
}

// resign recomputes item_hash over m.ItemContent and signs m again with key,
// for tests that hand-craft item_content.
func resign(tb testing.TB, key *ecdsa.PrivateKey, m *pb.AlephMessage) *pb.AlephMessage {
	tb.Helper()
	sum := sha256.Sum256(m.ItemContent)
	m.ItemHash = hex.EncodeToString(sum[:])
	m.Sender = addrOf(key)
	if err := client.SignMessage(key, m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// mustSign signs m again as it is, with key.
func mustSign(tb testing.TB, key *ecdsa.PrivateKey, m *pb.AlephMessage) {
	tb.Helper()
	if err := client.SignMessage(key, m); err != nil {
		tb.Fatal(err)
	}
}

// rawMessage builds a message of typ whose item_content is exactly content,
// signed by key.
func rawMessage(tb testing.TB, key *ecdsa.PrivateKey, typ, content string) *pb.AlephMessage {
	tb.Helper()
	m := &pb.AlephMessage{
		Chain: "ETH", Type: typ, Channel: "TEST", Time: client.Seconds(t0),
		ItemType: "inline", ItemContent: []byte(content),
	}
	return resign(tb, key, m)
}

// TestApplyRejections checks the admission failures common to every type:
// each is rejected with its registered error and leaves the state as it was.
func TestApplyRejections(t *testing.T) {
	note := func() *pb.AlephMessage { return sign(t, alice, client.Post("TEST", "note", "hi", "")) }
	cases := []struct {
		name string
		msg  func() *pb.AlephMessage
		want error
	}{
		{"unknown type", func() *pb.AlephMessage {
			return sign(t, alice, client.Draft{Type: "BOGUS", Channel: "TEST", Content: map[string]any{"type": "x"}})
		}, message.ErrUnknownType},
		{"lower-case type", func() *pb.AlephMessage {
			return sign(t, alice, client.Draft{Type: "post", Channel: "TEST", Content: map[string]any{"type": "x"}})
		}, message.ErrUnknownType},
		// pyaleph: "storage messages cannot define item_content".
		{"item_type storage with item_content", func() *pb.AlephMessage { m := note(); m.ItemType = "storage"; return m }, message.ErrContent},
		{"item_type ipfs with item_content", func() *pb.AlephMessage { m := note(); m.ItemType = "ipfs"; return m }, message.ErrContent},
		{"item_type unknown", func() *pb.AlephMessage { m := note(); m.ItemType = "arweave"; return m }, message.ErrItemType},
		{"no signature", func() *pb.AlephMessage { m := note(); m.Signature = ""; return m }, message.ErrMissingField},
		{"no sender", func() *pb.AlephMessage { m := note(); m.Sender = ""; return m }, message.ErrMissingField},
		{"no chain", func() *pb.AlephMessage { m := note(); m.Chain = ""; return m }, message.ErrMissingField},
		{"no item_hash", func() *pb.AlephMessage { m := note(); m.ItemHash = ""; return m }, message.ErrMissingField},
		{"no time", func() *pb.AlephMessage { m := note(); m.Time = ""; return m }, message.ErrMissingField},
		{"no item_content", func() *pb.AlephMessage { m := note(); m.ItemContent = nil; return m }, message.ErrMissingField},
		{"content over MaxContentChars", func() *pb.AlephMessage {
			return sign(t, alice, client.Post("TEST", "note", strings.Repeat("x", 200_001), ""))
		}, message.ErrTooLarge},
		{"time beyond max_future_seconds", func() *pb.AlephMessage {
			d := client.Post("TEST", "note", "later", "")
			d.Time = blockTime.Add(601 * time.Second)
			return sign(t, alice, d)
		}, message.ErrFutureTime},
		{"time not a time", func() *pb.AlephMessage { m := note(); m.Time = `"yesterday"`; return resign(t, alice, m) }, message.ErrTime},
		{"item_hash not sha256 of content", func() *pb.AlephMessage {
			m := note()
			m.ItemContent = append([]byte(nil), m.ItemContent...)
			m.ItemContent[len(m.ItemContent)-2] ^= 1
			return m
		}, message.ErrHashMismatch},
		{"item_hash in upper case", func() *pb.AlephMessage {
			m := note()
			m.ItemHash = strings.ToUpper(m.ItemHash)
			mustSign(t, alice, m)
			return m
		}, message.ErrHashMismatch},
		{"item_content not UTF-8", func() *pb.AlephMessage {
			return rawMessage(t, alice, message.TypePost, "{\"address\":\"\xff\"}")
		}, message.ErrContent},
		{"item_content not JSON", func() *pb.AlephMessage { return rawMessage(t, alice, message.TypePost, "{") }, message.ErrContent},
		{"item_content a JSON array", func() *pb.AlephMessage { return rawMessage(t, alice, message.TypePost, "[]") }, message.ErrContent},
		{"signed by someone else", func() *pb.AlephMessage {
			m := note()
			m.Sender = addrOf(bob)
			return m
		}, message.ErrSignature},
		{"unsupported chain", func() *pb.AlephMessage {
			d := client.Post("TEST", "note", "aurora", "")
			d.Chain = "AURORA" // in aleph-message's Chain, but pyaleph verifies no AURORA signature
			return sign(t, alice, d)
		}, message.ErrChain},
		{"content address of another account", func() *pb.AlephMessage {
			return sign(t, bob, as(client.Post("TEST", "note", "spoof", ""), alice))
		}, message.ErrUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			c.mustApply(sign(t, alice, client.Post("TEST", "note", "existing state", "")))
			c.mustReject(tc.msg(), tc.want)
		})
	}
}

// TestApplyAcceptsBoundaries checks the edges that must still be accepted:
// exactly MaxContentChars characters (counted as code points, not bytes, as
// pyaleph counts a Python str), a time exactly max_future_seconds ahead, and
// a very old time (archived messages can be imported).
func TestApplyAcceptsBoundaries(t *testing.T) {
	// The JSON around the body is {"address":"0x..42..","content":"","time":1700000000.000000,"type":"note"}.
	overhead := len(sign(t, alice, client.Post("TEST", "note", "", "")).ItemContent)
	cases := []struct {
		name string
		d    client.Draft
	}{
		{"MaxContentChars of 2-byte characters", client.Post("TEST", "note", strings.Repeat("é", 200_000-overhead), "")},
		{"time exactly max_future_seconds ahead", func() client.Draft {
			d := client.Post("TEST", "note", "edge", "")
			d.Time = blockTime.Add(600 * time.Second)
			return d
		}()},
		{"time in 1970", func() client.Draft {
			d := client.Post("TEST", "note", "old", "")
			d.Time = time.Unix(1, 0)
			return d
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			m := sign(t, alice, tc.d)
			c.mustApply(m)
			if rec := c.record(m.ItemHash); rec == nil || rec.Status != pb.MessageStatus_MESSAGE_STATUS_PROCESSED {
				t.Fatalf("record %v", rec)
			}
		})
	}
}

// TestDuplicate checks that an item_hash is accepted once: a second copy,
// even after the first was forgotten, is ErrDuplicate.
func TestDuplicate(t *testing.T) {
	c := newChain(t)
	p := sign(t, alice, client.Post("TEST", "note", "once", ""))
	c.mustApply(p)
	c.mustReject(p, message.ErrDuplicate)

	// Same content and hash, signed again (a different but valid signature).
	again := proto.Clone(p).(*pb.AlephMessage)
	again.Channel = "OTHER" // not covered by the item hash
	mustSign(t, alice, again)
	c.mustReject(again, message.ErrDuplicate)

	c.mustApply(sign(t, alice, client.Forget("TEST", []string{p.ItemHash}, nil, "")))
	c.mustReject(p, message.ErrDuplicate)
}

// TestRecordFields checks what an accepted message records: the message as
// sent, its block place, owner, content time and size.
func TestRecordFields(t *testing.T) {
	c := newChain(t)
	m := sign(t, alice, at(client.Post("TEST", "note", "fields", ""), "1699999999.25"))
	c.mustApply(m)
	rec := c.record(m.ItemHash)
	want := &pb.MessageRecord{
		Message: m, Status: pb.MessageStatus_MESSAGE_STATUS_PROCESSED,
		Height: 7, TxIndex: 3, BlockTimeUnixNano: blockTime.UnixNano(),
		Owner: addrOf(alice), ContentTimeUnixNano: 1_699_999_999_250_000_000,
		ContentSize: uint64(len(m.ItemContent)),
	}
	if !proto.Equal(rec, want) {
		t.Fatalf("record %v\nwant   %v", rec, want)
	}
	if !bytes.Equal(rec.Message.ItemContent, m.ItemContent) {
		t.Fatalf("item_content not kept byte-exact")
	}
}

// TestPROGRAMAndINSTANCE checks that execution messages are recorded, and
// need the same authority as any other message.
func TestPROGRAMAndINSTANCE(t *testing.T) {
	for _, typ := range []string{message.TypeProgram, message.TypeInstance} {
		t.Run(typ, func(t *testing.T) {
			c := newChain(t)
			own := sign(t, alice, client.Draft{Type: typ, Channel: "TEST", Content: map[string]any{"allow_amend": false, "type": "vm-function"}})
			c.mustApply(own)
			c.mustReject(sign(t, bob, as(client.Draft{Type: typ, Channel: "TEST", Content: map[string]any{"allow_amend": true}}, alice)), message.ErrUnauthorized)
		})
	}
}

// sortedCopy returns the strings sorted, leaving s alone.
func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// sha256Hex is the item_hash of content s.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// jsonNumber is how decodeObject reads a number.
func jsonNumber(s string) json.Number { return json.Number(s) }

// TestStore checks STORE admission: a file named by a sha256 ("storage") or
// an IPFS CID ("ipfs"), with item_type matching the hash.
func TestStore(t *testing.T) {
	const (
		cidV0 = "QmPVwkMvXRVCnWMWwAgu4pwyP1ZTTbRqHV4sLbrxBhcdPK"
		cidV1 = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
	)
	sha := sha256Hex("some file")
	cases := []struct {
		name     string
		fileHash string
		itemType string
		want     error
	}{
		{"sha256 as storage", sha, "storage", nil},
		{"CIDv0 as ipfs", cidV0, "ipfs", nil},
		{"CIDv1 as ipfs", cidV1, "ipfs", nil},
		{"sha256 as ipfs", sha, "ipfs", message.ErrStoreContent},
		{"CID as storage", cidV0, "storage", message.ErrStoreContent},
		{"item_type inline", sha, "inline", message.ErrStoreContent},
		{"no item_type", sha, "", message.ErrStoreContent},
		{"upper-case sha256", strings.ToUpper(sha), "storage", message.ErrStoreContent},
		{"short hex", sha[:40], "storage", message.ErrStoreContent},
		{"not a hash", "hello", "storage", message.ErrStoreContent},
		{"no hash", "", "storage", message.ErrStoreContent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			d := client.Store("TEST", tc.fileHash, tc.itemType, 9)
			if tc.itemType == "" {
				delete(d.Content, "item_type")
			}
			m := sign(t, alice, d)
			if tc.want != nil {
				c.mustReject(m, tc.want)
				return
			}
			c.mustApply(m)
			// Accepted PENDING: processed once validators attest the file (app/).
			if rec := c.record(m.ItemHash); rec == nil || rec.Status != pb.MessageStatus_MESSAGE_STATUS_PENDING {
				t.Fatalf("record %v", rec)
			}
		})
	}
	t.Run("someone else's file", func(t *testing.T) {
		c := newChain(t)
		c.mustReject(sign(t, bob, as(client.Store("TEST", sha, "storage", 0), alice)), message.ErrUnauthorized)
	})
}

// TestGenesisExportImport checks that Export then Init rebuilds exactly the
// state the messages built, derived indexes included (amend heads,
// aggregates, files), through a JSON round trip of the genesis document.
func TestGenesisExportImport(t *testing.T) {
	c := newChain(t)
	if err := c.k.Init(c.kv(), message.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	orig := sign(t, alice, at(client.Post("TEST", "note", "v0", ""), "1700000000"))
	a1 := sign(t, alice, at(client.Post("TEST", "amend", "v1", orig.ItemHash), "1700000001"))
	a2 := sign(t, alice, at(client.Post("TEST", "amend", "v2", orig.ItemHash), "1700000002"))
	gone := sign(t, alice, client.Post("TEST", "note", "gone", ""))
	e1 := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"a": 1}), "1"))
	e2 := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"a": 2, "b": 2}), "2"))
	e3 := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"c": 3}), "3"))
	sec := security(t, "4", map[string]any{"address": addrOf(bob)})
	byBob := sign(t, bob, as(client.Post("TEST", "note", "for alice", ""), alice))
	store := sign(t, alice, client.Store("TEST", sha256Hex("f"), "storage", 1))
	c.mustApply(orig, a1, a2, gone, e1, e2, e3, sec, byBob, store,
		sign(t, alice, client.Forget("TEST", []string{a2.ItemHash, gone.ItemHash, e2.ItemHash}, nil, "")),
		sign(t, alice, client.Forget("TEST", []string{gone.ItemHash}, nil, "again")),
	)
	g, err := c.k.Export(c.kv())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	var g2 message.Genesis
	if err := json.Unmarshal(doc, &g2); err != nil {
		t.Fatal(err)
	}
	imported := newChain(t)
	if err := imported.k.Init(imported.kv(), g2); err != nil {
		t.Fatal(err)
	}
	want, got := c.dump(), imported.dump()
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("imported state differs: %d keys exported, %d imported\nexported:\n%s\nimported:\n%s",
			len(want), len(got), strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// TestErrorCodes pins the ABCI code of every rejection: codes are part of
// the API and must never be renumbered or reused.
func TestErrorCodes(t *testing.T) {
	want := []struct {
		err  *errs.Error
		code uint32
	}{
		{message.ErrDecode, 1}, {message.ErrMissingField, 2}, {message.ErrUnknownType, 3},
		{message.ErrItemType, 4}, {message.ErrHashMismatch, 5}, {message.ErrTooLarge, 6},
		{message.ErrContent, 7}, {message.ErrTime, 8}, {message.ErrFutureTime, 9},
		{message.ErrChain, 10}, {message.ErrSignatureFormat, 11}, {message.ErrSignature, 12},
		{message.ErrDuplicate, 13}, {message.ErrUnauthorized, 14}, {message.ErrAmendTarget, 15},
		{message.ErrAmendOfAmend, 16}, {message.ErrAmendOwner, 17}, {message.ErrForgetTarget, 18},
		{message.ErrForgetNotAllowed, 19}, {message.ErrForgetForget, 20}, {message.ErrAggregateContent, 21},
		{message.ErrForgetEmpty, 23}, {message.ErrStoreContent, 24}, {message.ErrAggregateTooLarge, 25},
		{message.ErrSender, 26}, {message.ErrContentUnavailable, 27},
		{message.ErrTooManyPending, 28},
	}
	for _, w := range want {
		space, code, log := errs.ABCIInfo(errs.Wrapf(w.err, "detail"))
		if space != message.Codespace || code != w.code || !strings.HasPrefix(log, "detail: ") {
			t.Errorf("%q: %s/%d %q, want %s/%d", w.err.Description, space, code, log, message.Codespace, w.code)
		}
	}
	n := 0
	for _, e := range errs.All() {
		if e.Codespace == message.Codespace {
			n++
		}
	}
	if n != len(want) {
		t.Errorf("codespace %q registers %d errors; this test pins %d", message.Codespace, n, len(want))
	}
}
