package message_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// security signs alice's security aggregate holding authorizations.
func security(t *testing.T, seconds string, authorizations ...map[string]any) *pb.AlephMessage {
	list := make([]any, len(authorizations))
	for i, a := range authorizations {
		list[i] = a
	}
	return sign(t, alice, at(client.Aggregate("TEST", message.SecurityKey, map[string]any{"authorizations": list}), seconds))
}

// TestSecurityDelegation checks pyaleph's permissions.py: bob may act for
// alice when an entry of alice's security aggregate names bob and each of
// its non-empty filters (chain, channels, types, post_types, aggregate_keys)
// matches; otherwise the message is ErrUnauthorized.
func TestSecurityDelegation(t *testing.T) {
	bobAddr := addrOf(bob)
	// What bob tries, each time acting for alice.
	post := func(channel, postType string) func(t *testing.T) *pb.AlephMessage {
		return func(t *testing.T) *pb.AlephMessage {
			return sign(t, bob, as(client.Post(channel, postType, "by bob", ""), alice))
		}
	}
	aggregate := func(key string) func(t *testing.T) *pb.AlephMessage {
		return func(t *testing.T) *pb.AlephMessage {
			return sign(t, bob, as(client.Aggregate("TEST", key, map[string]any{"by": "bob"}), alice))
		}
	}
	onChain := func(chain string) func(t *testing.T) *pb.AlephMessage {
		return func(t *testing.T) *pb.AlephMessage {
			d := as(client.Post("TEST", "note", "by bob on "+chain, ""), alice)
			d.Chain = chain
			return sign(t, bob, d)
		}
	}
	store := func(t *testing.T) *pb.AlephMessage {
		return sign(t, bob, as(client.Store("TEST", sha256Hex("f"), "storage", 1), alice))
	}
	cases := []struct {
		name  string
		auths []map[string]any // nil: alice has no security aggregate
		msg   func(t *testing.T) *pb.AlephMessage
		allow bool
	}{
		{"no security aggregate", nil, post("TEST", "note"), false},
		{"empty authorizations", []map[string]any{}, post("TEST", "note"), false},
		{"entry for someone else", []map[string]any{{"address": addrOf(carol)}}, post("TEST", "note"), false},
		{"unfiltered entry: POST", []map[string]any{{"address": bobAddr}}, post("TEST", "note"), true},
		{"unfiltered entry: AGGREGATE", []map[string]any{{"address": bobAddr}}, aggregate("profile"), true},
		{"unfiltered entry: STORE", []map[string]any{{"address": bobAddr}}, store, true},
		{"address compared case-insensitively", []map[string]any{{"address": strings.ToLower(bobAddr)}}, post("TEST", "note"), true},
		{"empty filters allow everything", []map[string]any{{"address": bobAddr, "chain": "", "channels": []any{}, "types": []any{}, "post_types": []any{}, "aggregate_keys": []any{}}}, post("X", "note"), true},

		{"chain matches", []map[string]any{{"address": bobAddr, "chain": "ETH"}}, onChain("ETH"), true},
		{"chain differs", []map[string]any{{"address": bobAddr, "chain": "ETH"}}, onChain("BSC"), false},
		{"chain filter, other chain allowed", []map[string]any{{"address": bobAddr, "chain": "BSC"}}, onChain("BSC"), true},

		{"channel listed", []map[string]any{{"address": bobAddr, "channels": []any{"A", "TEST"}}}, post("TEST", "note"), true},
		{"channel not listed", []map[string]any{{"address": bobAddr, "channels": []any{"A"}}}, post("TEST", "note"), false},
		{"no channel never matches a channel filter", []map[string]any{{"address": bobAddr, "channels": []any{"A"}}}, post("", "note"), false},

		{"type listed", []map[string]any{{"address": bobAddr, "types": []any{"POST"}}}, post("TEST", "note"), true},
		{"type not listed", []map[string]any{{"address": bobAddr, "types": []any{"POST"}}}, aggregate("profile"), false},
		{"type not listed: STORE", []map[string]any{{"address": bobAddr, "types": []any{"POST", "AGGREGATE"}}}, store, false},

		{"post type listed", []map[string]any{{"address": bobAddr, "post_types": []any{"note"}}}, post("TEST", "note"), true},
		{"post type not listed", []map[string]any{{"address": bobAddr, "post_types": []any{"note"}}}, post("TEST", "blog"), false},
		{"post_types do not restrict other types", []map[string]any{{"address": bobAddr, "post_types": []any{"note"}}}, aggregate("profile"), true},

		{"aggregate key listed", []map[string]any{{"address": bobAddr, "aggregate_keys": []any{"profile"}}}, aggregate("profile"), true},
		{"aggregate key not listed", []map[string]any{{"address": bobAddr, "aggregate_keys": []any{"profile"}}}, aggregate("settings"), false},
		{"aggregate key filter keeps security out", []map[string]any{{"address": bobAddr, "aggregate_keys": []any{"profile"}}}, aggregate(message.SecurityKey), false},
		{"aggregate_keys do not restrict other types", []map[string]any{{"address": bobAddr, "aggregate_keys": []any{"profile"}}}, post("TEST", "note"), true},

		{"filters are ANDed", []map[string]any{{"address": bobAddr, "types": []any{"POST"}, "channels": []any{"A"}}}, post("TEST", "note"), false},
		{"entries are ORed", []map[string]any{
			{"address": bobAddr, "channels": []any{"A"}},
			{"address": bobAddr, "post_types": []any{"note"}},
		}, post("TEST", "note"), true},
		{"malformed entry is skipped", []map[string]any{
			{"address": bobAddr, "channels": "TEST"},
			{"address": bobAddr, "types": []any{"POST"}},
		}, post("TEST", "note"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			if tc.auths != nil {
				c.mustApply(security(t, "1", tc.auths...))
			}
			m := tc.msg(t)
			if !tc.allow {
				c.mustReject(m, message.ErrUnauthorized)
				return
			}
			c.mustApply(m)
			if rec := c.record(m.ItemHash); rec.Owner != addrOf(alice) {
				t.Fatalf("delegated message owned by %s, want alice", rec.Owner)
			}
		})
	}
}

