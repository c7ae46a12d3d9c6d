package message_test

import (
	"reflect"
	"testing"

	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// TestForgetRejections checks the FORGETs that must be refused (pyaleph
// forget.py): nothing named, a missing target, a FORGET target, and another
// owner's message.
func TestForgetRejections(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, c *chain) *pb.AlephMessage
		want  error
	}{
		{"no target", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, alice, client.Forget("TEST", nil, nil, "nothing"))
		}, message.ErrForgetEmpty},
		{"missing hash", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, alice, client.Forget("TEST", []string{sha256Hex("never sent")}, nil, ""))
		}, message.ErrForgetTarget},
		{"one missing hash among good ones", func(t *testing.T, c *chain) *pb.AlephMessage {
			p := sign(t, alice, client.Post("TEST", "note", "x", ""))
			c.mustApply(p)
			return sign(t, alice, client.Forget("TEST", []string{p.ItemHash, sha256Hex("never sent")}, nil, ""))
		}, message.ErrForgetTarget},
		{"missing aggregate key", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, alice, client.Forget("TEST", nil, []string{"profile"}, ""))
		}, message.ErrForgetTarget},
		{"aggregate key of another owner", func(t *testing.T, c *chain) *pb.AlephMessage {
			c.mustApply(sign(t, bob, client.Aggregate("TEST", "profile", map[string]any{"a": 1})))
			return sign(t, alice, client.Forget("TEST", nil, []string{"profile"}, ""))
		}, message.ErrForgetTarget},
		{"someone else's message", func(t *testing.T, c *chain) *pb.AlephMessage {
			p := sign(t, bob, client.Post("TEST", "note", "bob's", ""))
			c.mustApply(p)
			return sign(t, alice, client.Forget("TEST", []string{p.ItemHash}, nil, ""))
		}, message.ErrForgetNotAllowed},
		{"someone else's aggregate, filed under its owner's address", func(t *testing.T, c *chain) *pb.AlephMessage {
			c.mustApply(sign(t, bob, client.Aggregate("TEST", "profile", map[string]any{"a": 1})))
			return sign(t, alice, as(client.Forget("TEST", nil, []string{"profile"}, ""), bob))
		}, message.ErrUnauthorized},
		{"a FORGET", func(t *testing.T, c *chain) *pb.AlephMessage {
			p := sign(t, alice, client.Post("TEST", "note", "x", ""))
			f := sign(t, alice, client.Forget("TEST", []string{p.ItemHash}, nil, ""))
			c.mustApply(p, f)
			return sign(t, alice, client.Forget("TEST", []string{f.ItemHash}, nil, ""))
		}, message.ErrForgetForget},
		{"a FORGET among good ones", func(t *testing.T, c *chain) *pb.AlephMessage {
			p := sign(t, alice, client.Post("TEST", "note", "x", ""))
			q := sign(t, alice, client.Post("TEST", "note", "y", ""))
			f := sign(t, alice, client.Forget("TEST", []string{p.ItemHash}, nil, ""))
			c.mustApply(p, q, f)
			return sign(t, alice, client.Forget("TEST", []string{q.ItemHash, f.ItemHash}, nil, ""))
		}, message.ErrForgetForget},
		{"over 1000 hashes", func(t *testing.T, c *chain) *pb.AlephMessage {
			hashes := make([]string, 1001)
			for i := range hashes {
				hashes[i] = sha256Hex(string(rune(i)))
			}
			return sign(t, alice, client.Forget("TEST", hashes, nil, ""))
		}, message.ErrContent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			m := tc.setup(t, c)
			c.mustReject(m, tc.want)
		})
	}
}

