package message_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// FuzzFromJSONValidate feeds arbitrary bytes through the stateless path:
// FromJSON, ValidateEnvelope, VerifySignature and ParseContent for every
// type. Nothing may panic, every failure must be a registered rejection, and
// a message that validates must survive ToJSON/FromJSON unchanged.
func FuzzFromJSONValidate(f *testing.F) {
	for i, v := range loadVectors(f) {
		if i%4 == 0 {
			f.Add([]byte(v.raw))
		}
	}
	m := sign(f, alice, client.Post("TEST", "note", "fuzz", ""))
	f.Add(message.ToJSON(m))
	m.ItemType, m.ItemContent = message.ItemStorage, nil // as the SDKs send large content
	f.Add(message.ToJSON(m))
	m.ItemType, m.ItemHash = message.ItemIPFS, "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
	f.Add(message.ToJSON(m))
	for _, junk := range []string{
		``, `{`, `null`, `[]`, `"x"`, `{"time":1e999999}`, `{"time":"2024-11-20T16:02:43.214390+00:00"}`,
		`{"chain":"ETH","sender":"0x0","type":"POST","time":1,"item_type":"inline","item_hash":"x","item_content":"{}","signature":"0x"}`,
		`{"item_content":"{\"address\":\"a\",\"time\":1,\"type\":\"t\"}]"}`,
		`{"item_content":"\ud800"}`,
	} {
		f.Add([]byte(junk))
	}
	params, now := message.DefaultParams(), vectorBlockTime.UnixNano()
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := message.FromJSON(data)
		if err != nil {
			if !errs.IsRegistered(err) {
				t.Fatalf("FromJSON: unregistered error %v", err)
			}
			return
		}
		for _, typ := range []string{message.TypePost, message.TypeAggregate, message.TypeStore, message.TypeForget, message.TypeProgram, message.TypeInstance, "JUNK"} {
			if _, err := message.ParseContent(typ, m.ItemContent); err != nil && !errs.IsRegistered(err) {
				t.Fatalf("ParseContent(%s): unregistered error %v", typ, err)
			}
		}
		if err := message.VerifySignature(m); err != nil && !errs.IsRegistered(err) {
			t.Fatalf("VerifySignature: unregistered error %v", err)
		}
		c, err := message.ValidateEnvelope(m, params, now)
		if err != nil {
			if !errs.IsRegistered(err) {
				t.Fatalf("ValidateEnvelope: unregistered error %v", err)
			}
			return
		}
		if message.Inline(m) && (c.TimeNano < 0 || c.Address == "") {
			t.Fatalf("validated content %+v", c)
		}
		back, err := message.FromJSON(message.ToJSON(m))
		if err != nil || !proto.Equal(back, m) {
			t.Fatalf("ToJSON round trip of a valid message: %v, %v; want %v", back, err, m)
		}
	})
}

