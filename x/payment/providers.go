package payment

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"strings"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/chains"
	"github.com/alephd/alephd/x/message"
)

// Provider pays for messages.
type Provider interface {
	// Name identifies the provider in rejections and charge records.
	Name() string
	// Admits is the INCOMING check, run before the signature is verified,
	// so it is a few lookups at most. It returns nil if the provider pays,
	// a notCovered error if the message is none of its business, or a
	// registered rejection if it would pay but cannot (full, too large).
	Admits(kv state.KV, it Item) error
	// Charge is the PROCESSED step, for an item Admits accepted: record the
	// cost and return the charge the message record keeps.
	Charge(kv state.KV, it Item) (*pb.Charge, error)
}

// notCovered says why a provider does not stand behind a message, for the
// rejection when none does. It is formatted only then: most messages are
// not covered by some provider, and admission is the hot path. Its format
// names exactly one value, arg.
type notCovered struct{ format, arg string }

func (e notCovered) Error() string { return fmt.Sprintf(e.format, e.arg) }

// forgetNotCovered is the reason of the providers that pay for no FORGET.
var forgetNotCovered = notCovered{"%s is free on core terms only", message.TypeForget}

// Registers is the ordered list of providers; the order is consensus.
type Registers struct{ providers []Provider }

// NewRegisters returns registers trying providers in the given order.
func NewRegisters(providers ...Provider) *Registers {
	return &Registers{providers: providers}
}

// Registers are the first network's providers, in their consensus order:
// core channels first (free), then the channel's endorsements (an app
// paying for its users), then the owner's personal storage.
func (k *Keeper) Registers() *Registers {
	return NewRegisters(core{k}, endorsement{k}, personal{k})
}

// Incoming returns the first provider that admits it. When none does, the
// rejection is the first provider's own refusal (full, too large) if one
// stood behind the message, else ErrNoPayer with every provider's reason.
func (r *Registers) Incoming(kv state.KV, it Item) (Provider, error) {
	var reasons [4]notCovered // formatted only if nobody pays
	uncovered := reasons[:0]
	var refusal error
	for _, p := range r.providers {
		err := p.Admits(kv, it)
		if err == nil {
			return p, nil
		}
		nc, isNotCovered := err.(notCovered) // providers return it as is
		switch {
		case isNotCovered:
			uncovered = append(uncovered, nc)
		case errs.IsRegistered(err):
			if refusal == nil {
				refusal = err
			}
		default:
			return nil, err // a storage failure
		}
	}
	if refusal != nil {
		return nil, refusal
	}
	text := make([]string, len(uncovered))
	for i, nc := range uncovered {
		text[i] = nc.Error()
	}
	return nil, errs.Wrapf(ErrNoPayer, "nobody pays for %s %s of %s on channel %q: %s", it.Type, it.Hash, it.Owner, it.Channel, strings.Join(text, "; "))
}

// core: free messages on core channels, FORGETs anywhere (forgetting only
// frees capacity, so an exhausted payer can always do it), endorsements by
// token holders, and oracles' balance reports. All but the reports are
// limited per sender and in size.
type core struct{ k *Keeper }

func (core) Name() string { return ProviderCore }

func (c core) isOracleReport(it Item) bool {
	return it.Type == message.TypePost && it.PostType == c.k.balParams.UpdatePostType &&
		chains.SameAddress(it.Sender, it.Owner) && c.k.balParams.IsOracle(it.Sender)
}

func (c core) Admits(kv state.KV, it Item) error {
	p := c.k.params
	if c.isOracleReport(it) {
		return nil
	}
	switch {
	case it.Type == message.TypeForget, p.core(it):
	case it.Type == message.TypePost && it.PostType == p.EndorsementPostType:
		bal, err := c.k.balances.Get(kv, it.Owner)
		if err != nil {
			return err
		}
		if balance.WholeTokens(bal).Sign() == 0 { // free posts: not for dust holders
			return notCovered{"%s holds less than 1 ALEPH to endorse with", it.Owner}
		}
	default:
		return notCovered{"%q is not a core channel for this message", it.Channel}
	}
	// A core channel carries no STORE, so FileSize here is the size of
	// content that is not inline: free content is capped either way.
	if size := it.Size + it.FileSize; size > p.CoreMaxMessageBytes {
		return errs.Wrapf(ErrCoreTooLarge, "free messages are at most %d bytes of content; this one is %d", p.CoreMaxMessageBytes, size)
	}
	window, count, err := c.count(kv, it)
	if err != nil {
		return err
	}
	if count >= p.CoreRateLimit {
		return errs.Wrapf(ErrCoreRateLimit, "%s already sent %d free messages in blocks %d-%d (the limit is %d per %d blocks); try again from block %d",
			it.Sender, count, window*p.CoreWindowBlocks, (window+1)*p.CoreWindowBlocks-1, p.CoreRateLimit, p.CoreWindowBlocks, (window+1)*p.CoreWindowBlocks)
	}
	return nil
}

