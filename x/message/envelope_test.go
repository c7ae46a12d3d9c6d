package message_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// TestFromJSON checks decoding of the Aleph message object: the time token
// and item_content are kept exactly as sent, unknown fields are ignored, and
// what is not a JSON object with string fields is ErrDecode.
func TestFromJSON(t *testing.T) {
	const base = `"chain":"ETH","sender":"0xA","type":"POST","item_type":"inline","item_hash":"h","item_content":"{\"a\": 1.50}","signature":"0x1"`
	ok := []struct {
		name, in string
		want     *pb.AlephMessage
	}{
		{"float time kept as sent", `{` + base + `,"channel":"C","time":1651050219.3488848}`,
			&pb.AlephMessage{Chain: "ETH", Sender: "0xA", Type: "POST", Channel: "C", Time: "1651050219.3488848", ItemType: "inline", ItemHash: "h", ItemContent: []byte(`{"a": 1.50}`), Signature: "0x1"}},
		{"exponent time kept as sent", `{` + base + `,"time":1.6e9}`,
			&pb.AlephMessage{Chain: "ETH", Sender: "0xA", Type: "POST", Time: "1.6e9", ItemType: "inline", ItemHash: "h", ItemContent: []byte(`{"a": 1.50}`), Signature: "0x1"}},
		{"ISO time kept with its quotes", `{` + base + `,"time": "2024-11-20T16:02:43.214390+00:00"}`,
			&pb.AlephMessage{Chain: "ETH", Sender: "0xA", Type: "POST", Time: `"2024-11-20T16:02:43.214390+00:00"`, ItemType: "inline", ItemHash: "h", ItemContent: []byte(`{"a": 1.50}`), Signature: "0x1"}},
		{"null channel, extra fields ignored", `{` + base + `,"channel":null,"time":1,"size":3,"confirmed":true,"content":{"x":1}}`,
			&pb.AlephMessage{Chain: "ETH", Sender: "0xA", Type: "POST", Time: "1", ItemType: "inline", ItemHash: "h", ItemContent: []byte(`{"a": 1.50}`), Signature: "0x1"}},
		{"escapes in item_content decoded", `{"item_content":"{\"s\":\"\\u00e9\\n\"}"}`,
			&pb.AlephMessage{ItemContent: []byte("{\"s\":\"\\u00e9\\n\"}")}},
	}
	for _, tc := range ok {
		m, err := message.FromJSON([]byte(tc.in))
		if err != nil || !proto.Equal(m, tc.want) {
			t.Errorf("%s: FromJSON = %v, %v; want %v", tc.name, m, err, tc.want)
		}
	}
	bad := []string{
		``, `{`, `[]`, `"x"`, `1`, `{"sender":5}`, `{"item_content":{"a":1}}`, `{"signature":["0x"]}`,
		`{"time":1.5.5}`, `{"time":}`, `{"chain":"ETH"} junk`, `null`,
	}
	for _, in := range bad {
		if m, err := message.FromJSON([]byte(in)); !errors.Is(err, message.ErrDecode) {
			t.Errorf("FromJSON(%s) = %v, %v; want ErrDecode", in, m, err)
		}
	}
	// An empty object decodes to an empty message, which validation refuses.
	m, err := message.FromJSON([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := message.ValidateEnvelope(m, message.DefaultParams(), blockTime.UnixNano()); !errors.Is(err, message.ErrMissingField) {
		t.Fatalf("empty message: %v, want ErrMissingField", err)
	}
}

// TestToJSONRoundTrip checks that ToJSON writes pyaleph's field order and
// that FromJSON reads back exactly the message, item_content bytes included
// (HTML characters, non-ASCII, escapes, odd spacing).
func TestToJSONRoundTrip(t *testing.T) {
	m := sign(t, alice, client.Post("TEST", "note", "<b>&é\u2028</b>", ""))
	m.ItemContent = []byte("{ \"address\": \"x\",\n\t\"s\": \"<&>\\u00e9\" }")
	m.Time = `"2024-11-20T16:02:43.214390+00:00"`
	got, err := message.FromJSON(message.ToJSON(m))
	if err != nil || !proto.Equal(got, m) {
		t.Fatalf("round trip: %v, %v; want %v", got, err, m)
	}
	small := &pb.AlephMessage{Chain: "ETH", Sender: "0xA", Type: "POST", Channel: "C", Time: "1.5", ItemType: "inline", ItemHash: "h", ItemContent: []byte(`{}`), Signature: "0x1"}
	const want = `{"chain":"ETH","sender":"0xA","type":"POST","channel":"C","time":1.5,"item_type":"inline","item_hash":"h","item_content":"{}","signature":"0x1"}`
	if got := string(message.ToJSON(small)); got != want {
		t.Fatalf("ToJSON = %s\nwant     %s", got, want)
	}
}

// TestVerifySignature checks EIP-191 verification: the signature must
// recover the sender (compared case-insensitively) over
// "{chain}\n{sender}\n{type}\n{item_hash}", on an EVM chain, and be 65 bytes
// of hex with v in {0, 1, 27, 28}.
func TestVerifySignature(t *testing.T) {
	fresh := func() *pb.AlephMessage { return sign(t, alice, client.Post("TEST", "note", "signed", "")) }
	withSig := func(f func(sig []byte) string) func(m *pb.AlephMessage) {
		return func(m *pb.AlephMessage) {
			sig, err := hex.DecodeString(strings.TrimPrefix(m.Signature, "0x"))
			if err != nil {
				t.Fatal(err)
			}
			m.Signature = f(sig)
		}
	}
	cases := []struct {
		name   string
		tamper func(m *pb.AlephMessage)
		want   error
	}{
		{"as signed", func(m *pb.AlephMessage) {}, nil},
		{"sender in lower case", func(m *pb.AlephMessage) { m.Sender = strings.ToLower(m.Sender); mustSign(t, alice, m) }, nil},
		{"sender in upper case", func(m *pb.AlephMessage) {
			m.Sender = "0x" + strings.ToUpper(m.Sender[2:])
			mustSign(t, alice, m)
		}, nil},
		{"v as 0/1", withSig(func(sig []byte) string { sig[64] -= 27; return "0x" + hex.EncodeToString(sig) }), nil},
		{"no 0x prefix", func(m *pb.AlephMessage) { m.Signature = m.Signature[2:] }, nil},
		{"other BSC chain signed as such", func(m *pb.AlephMessage) { m.Chain = "BSC"; mustSign(t, alice, m) }, nil},

		{"sender changed", func(m *pb.AlephMessage) { m.Sender = addrOf(bob) }, message.ErrSignature},
		{"chain changed", func(m *pb.AlephMessage) { m.Chain = "BSC" }, message.ErrSignature},
		{"type changed", func(m *pb.AlephMessage) { m.Type = message.TypeStore }, message.ErrSignature},
		{"item_hash changed", func(m *pb.AlephMessage) { m.ItemHash = sha256Hex("other") }, message.ErrSignature},
		{"s bit flipped", withSig(func(sig []byte) string { sig[40] ^= 1; return "0x" + hex.EncodeToString(sig) }), message.ErrSignature},
		{"v swapped 27<->28", withSig(func(sig []byte) string { sig[64] = 55 - sig[64]; return "0x" + hex.EncodeToString(sig) }), message.ErrSignature},
		{"r and s zero", withSig(func(sig []byte) string { clear(sig[:64]); return "0x" + hex.EncodeToString(sig) }), message.ErrSignature},

		{"v is 29", withSig(func(sig []byte) string { sig[64] = 29; return "0x" + hex.EncodeToString(sig) }), message.ErrSignatureFormat},
		{"v is 2", withSig(func(sig []byte) string { sig[64] = 2; return "0x" + hex.EncodeToString(sig) }), message.ErrSignatureFormat},
		{"64 bytes", withSig(func(sig []byte) string { return "0x" + hex.EncodeToString(sig[:64]) }), message.ErrSignatureFormat},
		{"66 bytes", withSig(func(sig []byte) string { return "0x" + hex.EncodeToString(append(sig, 0)) }), message.ErrSignatureFormat},
		{"not hex", func(m *pb.AlephMessage) { m.Signature = "0x" + strings.Repeat("zz", 65) }, message.ErrSignatureFormat},
		{"odd hex", func(m *pb.AlephMessage) { m.Signature = m.Signature[:len(m.Signature)-1] }, message.ErrSignatureFormat},
		{"empty", func(m *pb.AlephMessage) { m.Signature = "" }, message.ErrSignatureFormat},
		{"sender not an address", func(m *pb.AlephMessage) { m.Sender = "VM on executor" }, message.ErrSender},
		{"sender too short", func(m *pb.AlephMessage) { m.Sender = m.Sender[:41] }, message.ErrSender},
		{"sender without 0x, signed as such", func(m *pb.AlephMessage) { m.Sender = m.Sender[2:]; mustSign(t, alice, m) }, message.ErrSender},

		{"EVM key on SOL", func(m *pb.AlephMessage) { m.Chain = "SOL" }, message.ErrSender},
		{"AVAX is not EVM (pyaleph verifies Avalanche key pairs)", func(m *pb.AlephMessage) { m.Chain = "AVAX"; mustSign(t, alice, m) }, message.ErrSender},
		{"chain pyaleph does not verify", func(m *pb.AlephMessage) { m.Chain = "AURORA"; mustSign(t, alice, m) }, message.ErrChain},
		{"chain in lower case", func(m *pb.AlephMessage) { m.Chain = "eth"; mustSign(t, alice, m) }, message.ErrChain},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := fresh()
			tc.tamper(m)
			err := message.VerifySignature(m)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("VerifySignature = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestSignatureErrorLog checks that a signature by the wrong key is
// reported as message/12 with a log naming both the recovered address and
// the claimed sender, so a user can see which key signed.
func TestSignatureErrorLog(t *testing.T) {
	m := sign(t, alice, client.Post("TEST", "note", "who signed?", ""))
	m.Sender = addrOf(bob)
	mustSign(t, alice, m) // alice signs a payload that names bob
	c := newChain(t)
	err := c.apply(m)
	if !errors.Is(err, message.ErrSignature) {
		t.Fatalf("apply: %v, want ErrSignature", err)
	}
	space, code, log := errs.ABCIInfo(err)
	if space != message.Codespace || code != 12 {
		t.Fatalf("ABCIInfo = %s/%d", space, code)
	}
	if !strings.Contains(log, addrOf(alice)) || !strings.Contains(log, addrOf(bob)) {
		t.Fatalf("log %q does not name both %s (signer) and %s (sender)", log, addrOf(alice), addrOf(bob))
	}
}

// TestParseContent checks the per-type content rules directly.
func TestParseContent(t *testing.T) {
	const addr = `"address":"0xA","time":1700000000.5`
	cases := []struct {
		typ, content string
		want         error
		check        func(c *message.Content) bool
	}{
		{message.TypePost, `{` + addr + `,"type":"note"}`, nil, func(c *message.Content) bool {
			return c.Address == "0xA" && c.TimeNano == 1_700_000_000_500_000_000 && c.PostType == "note" && c.Ref == ""
		}},
		{message.TypePost, `{` + addr + `,"type":"amend","ref":"abc"}`, nil, func(c *message.Content) bool { return c.Ref == "abc" }},
		{message.TypePost, `{` + addr + `,"type":"amend","ref":{"item_hash":"abc","chain":"ETH"}}`, nil, func(c *message.Content) bool { return c.Ref == "abc" }},
		{message.TypePost, `{` + addr + `,"type":"amend"}`, message.ErrContent, nil},
		{message.TypePost, `{` + addr + `,"type":"amend","ref":""}`, message.ErrContent, nil},
		{message.TypePost, `{` + addr + `,"type":"amend","ref":5}`, message.ErrContent, nil},
		{message.TypePost, `{` + addr + `}`, message.ErrContent, nil},
		{message.TypePost, `{` + addr + `,"type":""}`, message.ErrContent, nil},
		{message.TypePost, `{"time":1,"type":"note"}`, message.ErrContent, nil},
		{message.TypePost, `{"address":"","time":1,"type":"note"}`, message.ErrContent, nil},
		{message.TypePost, `{"address":5,"time":1,"type":"note"}`, message.ErrContent, nil},
		{message.TypePost, `{"address":"0xA","type":"note"}`, message.ErrContent, nil},
		{message.TypePost, `{"address":"0xA","time":"2024-11-20T16:02:43Z","type":"note"}`, nil, nil},
		{message.TypePost, `{"address":"0xA","time":-1,"type":"note"}`, message.ErrContent, nil},
		{message.TypePost, `{"address":"0xA","time":9223372036.000000001,"type":"note"}`, message.ErrContent, nil},
		{message.TypePost, `{"address":"0xA","time":9223372036,"type":"note"}`, nil, nil},
		{message.TypePost, `{` + addr + `,"type":"note"} {}`, message.ErrContent, nil},
		{message.TypePost, `null`, message.ErrContent, nil},
		{message.TypePost, `"x"`, message.ErrContent, nil},

		{message.TypeAggregate, `{` + addr + `,"key":"k","content":{"a":1}}`, nil, func(c *message.Content) bool {
			return c.Key == "k" && string(c.Object["a"]) == "1"
		}},
		{message.TypeAggregate, `{` + addr + `,"key":{"name":"k"},"content":{}}`, nil, func(c *message.Content) bool { return c.Key == "k" && len(c.Object) == 0 }},
		{message.TypeAggregate, `{` + addr + `,"key":{"name":""},"content":{}}`, message.ErrContent, nil},
		{message.TypeAggregate, `{` + addr + `,"key":"k","content":[1]}`, message.ErrAggregateContent, nil},
		{message.TypeAggregate, `{` + addr + `,"key":"k","content":"s"}`, message.ErrAggregateContent, nil},
		{message.TypeAggregate, `{` + addr + `,"key":"k","content":null}`, message.ErrAggregateContent, nil},
		{message.TypeAggregate, `{` + addr + `,"key":"k"}`, message.ErrAggregateContent, nil},

		{message.TypeStore, `{` + addr + `,"item_type":"storage","item_hash":"` + sha256Hex("f") + `"}`, nil, func(c *message.Content) bool {
			return c.FileType == "storage" && c.FileHash == sha256Hex("f")
		}},
		{message.TypeStore, `{` + addr + `,"item_type":"ipfs","item_hash":"QmPVwkMvXRVCnWMWwAgu4pwyP1ZTTbRqHV4sLbrxBhcdPK"}`, nil, func(c *message.Content) bool { return c.FileType == "ipfs" }},
		{message.TypeStore, `{` + addr + `,"item_type":"storage","item_hash":"QmPVwkMvXRVCnWMWwAgu4pwyP1ZTTbRqHV4sLbrxBhcdPK"}`, message.ErrStoreContent, nil},
		{message.TypeStore, `{` + addr + `,"item_type":"ipfs"}`, message.ErrStoreContent, nil},

		{message.TypeForget, `{` + addr + `,"hashes":["a"]}`, nil, func(c *message.Content) bool { return len(c.Hashes) == 1 && c.Hashes[0] == "a" }},
		{message.TypeForget, `{` + addr + `,"hashes":[],"aggregates":["k"]}`, nil, func(c *message.Content) bool { return len(c.Aggregates) == 1 }},
		{message.TypeForget, `{` + addr + `,"hashes":[]}`, message.ErrForgetEmpty, nil},
		{message.TypeForget, `{` + addr + `}`, message.ErrForgetEmpty, nil},
		{message.TypeForget, `{` + addr + `,"hashes":[1]}`, message.ErrContent, nil},
		{message.TypeForget, `{` + addr + `,"hashes":"a"}`, message.ErrContent, nil},

		{message.TypeProgram, `{` + addr + `,"type":"vm-function"}`, nil, nil},
		{message.TypeInstance, `{` + addr + `}`, nil, nil},
	}
	for _, tc := range cases {
		c, err := message.ParseContent(tc.typ, []byte(tc.content))
		switch {
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s %s: %v, want %v", tc.typ, tc.content, err, tc.want)
		case tc.want == nil && err != nil:
			t.Errorf("%s %s: %v", tc.typ, tc.content, err)
		case tc.want == nil && tc.check != nil && !tc.check(c):
			t.Errorf("%s %s: parsed %+v", tc.typ, tc.content, c)
		}
	}
}

// TestParseContentRejectsTrailingData guards "item_content must be valid
// JSON" (pyaleph json.loads): a closing bracket or brace after the object,
// and anything after it, is not JSON. json.Decoder.More reports false before
// ']' and '}', so ParseContent's trailing-data check lets them through.
func TestParseContentRejectsTrailingData(t *testing.T) {
	const post = `{"address":"0xA","time":1,"type":"note"}`
	for _, tail := range []string{"]", "}", " ]", "}}}", "]not json at all", "}{\"address\":\"0xB\"}"} {
		if _, err := message.ParseContent(message.TypePost, []byte(post+tail)); !errors.Is(err, message.ErrContent) {
			t.Errorf("ParseContent(%q): %v, want ErrContent", post+tail, err)
		}
	}
}

// TestContentFieldNamesAreCaseSensitive guards agreement with every other
// reader of item_content (pyaleph, the SDKs, explorers): "Address" is not
// "address". encoding/json matches struct fields case-insensitively, so a
// later "Address" (or "TYPE", "Ref", "Hashes", ...) silently replaces the
// real field: bob can publish a post whose item_content says
// "address": alice to everyone else, while alephd checks it as bob's own.
func TestContentFieldNamesAreCaseSensitive(t *testing.T) {
	spoof := `{"address":"` + addrOf(alice) + `","Address":"` + addrOf(bob) + `","time":1700000000,"type":"note","content":"signed by alice, honest"}`
	c, err := message.ParseContent(message.TypePost, []byte(spoof))
	if err == nil && c.Address != addrOf(alice) {
		t.Errorf("content.address read as %s; every JSON reader sees %s", c.Address, addrOf(alice))
	}
	chain := newChain(t)
	m := rawMessage(t, bob, message.TypePost, spoof)
	if err := chain.apply(m); !errors.Is(err, message.ErrUnauthorized) && !errors.Is(err, message.ErrContent) {
		t.Errorf("bob's post claiming address %s: %v, want ErrUnauthorized or ErrContent", addrOf(alice), err)
	}
	if _, err := message.ParseContent(message.TypePost, []byte(`{"ADDRESS":"0xA","time":1,"type":"note"}`)); !errors.Is(err, message.ErrContent) {
		t.Errorf("content without \"address\": %v, want ErrContent", err)
	}
}
