package message

import (
	"encoding/json"

	"github.com/alephd/alephd/internal/jsonobj"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/chains"
)

// SecurityKey is the aggregate through which an owner delegates rights.
const SecurityKey = "security"

// action describes what a sender wants to do for an owner, in the terms an
// authorization filters on.
type action struct {
	chain, channel, msgType, postType, aggregateKey string
}

// authorization is one entry of the security aggregate's "authorizations".
// An empty or missing filter allows everything.
type authorization struct {
	Address, Chain                            string
	Channels, Types, PostTypes, AggregateKeys []string
}

// decodeAuthorization reads an entry by exact member names; a malformed
// entry grants nothing.
func decodeAuthorization(raw json.RawMessage) (authorization, bool) {
	var a authorization
	f, err := jsonobj.Decode(raw)
	if err != nil {
		return a, false
	}
	for _, g := range []struct {
		name string
		v    any
	}{{"address", &a.Address}, {"chain", &a.Chain}, {"channels", &a.Channels}, {"types", &a.Types},
		{"post_types", &a.PostTypes}, {"aggregate_keys", &a.AggregateKeys}} {
		if f.Get(g.name, g.v) != nil {
			return a, false
		}
	}
	return a, a.Address != ""
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (a authorization) allows(sender string, act action) bool {
	switch {
	case !chains.SameAddress(a.Address, sender):
		return false
	case a.Chain != "" && a.Chain != act.chain:
		return false
	case len(a.Channels) > 0 && !contains(a.Channels, act.channel):
		return false
	case len(a.Types) > 0 && !contains(a.Types, act.msgType):
		return false
	case act.msgType == TypePost && len(a.PostTypes) > 0 && !contains(a.PostTypes, act.postType):
		return false
	case act.msgType == TypeAggregate && len(a.AggregateKeys) > 0 && !contains(a.AggregateKeys, act.aggregateKey):
		return false
	}
	return true
}

// Authorized reports whether sender may act for owner: it is the owner
// itself, or an entry of the owner's security aggregate matches the action,
// as pyaleph's permissions.py decides. Delegation is not transitive.
func (k Keeper) authorized(kv state.KV, sender, owner string, act action) (bool, error) {
	if chains.SameAddress(sender, owner) {
		return true, nil
	}
	agg, err := k.GetAggregate(kv, owner, SecurityKey)
	if err != nil || agg == nil {
		return false, err
	}
	sec, err := jsonobj.Decode(agg.Content)
	var entries []json.RawMessage
	if err != nil || sec.Get("authorizations", &entries) != nil {
		return false, nil // a malformed security aggregate grants nothing
	}
	for _, raw := range entries {
		if a, ok := decodeAuthorization(raw); ok && a.allows(sender, act) {
			return true, nil
		}
	}
	return false, nil
}
