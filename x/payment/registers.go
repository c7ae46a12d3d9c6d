package payment

import (
	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/state"
)

// Codespace names this module's rejections.
const Codespace = "payment"

// ErrNoPayer rejects a message that no provider will pay for.
var ErrNoPayer = errs.Register(Codespace, 1, "no payment provider admits this message")

// Item is what a provider needs to know of a message to price it.
type Item struct {
	Hash    string
	Type    string
	Sender  string
	Owner   string // content.address
	Channel string
	Size    uint64 // bytes of item_content
}

// Provider pays for messages.
type Provider interface {
	// Name identifies the provider in rejections and in the charge record.
	Name() string
	// Admits is the INCOMING check: would this provider pay for item? It
	// runs before the signature check, so it must be a cheap lookup.
	Admits(kv state.KV, item Item) (bool, error)
	// Charge is the PROCESSED step: record the cost of an item Admits accepted.
	Charge(kv state.KV, item Item) error
}

// Registers is the ordered list of providers; the order is consensus.
type Registers struct{ providers []Provider }

// NewRegisters returns registers trying providers in the given order.
func NewRegisters(providers ...Provider) *Registers {
	return &Registers{providers: providers}
}

// Incoming returns the first provider that admits item, or ErrNoPayer.
func (r *Registers) Incoming(kv state.KV, item Item) (Provider, error) {
	for _, p := range r.providers {
		ok, err := p.Admits(kv, item)
		if err != nil {
			return nil, err
		}
		if ok {
			return p, nil
		}
	}
	return nil, errs.Wrapf(ErrNoPayer, "nobody pays for %s message %s of %s on channel %q", item.Type, item.Hash, item.Owner, item.Channel)
}