// TestForgetPost checks what forgetting a post does: the record keeps its
// envelope but loses item_content, is FORGOTTEN and names the FORGET; amends
// go with their original; forgetting the head amend recomputes the head.
func TestForgetPost(t *testing.T) {
	orig := sign(t, alice, at(client.Post("TEST", "note", "v0", ""), "1700000000"))
	a1 := sign(t, alice, at(client.Post("TEST", "amend", "v1", orig.ItemHash), "1700000001"))
	a2 := sign(t, alice, at(client.Post("TEST", "amend", "v2", orig.ItemHash), "1700000002"))

	t.Run("own post", func(t *testing.T) {
		c := newChain(t)
		c.mustApply(orig)
		f := sign(t, alice, client.Forget("TEST", []string{orig.ItemHash}, nil, "gdpr"))
		c.mustApply(f)
		assertForgotten(t, c, orig, f.ItemHash)
		if rec := c.record(f.ItemHash); rec.Status != pb.MessageStatus_MESSAGE_STATUS_PROCESSED {
			t.Fatalf("FORGET record %v", rec)
		}
	})
	t.Run("original forgets its amends", func(t *testing.T) {
		c := newChain(t)
		c.mustApply(orig, a1, a2)
		f := sign(t, alice, client.Forget("TEST", []string{orig.ItemHash}, nil, ""))
		c.mustApply(f)
		for _, m := range []*pb.AlephMessage{orig, a1, a2} {
			assertForgotten(t, c, m, f.ItemHash)
		}
		if h := c.latestAmend(orig.ItemHash); h != "" {
			t.Fatalf("forgotten post still has head %s", h)
		}
	})
	t.Run("head amend recomputes the head", func(t *testing.T) {
		c := newChain(t)
		c.mustApply(orig, a1, a2)
		c.mustApply(sign(t, alice, client.Forget("TEST", []string{a2.ItemHash}, nil, "")))
		if h := c.latestAmend(orig.ItemHash); h != a1.ItemHash {
			t.Fatalf("head %s, want %s", h, a1.ItemHash)
		}
		c.mustApply(sign(t, alice, client.Forget("TEST", []string{a1.ItemHash}, nil, "")))
		if h := c.latestAmend(orig.ItemHash); h != "" {
			t.Fatalf("head %s after forgetting every amend", h)
		}
		if rec := c.record(orig.ItemHash); rec.Status != pb.MessageStatus_MESSAGE_STATUS_PROCESSED {
			t.Fatalf("forgetting amends touched the original: %v", rec)
		}
	})
	t.Run("older amend leaves the head", func(t *testing.T) {
		c := newChain(t)
		c.mustApply(orig, a1, a2)
		c.mustApply(sign(t, alice, client.Forget("TEST", []string{a1.ItemHash}, nil, "")))
		if h := c.latestAmend(orig.ItemHash); h != a2.ItemHash {
			t.Fatalf("head %s, want %s", h, a2.ItemHash)
		}
	})
	t.Run("amend and original in one FORGET", func(t *testing.T) {
		for _, hashes := range [][]string{{a1.ItemHash, orig.ItemHash}, {orig.ItemHash, a1.ItemHash}} {
			c := newChain(t)
			c.mustApply(orig, a1)
			f := sign(t, alice, client.Forget("TEST", hashes, nil, ""))
			c.mustApply(f)
			assertForgotten(t, c, orig, f.ItemHash)
			assertForgotten(t, c, a1, f.ItemHash)
		}
	})
	t.Run("same hash twice in one FORGET", func(t *testing.T) {
		c := newChain(t)
		c.mustApply(orig)
		f := sign(t, alice, client.Forget("TEST", []string{orig.ItemHash, orig.ItemHash}, nil, ""))
		c.mustApply(f)
		assertForgotten(t, c, orig, f.ItemHash)
	})
	t.Run("forgetting again appends to forgotten_by", func(t *testing.T) {
		c := newChain(t)
		c.mustApply(orig, a1)
		f1 := sign(t, alice, client.Forget("TEST", []string{orig.ItemHash}, nil, "first"))
		f2 := sign(t, alice, client.Forget("TEST", []string{orig.ItemHash}, nil, "second"))
		f3 := sign(t, alice, client.Forget("TEST", []string{a1.ItemHash}, nil, "third"))
		c.mustApply(f1, f2, f3)
		assertForgotten(t, c, orig, f1.ItemHash, f2.ItemHash)
		assertForgotten(t, c, a1, f1.ItemHash, f3.ItemHash)
	})
}