// FuzzParseTime checks ParseTime on arbitrary tokens: no panic, failures
// are ErrTime, results are not before 1970, and a plain number reads the
// same as the JSON string holding it.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"1652345678", "1652345678.123", "1.6e9", `"1.6e9"`, `"2022-05-12T08:54:38.123Z"`,
		`"2024-11-20T16:02:43.214390+00:00"`, `"2024-11-20 16:02:43"`, "-1", "null", "", `"`, "1/2",
		"9223372036.854775808", `"0x10"`, "1e999", `"\u0031"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ns, err := message.ParseTime(raw)
		if err != nil {
			if !errors.Is(err, message.ErrTime) {
				t.Fatalf("ParseTime(%q): %v is not ErrTime", raw, err)
			}
			return
		}
		if ns < 0 {
			t.Fatalf("ParseTime(%q) = %d, before 1970", raw, ns)
		}
		if raw != "" && raw == strings.TrimSpace(raw) && raw[0] != '"' {
			quoted, _ := json.Marshal(raw)
			if ns2, err := message.ParseTime(string(quoted)); err != nil || ns2 != ns {
				t.Fatalf("ParseTime(%q) = %d but ParseTime(%s) = %d, %v", raw, ns, quoted, ns2, err)
			}
		}
	})
}

// fuzzBase is the state FuzzApply starts from: a post with an amend, a
// second post already forgotten, an aggregate, a STORE, and alice's security
// aggregate letting bob post notes and write "profile". Fuzzed contents can
// name these hashes.
type fuzzBase struct {
	post, amend, gone, forget, profile, security, store *pb.AlephMessage
}

func (b fuzzBase) all() []*pb.AlephMessage {
	return []*pb.AlephMessage{b.post, b.amend, b.gone, b.forget, b.profile, b.security, b.store}
}

var (
	fuzzBaseOnce sync.Once
	fuzzBaseMsgs fuzzBase
)

func baseMessages(tb testing.TB) fuzzBase {
	fuzzBaseOnce.Do(func() {
		b := fuzzBase{
			post:    sign(tb, alice, at(client.Post("TEST", "note", "base", ""), "1700000000")),
			gone:    sign(tb, alice, at(client.Post("TEST", "note", "gone", ""), "1700000000")),
			profile: sign(tb, alice, at(client.Aggregate("TEST", "profile", map[string]any{"a": 1, "n": map[string]any{"x": 1}}), "1700000000")),
			security: sign(tb, alice, at(client.Aggregate("TEST", message.SecurityKey, map[string]any{"authorizations": []any{
				map[string]any{"address": addrOf(bob), "types": []any{"POST", "AGGREGATE"}, "post_types": []any{"note", "amend"}, "aggregate_keys": []any{"profile"}},
			}}), "1700000000")),
			store: sign(tb, alice, client.Store("TEST", sha256Hex("file"), "storage", 4)),
		}
		b.amend = sign(tb, alice, at(client.Post("TEST", "amend", "base v2", b.post.ItemHash), "1700000001"))
		b.forget = sign(tb, alice, client.Forget("TEST", []string{b.gone.ItemHash}, nil, ""))
		fuzzBaseMsgs = b
	})
	return fuzzBaseMsgs
}

var fuzzTypes = []string{message.TypePost, message.TypeAggregate, message.TypeStore, message.TypeForget, message.TypeProgram, message.TypeInstance}

// FuzzApply fuzzes item_content of each type, signed for real by alice or
// bob, through the full admission path over a populated state. Nothing may
// panic; a rejection must be registered and leave the working hash as it
// was (checked by apply); an acceptance must record the message, make a
// resubmission ErrDuplicate, and leave FORGET targets forgotten and amends
// at the head when they are the latest.
func FuzzApply(f *testing.F) {
	b := baseMessages(f)
	A, B := addrOf(alice), addrOf(bob)
	seeds := []struct {
		typ, signer uint8
		content     string
	}{
		{0, 0, `{"address":"` + A + `","time":1700000002,"type":"note","content":"x"}`},
		{0, 1, `{"address":"` + A + `","time":1700000002,"type":"note","content":"by bob"}`},
		{0, 1, `{"address":"` + A + `","time":1700000002,"type":"blog","content":"by bob"}`},
		{0, 0, `{"address":"` + A + `","time":1700000005,"type":"amend","ref":"` + b.post.ItemHash + `","content":"v3"}`},
		{0, 0, `{"address":"` + A + `","time":1700000005,"type":"amend","ref":"` + b.amend.ItemHash + `"}`},
		{0, 1, `{"address":"` + A + `","time":1700000005,"type":"amend","ref":{"item_hash":"` + b.post.ItemHash + `"}}`},
		{0, 0, `{"address":"` + A + `","time":1700000002,"type":"note"}]`},
		{1, 0, `{"address":"` + A + `","time":1699999999,"key":"profile","content":{"a":2,"n":{"y":2}}}`},
		{1, 1, `{"address":"` + A + `","time":1700000003,"key":"profile","content":{"b":3}}`},
		{1, 1, `{"address":"` + A + `","time":1700000003,"key":"security","content":{"authorizations":[]}}`},
		{1, 0, `{"address":"` + A + `","time":1700000003,"key":{"name":"profile"},"content":[1]}`},
		{2, 0, `{"address":"` + A + `","time":1700000003,"item_type":"ipfs","item_hash":"QmPVwkMvXRVCnWMWwAgu4pwyP1ZTTbRqHV4sLbrxBhcdPK"}`},
		{2, 1, `{"address":"` + B + `","time":1700000003,"item_type":"storage","item_hash":"` + sha256Hex("f") + `"}`},
		{3, 0, `{"address":"` + A + `","time":1700000004,"hashes":["` + b.post.ItemHash + `"]}`},
		{3, 0, `{"address":"` + A + `","time":1700000004,"hashes":["` + b.amend.ItemHash + `","` + b.gone.ItemHash + `"]}`},
		{3, 0, `{"address":"` + A + `","time":1700000004,"hashes":["` + b.forget.ItemHash + `"]}`},
		{3, 0, `{"address":"` + A + `","time":1700000004,"hashes":[],"aggregates":["profile","security"]}`},
		{3, 1, `{"address":"` + A + `","time":1700000004,"hashes":["` + b.store.ItemHash + `"]}`},
		{3, 1, `{"address":"` + A + `","time":1700000004,"aggregates":["profile"]}`},
		{4, 0, `{"address":"` + A + `","time":1700000004,"type":"vm-function","allow_amend":false}`},
		{5, 1, `{"address":"` + B + `","time":"2024-11-20T16:02:43.214390+00:00"}`},
		{0, 0, `{"address":"` + A + `","time":1e999999,"type":"note"}`},
		{0, 0, ``},
		{1, 0, `{"address":"` + A + `","time":1700000000,"key":"profile","content":{"a":1,"n":{"x":1}}}`}, // same content as the base element: a duplicate
	}
	for _, s := range seeds {
		f.Add(s.typ, s.signer, []byte(s.content))
	}
	f.Fuzz(func(t *testing.T, typ, signer uint8, content []byte) {
		c := newChain(t)
		c.mustApply(b.all()...)
		key := alice
		if signer%2 == 1 {
			key = bob
		}
		sum := sha256.Sum256(content)
		m := &pb.AlephMessage{
			Chain: "ETH", Sender: addrOf(key), Type: fuzzTypes[int(typ)%len(fuzzTypes)], Channel: "TEST",
			Time: "1700000000", ItemType: "inline", ItemContent: content, ItemHash: hex.EncodeToString(sum[:]),
		}
		if err := client.SignMessage(key, m); err != nil {
			t.Fatal(err)
		}
		if err := c.apply(m); err != nil {
			return // apply checked the error is registered and the state unchanged
		}
		parsed, err := message.ParseContent(m.Type, m.ItemContent)
		if err != nil {
			t.Fatalf("accepted content no longer parses: %v", err)
		}
		rec := c.record(m.ItemHash)
		want := pb.MessageStatus_MESSAGE_STATUS_PROCESSED
		if m.Type == message.TypeStore {
			want = pb.MessageStatus_MESSAGE_STATUS_PENDING // until its file is attested
		}
		if rec == nil || rec.Status != want || string(rec.Message.ItemContent) != string(content) || rec.Owner != parsed.Address {
			t.Fatalf("accepted message recorded as %v", rec)
		}
		switch {
		case m.Type == message.TypeForget:
			for _, h := range parsed.Hashes {
				if r := c.record(h); r == nil || r.Status != pb.MessageStatus_MESSAGE_STATUS_FORGOTTEN || r.Message.ItemContent != nil {
					t.Fatalf("FORGET accepted but target %s is %v", h, r)
				}
			}
		case m.Type == message.TypeAggregate:
			if agg := c.aggregate(parsed.Address, parsed.Key); agg == nil {
				t.Fatalf("AGGREGATE accepted but %s/%s is missing", parsed.Address, parsed.Key)
			}
		case m.Type == message.TypePost && parsed.PostType == message.AmendType && parsed.TimeNano > 1_700_000_001e9:
			if h := c.latestAmend(parsed.Ref); h != m.ItemHash {
				t.Fatalf("latest amend of %s is %s, want the newer %s", parsed.Ref, h, m.ItemHash)
			}
		}
		c.mustReject(m, message.ErrDuplicate)
	})
}

// FuzzParseFetched feeds arbitrary attested content to a pending
// non-inline message of every type: nothing panics, every refusal is a
// registered rejection, and accepted content is the message's, unchanged.
func FuzzParseFetched(f *testing.F) {
	m := sign(f, alice, client.Post("TEST", "note", "fuzz", ""))
	f.Add(m.ItemContent)
	for _, junk := range []string{``, `{}`, `{"address":"a","time":1}`, "\xff", `{"address":"a","time":1,"key":"k","content":{}}`} {
		f.Add([]byte(junk))
	}
	m.ItemType, m.ItemContent = message.ItemStorage, nil
	params := message.DefaultParams()
	f.Fuzz(func(t *testing.T, content []byte) {
		for _, typ := range []string{message.TypePost, message.TypeAggregate, message.TypeForget, message.TypeProgram, message.TypeInstance} {
			pm := proto.Clone(m).(*pb.AlephMessage)
			pm.Type = typ
			full, c, err := message.ParseFetched(pm, content, params)
			if err != nil {
				if !errs.IsRegistered(err) {
					t.Fatalf("ParseFetched(%s): unregistered error %v", typ, err)
				}
				continue
			}
			if c.Address == "" || string(full.ItemContent) != string(content) || full.ItemHash != pm.ItemHash || len(pm.ItemContent) != 0 {
				t.Fatalf("ParseFetched(%s) accepted %q as %+v", typ, content, c)
			}
		}
	})
}