// TestSecurityNotTransitive checks that only the owner's own security
// aggregate counts: alice trusts bob, bob trusts carol, carol may not act
// for alice.
func TestSecurityNotTransitive(t *testing.T) {
	c := newChain(t)
	c.mustApply(security(t, "1", map[string]any{"address": addrOf(bob)}))
	c.mustApply(sign(t, bob, client.Aggregate("TEST", message.SecurityKey, map[string]any{"authorizations": []any{map[string]any{"address": addrOf(carol)}}})))
	c.mustApply(sign(t, carol, as(client.Post("TEST", "note", "for bob", ""), bob)))
	c.mustReject(sign(t, carol, as(client.Post("TEST", "note", "for alice", ""), alice)), message.ErrUnauthorized)
}

// TestSecurityFollowsTheAggregate checks that authority follows the merged
// security aggregate: a later element replacing "authorizations" revokes,
// and forgetting the security aggregate revokes everything.
func TestSecurityFollowsTheAggregate(t *testing.T) {
	grant := security(t, "1", map[string]any{"address": addrOf(bob)})
	t.Run("replaced", func(t *testing.T) {
		c := newChain(t)
		c.mustApply(grant, security(t, "2", map[string]any{"address": addrOf(carol)}))
		c.mustReject(sign(t, bob, as(client.Post("TEST", "note", "x", ""), alice)), message.ErrUnauthorized)
		c.mustApply(sign(t, carol, as(client.Post("TEST", "note", "x", ""), alice)))
	})
	t.Run("older grant arriving late changes nothing", func(t *testing.T) {
		c := newChain(t)
		c.mustApply(security(t, "2", map[string]any{"address": addrOf(carol)}), grant)
		c.mustReject(sign(t, bob, as(client.Post("TEST", "note", "x", ""), alice)), message.ErrUnauthorized)
	})
	t.Run("forgotten", func(t *testing.T) {
		c := newChain(t)
		c.mustApply(grant)
		c.mustApply(sign(t, alice, client.Forget("TEST", nil, []string{message.SecurityKey}, "")))
		c.mustReject(sign(t, bob, as(client.Post("TEST", "note", "x", ""), alice)), message.ErrUnauthorized)
	})
	t.Run("authorizations not a list", func(t *testing.T) {
		c := newChain(t)
		c.mustApply(sign(t, alice, client.Aggregate("TEST", message.SecurityKey, map[string]any{"authorizations": map[string]any{"address": addrOf(bob)}})))
		c.mustReject(sign(t, bob, as(client.Post("TEST", "note", "x", ""), alice)), message.ErrUnauthorized)
	})
}

