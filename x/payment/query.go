package payment

import (
	"math/big"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// AmountsView is a quantity of storage in a query answer.
type AmountsView struct {
	Messages uint64 `json:"messages"`
	Bytes    uint64 `json:"bytes"`
}

// QuotaView is a payer's capacity and what it uses.
type QuotaView struct {
	// Tokens is the whole ALEPH behind the capacity.
	Tokens   string      `json:"tokens"`
	Capacity AmountsView `json:"capacity"`
	// Used counts live messages; Removing those in their grace period.
	Used     AmountsView `json:"used"`
	Removing AmountsView `json:"removing"`
}

// AccountView is what an address holds and pays for.
type AccountView struct {
	Address string `json:"address"`
	// Balance and Endorsed are in base units (10^-18 ALEPH).
	Balance string `json:"balance"`
	// Sources break the balance down: "genesis", or the chain an oracle
	// reported it for.
	Sources         []balance.Entry `json:"sources"`
	Endorsed        string          `json:"endorsed"`
	Endorsements    []Endorsement   `json:"endorsements"`
	PersonalStorage QuotaView       `json:"personal_storage"`
}

// ChannelView is what a channel's endorsements buy.
type ChannelView struct {
	Channel      string        `json:"channel"`
	Endorsed     string        `json:"endorsed"`
	Endorsements []Endorsement `json:"endorsements"`
	Quota        QuotaView     `json:"quota"`
}

func view(a amounts) AmountsView { return AmountsView{a.messages, a.bytes} }

func (k *Keeper) quota(kv state.KV, p payer) (QuotaView, error) {
	capa, err := k.capacity(kv, p)
	if err != nil {
		return QuotaView{}, err
	}
	u, err := k.usage(kv, p)
	if err != nil {
		return QuotaView{}, err
	}
	return QuotaView{Tokens: capa.tokens.String(), Capacity: view(capa.limit), Used: view(u.live), Removing: view(u.removing)}, nil
}

// Account describes addr's balance, endorsements and personal storage.
func (k *Keeper) Account(kv state.KV, addr string) (AccountView, error) {
	addr = balance.Canonical(addr)
	v := AccountView{Address: addr}
	bal, err := k.balances.Get(kv, addr)
	if err != nil {
		return v, err
	}
	endorsed, err := getAmount(kv, endorsedKey(addr))
	if err != nil {
		return v, err
	}
	v.Balance, v.Endorsed = bal.String(), endorsed.String()
	if v.Sources, err = k.balances.Components(kv, addr); err != nil {
		return v, err
	}
	if v.Sources == nil {
		v.Sources = []balance.Entry{}
	}
	if v.Endorsements, err = k.Endorsements(kv, addr); err != nil {
		return v, err
	}
	if v.Endorsements == nil {
		v.Endorsements = []Endorsement{}
	}
	v.PersonalStorage, err = k.quota(kv, payer{kindAddress, addr})
	return v, err
}

// Channel describes a channel's endorsements and what they buy.
func (k *Keeper) Channel(kv state.KV, channel string) (ChannelView, error) {
	v := ChannelView{Channel: channel}
	total, err := getAmount(kv, channelTotalKey(channel))
	if err != nil {
		return v, err
	}
	v.Endorsed = total.String()
	if v.Endorsements, err = k.ChannelEndorsements(kv, channel); err != nil {
		return v, err
	}
	v.Quota, err = k.quota(kv, payer{kindChannel, channel})
	return v, err
}

// TotalEndorsed is what addr endorses to channels, in base units.
func (k *Keeper) TotalEndorsed(kv state.KV, addr string) (*big.Int, error) {
	return getAmount(kv, endorsedKey(balance.Canonical(addr)))
}