// count returns the sender's window and how many free messages it had
// accepted in it. One key per sender, reset when the window moves on.
func (c core) count(kv state.KV, it Item) (window, count uint64, err error) {
	window = uint64(it.Height) / c.k.params.CoreWindowBlocks
	b, err := kv.Get(coreCountKey(balance.Canonical(it.Sender)))
	if err != nil || len(b) != 16 || binary.BigEndian.Uint64(b) != window {
		return window, 0, err
	}
	return window, binary.BigEndian.Uint64(b[8:]), nil
}

func (c core) Charge(kv state.KV, it Item) (*pb.Charge, error) {
	sender := balance.Canonical(it.Sender)
	if !c.isOracleReport(it) {
		window, count, err := c.count(kv, it)
		if err != nil {
			return nil, err
		}
		v := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, window), count+1)
		if err := kv.Set(coreCountKey(sender), v); err != nil {
			return nil, err
		}
	}
	return &pb.Charge{Provider: ProviderCore, Payer: sender}, nil
}

// quotaAdmits is the check both quotas share, for a payer holding tokens.
// whose names the payer in a rejection; it is called only to build one.
func (k *Keeper) quotaAdmits(kv state.KV, p payer, tokens *big.Int, it Item, full *errs.Error, whose func() string) error {
	c := cost(it)
	if c.messages > 0 && it.Size > k.params.MaxQuotaMessageBytes {
		return errs.Wrapf(ErrQuotaTooLarge, "%s pays for messages of at most %d bytes of item_content; this one is %d", whose(), k.params.MaxQuotaMessageBytes, it.Size)
	}
	capa := k.capacityOf(tokens)
	u, err := k.usage(kv, p)
	if err != nil {
		return err
	}
	used := u.total()
	if !used.plus(c).within(capa.limit) {
		return errs.Wrapf(full, "%s exhausted: %s; needs %s", whose(), describeOf(used, capa.limit), c.describe())
	}
	return nil
}

// endorsement: the channel's endorsements pay.
type endorsement struct{ k *Keeper }

func (endorsement) Name() string { return ProviderEndorsement }

func (e endorsement) Admits(kv state.KV, it Item) error {
	if it.Type == message.TypeForget {
		return forgetNotCovered
	}
	p := payer{kindChannel, it.Channel}
	t, err := e.k.tokensOf(kv, p)
	if err != nil {
		return err
	}
	if t.Sign() == 0 {
		return notCovered{"channel %q has no endorsements", it.Channel}
	}
	return e.k.quotaAdmits(kv, p, t, it, ErrChannelExhausted, func() string { return fmt.Sprintf("the endorsements of channel %q", it.Channel) })
}

func (e endorsement) Charge(kv state.KV, it Item) (*pb.Charge, error) {
	return e.k.chargeQuota(kv, ProviderEndorsement, payer{kindChannel, it.Channel}, it)
}

// personal: the owner's (content.address's) own tokens pay, whoever of it
// or its delegates sends.
type personal struct{ k *Keeper }

func (personal) Name() string { return ProviderPersonal }

func (ps personal) Admits(kv state.KV, it Item) error {
	if it.Type == message.TypeForget {
		return forgetNotCovered
	}
	p := payer{kindAddress, balance.Canonical(it.Owner)}
	t, err := ps.k.tokensOf(kv, p)
	if err != nil {
		return err
	}
	if t.Sign() == 0 {
		return notCovered{"%s holds no whole ALEPH that is not endorsed to channels, for personal storage", it.Owner}
	}
	return ps.k.quotaAdmits(kv, p, t, it, ErrPersonalExhausted, func() string { return "personal storage of " + it.Owner })
}

func (ps personal) Charge(kv state.KV, it Item) (*pb.Charge, error) {
	return ps.k.chargeQuota(kv, ProviderPersonal, payer{kindAddress, balance.Canonical(it.Owner)}, it)
}