// TestDelegatedAmendAndForget checks that the right to amend or forget
// follows the right to create the target: it is judged on the original's
// post type, channel and key, not on the amend's or the FORGET's.
func TestDelegatedAmendAndForget(t *testing.T) {
	orig := sign(t, alice, client.Post("NOTES", "note", "v1", ""))
	blog := sign(t, alice, client.Post("NOTES", "blog", "b1", ""))
	profile := sign(t, alice, client.Aggregate("NOTES", "profile", map[string]any{"a": 1}))
	grant := security(t, "1", map[string]any{"address": addrOf(bob), "channels": []any{"NOTES"}, "post_types": []any{"note"}, "aggregate_keys": []any{"profile"}})
	cases := []struct {
		name string
		msg  func(t *testing.T) *pb.AlephMessage
		want error
	}{
		{"amend of an allowed post type", func(t *testing.T) *pb.AlephMessage {
			return sign(t, bob, as(client.Post("NOTES", "amend", "v2", orig.ItemHash), alice))
		}, nil},
		{"amend judged on the original's channel", func(t *testing.T) *pb.AlephMessage {
			return sign(t, bob, as(client.Post("ELSEWHERE", "amend", "v2", orig.ItemHash), alice))
		}, nil},
		{"amend of a post type not allowed", func(t *testing.T) *pb.AlephMessage {
			return sign(t, bob, as(client.Post("NOTES", "amend", "b2", blog.ItemHash), alice))
		}, message.ErrUnauthorized},
		{"forget of an allowed post", func(t *testing.T) *pb.AlephMessage {
			return sign(t, bob, as(client.Forget("NOTES", []string{orig.ItemHash}, nil, ""), alice))
		}, nil},
		{"forget of an allowed aggregate key", func(t *testing.T) *pb.AlephMessage {
			return sign(t, bob, as(client.Forget("NOTES", nil, []string{"profile"}, ""), alice))
		}, nil},
		{"forget of a post type not allowed", func(t *testing.T) *pb.AlephMessage {
			return sign(t, bob, as(client.Forget("NOTES", []string{blog.ItemHash}, nil, ""), alice))
		}, message.ErrForgetNotAllowed},
		{"forget of the security aggregate", func(t *testing.T) *pb.AlephMessage {
			return sign(t, bob, as(client.Forget("NOTES", []string{grant.ItemHash}, nil, ""), alice))
		}, message.ErrForgetNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			c.mustApply(orig, blog, profile, grant)
			m := tc.msg(t)
			if tc.want != nil {
				c.mustReject(m, tc.want)
				return
			}
			c.mustApply(m)
		})
	}
}

// TestForgetNeedsAuthorityForItsOwnAddress guards pyaleph's
// ForgetMessageHandler.check_permissions, which first runs the standard
// check on the FORGET itself (super().check_permissions): the sender must be
// allowed to act for the FORGET's content.address. Without it anyone can
// publish a FORGET recorded as owned by (and, with payments, charged to) an
// address that never authorized them.
func TestForgetNeedsAuthorityForItsOwnAddress(t *testing.T) {
	c := newChain(t)
	mine := sign(t, bob, client.Post("TEST", "note", "bob's own", ""))
	c.mustApply(mine)
	f := sign(t, bob, as(client.Forget("TEST", []string{mine.ItemHash}, nil, ""), alice))
	err := c.apply(f)
	if !errors.Is(err, message.ErrUnauthorized) {
		rec := c.record(f.ItemHash)
		t.Fatalf("bob's FORGET for alice: got %v, want ErrUnauthorized; recorded with owner %s", err, rec.GetOwner())
	}
}

// TestForgetChecksEveryTargetBeforeForgetting guards pyaleph's order of
// work: a FORGET's permissions are checked for every target first
// (check_permissions), and only then are targets forgotten. When a delegate
// forgets the security element that empowers it together with another of
// the owner's messages, the verdict must not depend on the order of the
// hashes.
func TestForgetChecksEveryTargetBeforeForgetting(t *testing.T) {
	grant := security(t, "1", map[string]any{"address": addrOf(bob)})
	post := sign(t, alice, client.Post("TEST", "note", "alice's", ""))
	for _, hashes := range [][]string{{post.ItemHash, grant.ItemHash}, {grant.ItemHash, post.ItemHash}} {
		c := newChain(t)
		c.mustApply(grant, post)
		if err := c.apply(sign(t, bob, as(client.Forget("TEST", hashes, nil, ""), alice))); err != nil {
			t.Errorf("bob forgets %v for alice: %v", hashes, err)
		}
	}
}
