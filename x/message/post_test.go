package message_test

import (
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// TestPost checks POST and amend admission (pyaleph handlers/content/post.py):
// each case builds some state, then applies one message and expects either
// acceptance or one registered rejection.
func TestPost(t *testing.T) {
	cases := []struct {
		name string
		// setup applies prerequisites and returns the message under test.
		setup func(t *testing.T, c *chain) *pb.AlephMessage
		want  error
	}{
		{"plain post", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, alice, client.Post("TEST", "note", map[string]any{"body": "hello"}, ""))
		}, nil},
		{"post with non-amend ref is a plain post", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, alice, client.Post("TEST", "reply", "hi", "some-thread"))
		}, nil},
		{"amend of own post", func(t *testing.T, c *chain) *pb.AlephMessage {
			orig := sign(t, alice, client.Post("TEST", "note", "v1", ""))
			c.mustApply(orig)
			return sign(t, alice, client.Post("TEST", "amend", "v2", orig.ItemHash))
		}, nil},
		{"amend with ref as a ChainRef object", func(t *testing.T, c *chain) *pb.AlephMessage {
			orig := sign(t, alice, client.Post("TEST", "note", "v1", ""))
			c.mustApply(orig)
			d := client.Post("TEST", "amend", "v2", "")
			d.Content["ref"] = map[string]any{"item_hash": orig.ItemHash, "chain": "ETH"}
			return sign(t, alice, d)
		}, nil},
		{"amend on another channel", func(t *testing.T, c *chain) *pb.AlephMessage {
			orig := sign(t, alice, client.Post("TEST", "note", "v1", ""))
			c.mustApply(orig)
			return sign(t, alice, client.Post("OTHER", "amend", "v2", orig.ItemHash))
		}, nil},
		{"amend of an amend", func(t *testing.T, c *chain) *pb.AlephMessage {
			orig := sign(t, alice, client.Post("TEST", "note", "v1", ""))
			a := sign(t, alice, client.Post("TEST", "amend", "v2", orig.ItemHash))
			c.mustApply(orig, a)
			return sign(t, alice, client.Post("TEST", "amend", "v3", a.ItemHash))
		}, message.ErrAmendOfAmend},
		{"amend of a missing post", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, alice, client.Post("TEST", "amend", "v2", sha256Hex("nothing")))
		}, message.ErrAmendTarget},
		{"amend of an AGGREGATE", func(t *testing.T, c *chain) *pb.AlephMessage {
			agg := sign(t, alice, client.Aggregate("TEST", "profile", map[string]any{"a": 1}))
			c.mustApply(agg)
			return sign(t, alice, client.Post("TEST", "amend", "v2", agg.ItemHash))
		}, message.ErrAmendTarget},
		{"amend of a forgotten post", func(t *testing.T, c *chain) *pb.AlephMessage {
			orig := sign(t, alice, client.Post("TEST", "note", "v1", ""))
			c.mustApply(orig, sign(t, alice, client.Forget("TEST", []string{orig.ItemHash}, nil, "")))
			return sign(t, alice, client.Post("TEST", "amend", "v2", orig.ItemHash))
		}, message.ErrAmendTarget},
		{"amend by another owner", func(t *testing.T, c *chain) *pb.AlephMessage {
			orig := sign(t, alice, client.Post("TEST", "note", "v1", ""))
			c.mustApply(orig)
			return sign(t, bob, client.Post("TEST", "amend", "bob's", orig.ItemHash))
		}, message.ErrAmendOwner},
		{"amend for the owner by an unauthorized sender", func(t *testing.T, c *chain) *pb.AlephMessage {
			orig := sign(t, alice, client.Post("TEST", "note", "v1", ""))
			c.mustApply(orig)
			return sign(t, bob, as(client.Post("TEST", "amend", "bob's", orig.ItemHash), alice))
		}, message.ErrUnauthorized},
		{"amend without ref", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, alice, client.Post("TEST", "amend", "v2", ""))
		}, message.ErrContent},
		{"post without type", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, alice, client.Draft{Type: message.TypePost, Channel: "TEST", Content: map[string]any{"content": "x"}})
		}, message.ErrContent},
		{"post without address", func(t *testing.T, c *chain) *pb.AlephMessage {
			return rawMessage(t, alice, message.TypePost, `{"time":1700000000,"type":"note"}`)
		}, message.ErrContent},
		{"post without time", func(t *testing.T, c *chain) *pb.AlephMessage {
			return rawMessage(t, alice, message.TypePost, `{"address":"`+addrOf(alice)+`","type":"note"}`)
		}, message.ErrContent},
		{"post with a negative content time", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, alice, at(client.Post("TEST", "note", "x", ""), "-1"))
		}, message.ErrContent},
		{"post with content time beyond aleph-message's bound", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, alice, at(client.Post("TEST", "note", "x", ""), "9223372037"))
		}, message.ErrContent},
		{"post by someone else's address", func(t *testing.T, c *chain) *pb.AlephMessage {
			return sign(t, bob, as(client.Post("TEST", "note", "x", ""), alice))
		}, message.ErrUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			m := tc.setup(t, c)
			if tc.want != nil {
				c.mustReject(m, tc.want)
				if c.record(m.ItemHash) != nil {
					t.Fatalf("rejected message was recorded")
				}
				return
			}
			c.mustApply(m)
			rec := c.record(m.ItemHash)
			if rec == nil || rec.Status != pb.MessageStatus_MESSAGE_STATUS_PROCESSED || rec.Owner != addrOf(alice) {
				t.Fatalf("record %v", rec)
			}
		})
	}
}

