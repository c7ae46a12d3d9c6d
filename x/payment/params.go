package payment

import (
	"fmt"

	"github.com/alephd/alephd/x/message"
)

// Params price storage. They live in genesis and are queryable
// (`alephd query params`, GET /api/v0/payment/params).
type Params struct {
	// MessagesPerToken: each whole ALEPH buys this many POST/AGGREGATE
	// (and PROGRAM/INSTANCE) messages. The founding document: 1.
	MessagesPerToken uint64 `json:"messages_per_token"`
	// BytesPerToken: each whole ALEPH buys this many bytes of STORE files.
	// The founding document: 1 MB, taken as 10^6 bytes.
	BytesPerToken uint64 `json:"bytes_per_token"`
	// MaxQuotaMessageBytes is the largest item_content a quota (personal
	// storage, channel endorsement) pays for. The founding document: 100 kB.
	MaxQuotaMessageBytes uint64 `json:"max_quota_message_bytes"`
	// FreeTokens is personal storage every address has without holding
	// anything, in whole ALEPH. 0 on a real network; dev chains set it so
	// any key can post.
	FreeTokens uint64 `json:"free_tokens"`
	// CoreChannels are free for the types (and post types, aggregate keys)
	// they list.
	CoreChannels []CoreChannel `json:"core_channels"`
	// CoreRateLimit is how many free (core) messages one sender may have
	// accepted per window of CoreWindowBlocks blocks.
	CoreRateLimit    uint64 `json:"core_rate_limit"`
	CoreWindowBlocks uint64 `json:"core_window_blocks"`
	// CoreMaxMessageBytes caps the item_content of a free message.
	CoreMaxMessageBytes uint64 `json:"core_max_message_bytes"`
	// GraceBlocks is how long an item stays `removing` before it is
	// `removed`, unless its payer regains capacity first.
	GraceBlocks int64 `json:"grace_blocks"`
	// EndorsementPostType is the reserved POST type that endorses a channel.
	EndorsementPostType string `json:"endorsement_post_type"`
}

// CoreChannel is one free channel and what it carries. An empty list
// allows nothing of that kind, except that PostTypes and AggregateKeys
// apply only to POST and AGGREGATE.
type CoreChannel struct {
	Channel       string   `json:"channel"`
	Types         []string `json:"types"`
	PostTypes     []string `json:"post_types,omitempty"`
	AggregateKeys []string `json:"aggregate_keys,omitempty"`
}

// DefaultParams are the founding document's numbers, a day of grace at
// one block per second, and one core channel for identity: the security
// (delegations) and profile aggregates.
func DefaultParams() Params {
	return Params{
		MessagesPerToken:     1,
		BytesPerToken:        1_000_000,
		MaxQuotaMessageBytes: 100_000,
		FreeTokens:           0,
		CoreChannels: []CoreChannel{{
			Channel: "ALEPH-IDENTITY", Types: []string{message.TypeAggregate},
			AggregateKeys: []string{message.SecurityKey, "profile"},
		}, {
			// Node operations and node edits (x/node), free as on the
			// Aleph network.
			Channel: "FOUNDATION", Types: []string{message.TypePost},
			PostTypes: []string{"corechan-operation", message.AmendType},
		}},
		CoreRateLimit:       100,
		CoreWindowBlocks:    600,
		CoreMaxMessageBytes: 20_000,
		GraceBlocks:         86_400,
		EndorsementPostType: "aleph-endorsement",
	}
}

// Validate rejects params a chain cannot run with.
func (p Params) Validate() error {
	switch {
	case p.MessagesPerToken == 0 || p.BytesPerToken == 0:
		return fmt.Errorf("messages_per_token and bytes_per_token must be positive")
	case p.MaxQuotaMessageBytes == 0:
		return fmt.Errorf("max_quota_message_bytes must be positive")
	case p.CoreWindowBlocks == 0:
		return fmt.Errorf("core_window_blocks must be positive")
	case p.GraceBlocks < 0:
		return fmt.Errorf("grace_blocks must not be negative")
	case p.EndorsementPostType == "":
		return fmt.Errorf("endorsement_post_type must be set")
	}
	seen := map[string]bool{}
	for _, c := range p.CoreChannels {
		if c.Channel == "" || seen[c.Channel] {
			return fmt.Errorf("core channel %q: channels must be named and listed once", c.Channel)
		}
		seen[c.Channel] = true
		for _, t := range c.Types {
			if !message.KnownType(t) {
				return fmt.Errorf("core channel %q: unknown message type %q", c.Channel, t)
			}
			if t == message.TypeStore { // files have no free quota: they are counted by size
				return fmt.Errorf("core channel %q: STORE cannot be free", c.Channel)
			}
		}
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// core returns the core channel entry that carries item, if any.
func (p Params) core(it Item) bool {
	for _, c := range p.CoreChannels {
		if c.Channel != it.Channel || !contains(c.Types, it.Type) {
			continue
		}
		switch it.Type {
		case message.TypePost:
			if len(c.PostTypes) > 0 && !contains(c.PostTypes, it.PostType) {
				continue
			}
		case message.TypeAggregate:
			if len(c.AggregateKeys) > 0 && !contains(c.AggregateKeys, it.AggregateKey) {
				continue
			}
		}
		return true
	}
	return false
}
