package payment

import (
	"errors"
	"fmt"
	"math/big"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
)

// Provider names, as charges record them.
const (
	ProviderCore        = "core"
	ProviderEndorsement = "channel-endorsement"
	ProviderPersonal    = "personal-storage"
)

// Keeper owns payment state. It caches the params, which change only at
// genesis: Init and Load set them.
type Keeper struct {
	params    Params
	balParams balance.Params
	balances  BalanceKeeper
	messages  MessageKeeper
}

// NewKeeper returns a keeper over the messages and balances it charges
// against.
func NewKeeper(messages MessageKeeper, balances BalanceKeeper) *Keeper {
	return &Keeper{messages: messages, balances: balances}
}

var paramsKey = []byte{ModulePrefix, prefixParams}

// Load reads the params of a chain that already has state.
func (k *Keeper) Load(kv state.KV) error {
	if err := state.GetParams(kv, paramsKey, "payment", &k.params); err != nil {
		return err
	}
	var err error
	k.balParams, err = k.balances.Params(kv)
	return err
}

// Params returns the cached params.
func (k *Keeper) Params() Params { return k.params }

// Item is what a provider needs to know of a message to price it.
type Item struct {
	Hash         string
	Type         string
	Sender       string
	Owner        string // content.address
	Channel      string
	PostType     string
	AggregateKey string
	Size         uint64 // bytes of item_content
	// FileSize is a STORE's attested file size; 0 when the STORE is
	// admitted, before validators attest it. For a message whose content
	// is not inline (item_type storage or ipfs) it is the attested
	// content's size, and Size is 0: the content is stored like a file.
	FileSize uint64
	// Height and TxIndex place the message, for the GC order and the core
	// window.
	Height  int64
	TxIndex uint32
}

// cost is what a quota charges for an item: one message, and a STORE's
// file bytes too (the founding document: X messages and X MB of files).
// A STORE counts as a message as well: its item_content is kept like any
// other's, and without it a payer with a full quota could still store
// empty files with up to max_quota_message_bytes of content each.
//
// Content that is not inline is stored content too, counted as file
// bytes (FileSize), so that the SDKs' large POSTs and AGGREGATEs, which
// they move out of the message past 50,000 bytes, are paid for by size
// rather than refused by max_quota_message_bytes.
func cost(it Item) amounts {
	return amounts{messages: 1, bytes: it.FileSize}
}

func wholeTokens(amount *big.Int) *big.Int { return balance.WholeTokens(amount) }

// chargeOf returns the charge in a record's state, or nil.
func chargeOf(rec *pb.MessageRecord) *pb.Charge {
	if rec == nil {
		return nil
	}
	return rec.Charge
}

// payerOf is the metered payer of a charge; ok is false for core charges.
func payerOf(ch *pb.Charge) (payer, bool) {
	switch ch.Provider {
	case ProviderPersonal:
		return payer{kindAddress, ch.Payer}, true
	case ProviderEndorsement:
		return payer{kindChannel, ch.Payer}, true
	}
	return payer{}, false
}

// chargeQuota records a metered charge: usage and the payer's item order.
func (k *Keeper) chargeQuota(kv state.KV, provider string, p payer, it Item) (*pb.Charge, error) {
	c := cost(it)
	u, err := k.usage(kv, p)
	if err != nil {
		return nil, err
	}
	u.live = u.live.plus(c)
	if err := k.setUsage(kv, p, u); err != nil {
		return nil, err
	}
	if err := listCharge(kv, p, it.Height, orderEntry{it.TxIndex, it.Hash}); err != nil {
		return nil, err
	}
	return &pb.Charge{Provider: provider, Payer: p.id, Messages: c.messages, Bytes: c.bytes}, nil
}

// Release stops forgotten messages from counting, then lets their payers'
// messages in grace come back if they now fit. Every one is released
// before any payer is rechecked: a FORGET of a post forgets its amends
// too, and an amend still listed in grace would otherwise be restored,
// forgotten as it is. Releasing twice is a no-op.
func (k *Keeper) Release(kv state.KV, height int64, hashes []string, fx *message.Effects) error {
	var payers []payer
	seen := map[payer]bool{}
	for _, hash := range hashes {
		rec, err := k.messages.GetMessage(kv, hash)
		if err != nil {
			return err
		}
		ch := chargeOf(rec)
		if ch == nil || ch.Released {
			continue
		}
		p, metered := payerOf(ch)
		if metered {
			if err := k.unlist(kv, p, rec); err != nil {
				return err
			}
			if !seen[p] {
				seen[p] = true
				payers = append(payers, p)
			}
		}
		ch.Released, ch.RemovingUntil = true, 0
		if err := k.messages.SaveMessage(kv, rec); err != nil {
			return err
		}
	}
	for _, p := range payers { // in the order first released
		if err := k.recheck(kv, height, p, fx); err != nil {
			return err
		}
	}
	return nil
}

// unlist takes an unreleased metered charge out of usage and every index.
func (k *Keeper) unlist(kv state.KV, p payer, rec *pb.MessageRecord) error {
	ch, hash := rec.Charge, rec.Message.ItemHash
	c := amounts{ch.Messages, ch.Bytes}
	u, err := k.usage(kv, p)
	if err != nil {
		return err
	}
	if ch.RemovingUntil != 0 {
		u.removing = u.removing.minus(c)
		if err := kv.Delete(graceKey(ch.RemovingUntil, hash)); err != nil {
			return err
		}
		if err := kv.Delete(payerRemovingKey(p, rec.Height, rec.TxIndex, hash)); err != nil {
			return err
		}
	} else {
		u.live = u.live.minus(c)
	}
	if err := unlistCharge(kv, p, rec.Height, orderEntry{rec.TxIndex, hash}); err != nil {
		return err
	}
	return k.setUsage(kv, p, u)
}