// assertForgotten checks a forgotten record: status FORGOTTEN, envelope
// intact, item_content gone, size kept, forgotten_by as given.
func assertForgotten(t *testing.T, c *chain, m *pb.AlephMessage, by ...string) {
	t.Helper()
	rec := c.record(m.ItemHash)
	if rec == nil {
		t.Fatalf("%s: record gone; a forgotten message keeps its record", m.ItemHash)
	}
	if rec.Status != pb.MessageStatus_MESSAGE_STATUS_FORGOTTEN {
		t.Fatalf("%s: status %v, want FORGOTTEN", m.ItemHash, rec.Status)
	}
	if rec.Message.ItemContent != nil {
		t.Fatalf("%s: item_content %q kept", m.ItemHash, rec.Message.ItemContent)
	}
	if !reflect.DeepEqual(rec.ForgottenBy, by) {
		t.Fatalf("%s: forgotten_by %v, want %v", m.ItemHash, rec.ForgottenBy, by)
	}
	if rec.Message.Signature != m.Signature || rec.Message.Sender != m.Sender || rec.ContentSize != uint64(len(m.ItemContent)) {
		t.Fatalf("%s: envelope not kept: %v", m.ItemHash, rec)
	}
}

// TestForgetAggregate checks forgetting aggregate elements, by hash and by
// key: the aggregate is recomputed from what remains and disappears when
// nothing does.
func TestForgetAggregate(t *testing.T) {
	e1 := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"a": 1, "b": 1}), "1"))
	e2 := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"b": 2}), "2"))
	other := sign(t, alice, at(client.Aggregate("TEST", "settings", map[string]any{"s": 1}), "3"))
	bobs := sign(t, bob, at(client.Aggregate("TEST", "profile", map[string]any{"bob": 1}), "4"))
	cases := []struct {
		name       string
		hashes     []string
		aggregates []string
		want       string // alice/profile afterwards; "" for none
		forgotten  []*pb.AlephMessage
	}{
		{"latest element by hash", []string{e2.ItemHash}, nil, `{"a":1,"b":1}`, []*pb.AlephMessage{e2}},
		{"earliest element by hash", []string{e1.ItemHash}, nil, `{"b":2}`, []*pb.AlephMessage{e1}},
		{"every element by hash", []string{e1.ItemHash, e2.ItemHash}, nil, "", []*pb.AlephMessage{e1, e2}},
		{"by key", nil, []string{"profile"}, "", []*pb.AlephMessage{e1, e2}},
		{"by key and one of its hashes", []string{e1.ItemHash}, []string{"profile"}, "", []*pb.AlephMessage{e1, e2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			c.mustApply(e1, e2, other, bobs)
			f := sign(t, alice, client.Forget("TEST", tc.hashes, tc.aggregates, ""))
			c.mustApply(f)
			got := c.aggregate(addrOf(alice), "profile")
			var want map[string]any
			if tc.want != "" {
				want = jsonObject(t, tc.want)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("aggregate %v, want %v", got, want)
			}
			for _, m := range tc.forgotten {
				assertForgotten(t, c, m, f.ItemHash)
			}
			if got := c.aggregate(addrOf(alice), "settings"); !reflect.DeepEqual(got, map[string]any{"s": jsonNumber("1")}) {
				t.Fatalf("other key touched: %v", got)
			}
			if got := c.aggregate(addrOf(bob), "profile"); !reflect.DeepEqual(got, map[string]any{"bob": jsonNumber("1")}) {
				t.Fatalf("other owner touched: %v", got)
			}
			if tc.want == "" {
				// A new element starts the aggregate over.
				e3 := sign(t, alice, at(client.Aggregate("TEST", "profile", map[string]any{"c": 3}), "5"))
				c.mustApply(e3)
				if got := c.aggregate(addrOf(alice), "profile"); !reflect.DeepEqual(got, jsonObject(t, `{"c":3}`)) {
					t.Fatalf("aggregate restarted as %v", got)
				}
			}
		})
	}
}

// TestForgetStore checks that a STORE can be forgotten by its owner only.
func TestForgetStore(t *testing.T) {
	c := newChain(t)
	s := sign(t, alice, client.Store("TEST", sha256Hex("file"), "storage", 4))
	c.mustApply(s)
	c.mustReject(sign(t, bob, client.Forget("TEST", []string{s.ItemHash}, nil, "")), message.ErrForgetNotAllowed)
	f := sign(t, alice, client.Forget("TEST", []string{s.ItemHash}, nil, ""))
	c.mustApply(f)
	assertForgotten(t, c, s, f.ItemHash)
}
