package message_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
)

// The vectors are real messages from pyaleph's and aleph-message's test
// fixtures (see "source" in the file), signed by their original senders.

// vectorBlockTime is after every vector, so none is in the future.
var vectorBlockTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func vectorEnv() message.Env {
	return message.Env{Height: 1, BlockTimeUnixNano: vectorBlockTime.UnixNano()}
}

type vector struct {
	raw json.RawMessage
	// fields as any JSON reader sees them, for byte-exact comparisons
	itemContent string
	time        json.RawMessage
}

func loadVectors(tb testing.TB) []vector {
	tb.Helper()
	b, err := os.ReadFile("testdata/mainnet_vectors.json")
	if err != nil {
		tb.Fatal(err)
	}
	var file struct {
		Source   string            `json:"source"`
		Messages []json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		tb.Fatal(err)
	}
	if file.Source == "" || len(file.Messages) == 0 {
		tb.Fatalf("vector file has source %q and %d messages", file.Source, len(file.Messages))
	}
	out := make([]vector, len(file.Messages))
	for i, raw := range file.Messages {
		var f struct {
			ItemContent string          `json:"item_content"`
			Time        json.RawMessage `json:"time"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			tb.Fatal(err)
		}
		out[i] = vector{raw: raw, itemContent: f.ItemContent, time: f.Time}
	}
	return out
}

// vectorEnvelopeErrors are the vectors that pyaleph accepts at ingestion but
// alephd refuses statelessly, by item_hash prefix.
var vectorEnvelopeErrors = map[string]error{
	"3946eb275113": message.ErrForgetEmpty, // FORGET with "hashes": [] (pyaleph: NoForgetTarget, rejected)
}

// TestVectorsValidate checks every vector: it decodes, passes the stateless
// checks, its signature verifies, and ToJSON gives back item_content and the
// time token byte for byte.
func TestVectorsValidate(t *testing.T) {
	for i, v := range loadVectors(t) {
		m, err := message.FromJSON(v.raw)
		if err != nil {
			t.Fatalf("vector %d: FromJSON: %v", i, err)
		}
		name := fmt.Sprintf("%d_%s_%s", i, m.Type, m.ItemHash[:12])
		t.Run(name, func(t *testing.T) {
			if string(m.ItemContent) != v.itemContent {
				t.Fatalf("item_content not kept byte-exact")
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, v.time); err != nil {
				t.Fatalf("time %s: %v", v.time, err)
			}
			if m.Time != compact.String() {
				t.Fatalf("time %s, sent %s", m.Time, v.time)
			}
			_, err := message.ValidateEnvelope(m, message.DefaultParams(), vectorBlockTime.UnixNano())
			if want := vectorEnvelopeErrors[m.ItemHash[:12]]; want != nil {
				if !errors.Is(err, want) {
					t.Fatalf("ValidateEnvelope: %v, want %v", err, want)
				}
			} else if err != nil {
				t.Fatalf("ValidateEnvelope: %v", err)
			}
			if err := message.VerifySignature(m); err != nil {
				t.Fatalf("VerifySignature: %v", err)
			}
			back, err := message.FromJSON(message.ToJSON(m))
			if err != nil || !proto.Equal(back, m) || !bytes.Equal(back.ItemContent, []byte(v.itemContent)) {
				t.Fatalf("ToJSON round trip: %v, %v", back, err)
			}
		})
	}
}

// TestVectorsTampered checks that altering a real message is caught with the
// right error: item_content (hash), sender (signature), signature bytes.
func TestVectorsTampered(t *testing.T) {
	params, now := message.DefaultParams(), vectorBlockTime.UnixNano()
	for i, v := range loadVectors(t) {
		orig, err := message.FromJSON(v.raw)
		if err != nil {
			t.Fatal(err)
		}
		tamper := []struct {
			name   string
			change func(m *pb.AlephMessage)
			want   error
		}{
			{"content char flipped", func(m *pb.AlephMessage) { m.ItemContent = flipChar(m.ItemContent) }, message.ErrHashMismatch},
			{"content space appended", func(m *pb.AlephMessage) { m.ItemContent = append(m.ItemContent, ' ') }, message.ErrHashMismatch},
			{"sender replaced", func(m *pb.AlephMessage) { m.Sender = addrOf(bob) }, message.ErrSignature},
			{"sender is another vector's signer", func(m *pb.AlephMessage) {
				m.Sender = "0x696879aE4F6d8DaDD5b8F1cbb1e663B89b08f106"
				if strings.EqualFold(orig.Sender, m.Sender) {
					m.Sender = "0x720F319A9c3226dCDd7D8C49163D79EDa1084E98"
				}
			}, message.ErrSignature},
			{"signature byte flipped", func(m *pb.AlephMessage) { m.Signature = flipHex(m.Signature, 20) }, message.ErrSignature},
			{"recovery id out of range", func(m *pb.AlephMessage) { m.Signature = m.Signature[:len(m.Signature)-2] + "1d" }, message.ErrSignatureFormat},
			{"signature truncated", func(m *pb.AlephMessage) { m.Signature = m.Signature[:len(m.Signature)-2] }, message.ErrSignatureFormat},
		}
		for _, tc := range tamper {
			m := proto.Clone(orig).(*pb.AlephMessage)
			tc.change(m)
			_, err := message.ValidateEnvelope(m, params, now)
			if errors.Is(err, message.ErrForgetEmpty) {
				err = nil // that vector's own stateless defect, see vectorEnvelopeErrors
			}
			if err == nil {
				err = message.VerifySignature(m)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("vector %d (%s) %s: %v, want %v", i, orig.ItemHash[:12], tc.name, err, tc.want)
			}
		}
	}
}

// flipChar changes the first letter or digit after the opening brace to
// another character of the same kind, keeping the content valid UTF-8.
func flipChar(b []byte) []byte {
	out := append([]byte(nil), b...)
	for i := 1; i < len(out); i++ {
		switch c := out[i]; {
		case c >= 'a' && c <= 'y', c >= 'A' && c <= 'Y', c >= '0' && c <= '8':
			out[i]++
			return out
		}
	}
	panic("no character to flip")
}

// flipHex changes the hex digit at index i (after "0x").
func flipHex(s string, i int) string {
	b := []byte(s)
	i += 2
	if b[i] == '0' {
		b[i] = '1'
	} else {
		b[i] = '0'
	}
	return string(b)
}

// vectorApplyErrors are the vectors Keeper.Apply refuses when the file is
// applied in order to an empty state, by item_hash prefix; every other
// vector must be accepted.
var vectorApplyErrors = map[string]error{
	"498a10255877": message.ErrUnauthorized, // content.address "VM on executor" is not the sender
	"884dd713e94f": message.ErrForgetTarget, // its target is not in the file
	"6351a805121a": message.ErrAmendTarget,  // amends a post not in the file
	"3946eb275113": message.ErrForgetEmpty,  // "hashes": []
	"3cbb3e09a614": message.ErrForgetTarget, // forgets 448b3c6f6455, which comes after it and fails itself
	"448b3c6f6455": message.ErrForgetTarget, // its target is not in the file
}

// TestVectorsApply applies the whole file in order to an empty state and
// checks each verdict, then what the accepted ones built.
func TestVectorsApply(t *testing.T) {
	store, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	accepted, rejected := 0, 0
	var hashes []string
	for i, v := range loadVectors(t) {
		m, err := message.FromJSON(v.raw)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, m.ItemHash)
		err = apply(t, store, vectorEnv(), m)
		want := vectorApplyErrors[m.ItemHash[:12]]
		switch {
		case want == nil && err != nil:
			t.Errorf("vector %d %s %s: %v", i, m.Type, m.ItemHash[:12], err)
		case want != nil && !errors.Is(err, want):
			t.Errorf("vector %d %s %s: %v, want %v", i, m.Type, m.ItemHash[:12], err, want)
		}
		rec, gerr := (message.Keeper{}).GetMessage(store.Working(), m.ItemHash)
		if gerr != nil {
			t.Fatal(gerr)
		}
		if err != nil {
			rejected++
			if rec != nil {
				t.Errorf("vector %d: rejected but recorded", i)
			}
			continue
		}
		accepted++
		if rec == nil || !bytes.Equal(rec.Message.ItemContent, m.ItemContent) || rec.Message.Signature != m.Signature {
			t.Errorf("vector %d: accepted but record is %v", i, rec)
		}
	}
	if accepted+rejected != len(hashes) || rejected != len(vectorApplyErrors) {
		t.Errorf("%d accepted, %d rejected, want %d rejected", accepted, rejected, len(vectorApplyErrors))
	}
	t.Logf("%d vectors accepted, %d rejected", accepted, rejected)

	kv, k := store.Working(), message.Keeper{}
	full := func(prefix string) string {
		for _, h := range hashes {
			if strings.HasPrefix(h, prefix) {
				return h
			}
		}
		t.Fatalf("no vector %s", prefix)
		return ""
	}
	// The post fc1e7b1edc23 is forgotten by the FORGET 431a0d2f79ec.
	rec, _ := k.GetMessage(kv, full("fc1e7b1edc23"))
	if rec.Status != pb.MessageStatus_MESSAGE_STATUS_FORGOTTEN || rec.Message.ItemContent != nil ||
		!reflect.DeepEqual(rec.ForgottenBy, []string{full("431a0d2f79ec")}) {
		t.Errorf("forgotten post: %v", rec)
	}
	// The blog post 9f02e3b5efdb is amended by 93776ad67063.
	if h, _ := k.LatestAmend(kv, full("9f02e3b5efdb")); h != full("93776ad67063") {
		t.Errorf("latest amend of the blog post: %q", h)
	}
	// Aggregates, merged in content.time order.
	for _, tc := range []struct{ owner, key, want string }{
		{"0x720F319A9c3226dCDd7D8C49163D79EDa1084E98", "test_reference", `{"a":1,"b":2,"c":3,"d":4}`},
		{"0x720F319A9c3226dCDd7D8C49163D79EDa1084E98", "test_od", `{"a":1,"b":23}`},
		{"0x720F319A9c3226dCDd7D8C49163D79EDa1084E98", "test_target", `{"a":1,"b":2}`},
		{"0xaC033C1cA5C49Eff98A1D9a56BeDBC4840010BA4", "test_reference", `{"c":3,"d":4}`},
	} {
		agg, err := k.GetAggregate(kv, tc.owner, tc.key)
		if err != nil || agg == nil {
			t.Errorf("aggregate %s/%s: %v, %v", tc.owner, tc.key, agg, err)
			continue
		}
		if !reflect.DeepEqual(decodeObject(t, agg.Content), jsonObject(t, tc.want)) {
			t.Errorf("aggregate %s/%s = %s, want %s", tc.owner, tc.key, agg.Content, tc.want)
		}
	}
}

// TestVectorsOrderIndependent applies the vectors in shuffled orders,
// retrying the rejected ones until nothing more is accepted (as pyaleph
// retries pending messages), and checks that every order ends in the same
// state as file order.
func TestVectorsOrderIndependent(t *testing.T) {
	var msgs []*pb.AlephMessage
	for _, v := range loadVectors(t) {
		m, err := message.FromJSON(v.raw)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	fixpoint := func(order []int) []string {
		c := newChain(t)
		c.env = vectorEnv()
		pending := order
		for {
			var retry []int
			for _, i := range pending {
				if c.apply(msgs[i]) != nil {
					retry = append(retry, i)
				}
			}
			if len(retry) == len(pending) {
				return c.dump()
			}
			pending = retry
		}
	}
	inOrder := make([]int, len(msgs))
	for i := range inOrder {
		inOrder[i] = i
	}
	want := fmt.Sprint(fixpoint(inOrder))
	for seed := int64(1); seed <= 5; seed++ {
		order := rand.New(rand.NewSource(seed)).Perm(len(msgs))
		if got := fmt.Sprint(fixpoint(order)); got != want {
			t.Fatalf("seed %d: state differs from file order", seed)
		}
	}
}