// TestLatestAmend checks that the head of a post is the amend with the
// greatest content.time, ties going to the greater item_hash, whatever the
// order the amends arrive in.
func TestLatestAmend(t *testing.T) {
	orig := sign(t, alice, at(client.Post("TEST", "note", "v0", ""), "1700000000"))
	amend := func(body, seconds string) *pb.AlephMessage {
		return sign(t, alice, at(client.Post("TEST", "amend", body, orig.ItemHash), seconds))
	}
	early, late := amend("early", "1700000001.5"), amend("late", "1700000002")
	tieA, tieB := amend("tie-a", "1700000003"), amend("tie-b", "1700000003")
	tieWinner := tieA
	if tieB.ItemHash > tieA.ItemHash {
		tieWinner = tieB
	}
	older := amend("older than the original", "1600000000")
	cases := []struct {
		name  string
		order []*pb.AlephMessage
		want  *pb.AlephMessage
	}{
		{"one amend", []*pb.AlephMessage{early}, early},
		{"in order", []*pb.AlephMessage{early, late}, late},
		{"reverse order", []*pb.AlephMessage{late, early}, late},
		{"tie, a first", []*pb.AlephMessage{tieA, tieB}, tieWinner},
		{"tie, b first", []*pb.AlephMessage{tieB, tieA}, tieWinner},
		{"tie among others", []*pb.AlephMessage{late, tieB, early, tieA}, tieWinner},
		{"amend dated before its original", []*pb.AlephMessage{older}, older},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			c.mustApply(orig)
			if got := c.latestAmend(orig.ItemHash); got != "" {
				t.Fatalf("post with no amend has head %q", got)
			}
			c.mustApply(tc.order...)
			if got := c.latestAmend(orig.ItemHash); got != tc.want.ItemHash {
				t.Fatalf("latest amend %s, want %s", got, tc.want.ItemHash)
			}
		})
	}
}

// TestAmendOrderProperty is the property behind TestLatestAmend: for random
// amends (many with equal times) applied in random orders, the head is the
// model's maximum by (content.time, item_hash), the whole state is the same
// for every order, and forgetting the head falls back to the model's next.
func TestAmendOrderProperty(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewSource(seed))
		orig := sign(t, alice, client.Post("TEST", "note", fmt.Sprint("seed ", seed), ""))
		n := 1 + rng.Intn(6)
		amends := make([]*pb.AlephMessage, n)
		for i := range amends {
			secs := fmt.Sprintf("17000000%02d", rng.Intn(3))
			amends[i] = sign(t, alice, at(client.Post("TEST", "amend", fmt.Sprint("v", i), orig.ItemHash), secs))
		}
		byOrder := append([]*pb.AlephMessage(nil), amends...)
		sort.Slice(byOrder, func(i, j int) bool { return orderedBefore(t, byOrder[i], byOrder[j]) })
		head := byOrder[n-1]
		forgetHead := sign(t, alice, client.Forget("TEST", []string{head.ItemHash}, nil, ""))
		wantAfter := ""
		if n > 1 {
			wantAfter = byOrder[n-2].ItemHash
		}

		var first []string
		for p := 0; p < 4; p++ {
			c := newChain(t)
			c.mustApply(orig)
			for _, i := range rng.Perm(n) {
				c.mustApply(amends[i])
			}
			if got := c.latestAmend(orig.ItemHash); got != head.ItemHash {
				t.Fatalf("seed %d perm %d: head %s, want %s", seed, p, got, head.ItemHash)
			}
			dump := c.dump()
			if first == nil {
				first = dump
			} else if fmt.Sprint(dump) != fmt.Sprint(first) {
				t.Fatalf("seed %d perm %d: state depends on arrival order", seed, p)
			}
			c.mustApply(forgetHead)
			if got := c.latestAmend(orig.ItemHash); got != wantAfter {
				t.Fatalf("seed %d perm %d: after forgetting the head, head %q, want %q", seed, p, got, wantAfter)
			}
		}
	}
}

// orderedBefore is the model order of amends and aggregate elements:
// content.time, then item_hash.
func orderedBefore(t *testing.T, a, b *pb.AlephMessage) bool {
	ta, tb := contentTime(t, a), contentTime(t, b)
	if ta != tb {
		return ta < tb
	}
	return a.ItemHash < b.ItemHash
}

func contentTime(t *testing.T, m *pb.AlephMessage) int64 {
	c, err := message.ParseContent(m.Type, m.ItemContent)
	if err != nil {
		t.Fatal(err)
	}
	return c.TimeNano
}