// recheck compares a payer's usage with its capacity. Over capacity, its
// newest live messages enter `removing`, newest first, until the rest fit;
// with room again, messages in grace come back, oldest first, while they
// fit. Newest-first keeps what a payer had before it went over.
func (k *Keeper) recheck(kv state.KV, height int64, p payer, fx *message.Effects) error {
	capa, err := k.capacity(kv, p)
	if err != nil {
		return err
	}
	u, err := k.usage(kv, p)
	if err != nil {
		return err
	}
	switch {
	case !u.live.within(capa.limit):
		victims, err := k.pick(kv, func(fn func(string) bool) error { return walkOrder(kv, p, true, fn) }, func(rec *pb.MessageRecord) bool {
			if rec.Charge.RemovingUntil != 0 {
				return false // already in grace
			}
			u.live = u.live.minus(amounts{rec.Charge.Messages, rec.Charge.Bytes})
			return true
		}, func() bool { return u.live.within(capa.limit) })
		if err != nil {
			return err
		}
		until := height + k.params.GraceBlocks
		for _, rec := range victims {
			if err := k.setRemoving(kv, p, rec, until, fx); err != nil {
				return err
			}
		}
	case !u.removing.zero():
		stop := false
		back, err := k.pick(kv, func(fn func(string) bool) error { return walkRemoving(kv, p, fn) }, func(rec *pb.MessageRecord) bool {
			next := u.live.plus(amounts{rec.Charge.Messages, rec.Charge.Bytes})
			if !next.within(capa.limit) {
				stop = true // strict order: a later, smaller message never jumps ahead
				return false
			}
			u.live = next
			return true
		}, func() bool { return stop })
		if err != nil {
			return err
		}
		for _, rec := range back {
			if err := k.setRemoving(kv, p, rec, 0, fx); err != nil {
				return err
			}
		}
	}
	return nil
}

// pick walks a payer's charges in the order walk gives and returns the
// records take accepts, until done. It only reads: callers write after the
// walk.
func (k *Keeper) pick(kv state.KV, walk func(func(hash string) bool) error, take func(*pb.MessageRecord) bool, done func() bool) ([]*pb.MessageRecord, error) {
	var out []*pb.MessageRecord
	var bad error
	err := walk(func(hash string) bool {
		rec, err := k.messages.GetMessage(kv, hash)
		if err != nil || rec == nil || rec.Charge == nil {
			bad = fmt.Errorf("payment index names %s, which has no charged record (%v)", hash, err)
			return false
		}
		if take(rec) {
			out = append(out, rec)
		}
		return !done()
	})
	if err == nil {
		err = bad
	}
	return out, err
}

// setRemoving moves a charge into grace (until > 0) or back to live (0),
// and the message's status with it.
func (k *Keeper) setRemoving(kv state.KV, p payer, rec *pb.MessageRecord, until int64, fx *message.Effects) error {
	ch, hash := rec.Charge, rec.Message.ItemHash
	c := amounts{ch.Messages, ch.Bytes}
	u, err := k.usage(kv, p)
	if err != nil {
		return err
	}
	status := pb.MessageStatus_MESSAGE_STATUS_PROCESSED
	if until > 0 { // into grace
		status = pb.MessageStatus_MESSAGE_STATUS_REMOVING
		u.live, u.removing = u.live.minus(c), u.removing.plus(c)
		if err := kv.Set(graceKey(until, hash), present); err != nil {
			return err
		}
		if err := kv.Set(payerRemovingKey(p, rec.Height, rec.TxIndex, hash), present); err != nil {
			return err
		}
	} else {
		u.removing, u.live = u.removing.minus(c), u.live.plus(c)
		if err := kv.Delete(graceKey(ch.RemovingUntil, hash)); err != nil {
			return err
		}
		if err := kv.Delete(payerRemovingKey(p, rec.Height, rec.TxIndex, hash)); err != nil {
			return err
		}
	}
	ch.RemovingUntil = until
	if err := k.setUsage(kv, p, u); err != nil {
		return err
	}
	return k.messages.SetStatus(kv, rec, status, fx)
}

// EndBlock removes the messages whose grace ends at or before height: they
// stop counting, lose their content and leave the indexes, for good.
func (k *Keeper) EndBlock(kv state.KV, height int64, fx *message.Effects) error {
	prefix := []byte{ModulePrefix, prefixGrace}
	var due []string
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		until, hash := int64(r.Uint64()), r.String()
		if bad = r.Err(); bad != nil || until > height {
			return false
		}
		due = append(due, hash)
		return true
	})
	if err != nil || bad != nil {
		return errors.Join(err, bad)
	}
	recs := make([]*pb.MessageRecord, 0, len(due))
	for _, hash := range due {
		rec, err := k.messages.GetMessage(kv, hash)
		if err != nil {
			return err
		}
		p, _ := payerOf(rec.Charge)
		if err := k.unlist(kv, p, rec); err != nil {
			return err
		}
		rec.Charge.Released, rec.Charge.RemovingUntil = true, 0
		recs = append(recs, rec)
	}
	return k.messages.Remove(kv, recs, fx)
}
