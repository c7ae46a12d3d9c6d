package payment

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// CoreCount is a sender's free messages in its current window.
type CoreCount struct {
	Sender string `json:"sender"`
	Window uint64 `json:"window"`
	Count  uint64 `json:"count"`
}

// Genesis is this module's part of the genesis document. Usage, payer
// orderings and the removal queue are not in it: they follow from the
// charges in the message records, and Init rebuilds them.
type Genesis struct {
	Params       Params        `json:"params"`
	Endorsements []Endorsement `json:"endorsements"`
	CoreCounts   []CoreCount   `json:"core_counts,omitempty"`
}

// DefaultGenesis has the default params and no endorsement.
func DefaultGenesis() Genesis { return Genesis{Params: DefaultParams(), Endorsements: []Endorsement{}} }

// Validate checks what genesis can be checked for without state: the
// params and each endorsement's amount and channel. That endorsements fit
// their endorsers' balances is checked by Init, which has the balances.
func (g Genesis) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return fmt.Errorf("payment params: %w", err)
	}
	for _, e := range g.Endorsements {
		if _, err := balance.ParseAmount(e.Amount); err != nil || e.Channel == "" {
			return fmt.Errorf("endorsement %s -> %q: %v", e.Endorser, e.Channel, err)
		}
	}
	return nil
}

// Init writes genesis. It runs after the message and balance modules:
// it rebuilds usage from the imported message records.
func (k *Keeper) Init(kv state.KV, g Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	pj, _ := json.Marshal(g.Params)
	if err := kv.Set(paramsKey, pj); err != nil {
		return err
	}
	if err := k.Load(kv); err != nil {
		return err
	}
	for _, e := range g.Endorsements {
		amount, err := balance.ParseAmount(e.Amount)
		if err != nil || e.Channel == "" {
			return fmt.Errorf("endorsement %s -> %q: %v", e.Endorser, e.Channel, err)
		}
		if err := k.setEndorsement(kv, balance.Canonical(e.Endorser), e.Channel, e.Height, e.TxIndex, amount); err != nil {
			return err
		}
	}
	// Balances come first in genesis: an endorser may not endorse more than
	// it holds, which the chain never allows and the invariant checks.
	for _, e := range g.Endorsements {
		endorser := balance.Canonical(e.Endorser)
		total, err := getAmount(kv, endorsedKey(endorser))
		if err != nil {
			return err
		}
		bal, err := k.balances.Get(kv, endorser)
		if err != nil {
			return err
		}
		if total.Cmp(bal) > 0 {
			return fmt.Errorf("genesis endorsements of %s total %s ALEPH, beyond its balance of %s", endorser, balance.Format(total), balance.Format(bal))
		}
	}
	for _, c := range g.CoreCounts {
		v := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, c.Window), c.Count)
		if err := kv.Set(coreCountKey(balance.Canonical(c.Sender)), v); err != nil {
			return err
		}
	}
	return k.messages.EachRecord(kv, func(rec *pb.MessageRecord) error {
		ch := rec.Charge
		if ch == nil || ch.Released {
			return nil
		}
		p, metered := payerOf(ch)
		if !metered {
			return nil
		}
		hash := rec.Message.ItemHash
		u, err := k.usage(kv, p)
		if err != nil {
			return err
		}
		c := amounts{ch.Messages, ch.Bytes}
		if err := listCharge(kv, p, rec.Height, orderEntry{rec.TxIndex, hash}); err != nil {
			return err
		}
		if ch.RemovingUntil != 0 {
			u.removing = u.removing.plus(c)
			if err := kv.Set(graceKey(ch.RemovingUntil, hash), present); err != nil {
				return err
			}
			if err := kv.Set(payerRemovingKey(p, rec.Height, rec.TxIndex, hash), present); err != nil {
				return err
			}
		} else {
			u.live = u.live.plus(c)
		}
		return k.setUsage(kv, p, u)
	})
}

// Export reads params, endorsements and core counters.
func (k *Keeper) Export(kv state.KV) (Genesis, error) {
	g := Genesis{Params: k.params, Endorsements: []Endorsement{}}
	var bad error
	prefix := []byte{ModulePrefix, prefixEndorsement}
	err := state.IteratePrefix(kv, prefix, false, func(key, value []byte) bool {
		r := state.ReadKey(key, len(prefix))
		endorser, channel := r.String(), r.String()
		h, tx, amount, ok := decodeEndorsement(value)
		if r.Err() != nil || !ok {
			bad = fmt.Errorf("corrupt endorsement key %x", key)
			return false
		}
		g.Endorsements = append(g.Endorsements, Endorsement{Endorser: endorser, Channel: channel, Amount: amount.String(), Height: h, TxIndex: tx})
		return true
	})
	if err != nil || bad != nil {
		return g, errors.Join(err, bad)
	}
	prefix = []byte{ModulePrefix, prefixCoreCount}
	err = state.IteratePrefix(kv, prefix, false, func(key, value []byte) bool {
		r := state.ReadKey(key, len(prefix))
		sender := r.String()
		if r.Err() != nil || len(value) != 16 {
			bad = fmt.Errorf("corrupt core counter key %x", key)
			return false
		}
		g.CoreCounts = append(g.CoreCounts, CoreCount{Sender: sender, Window: binary.BigEndian.Uint64(value), Count: binary.BigEndian.Uint64(value[8:])})
		return true
	})
	return g, errors.Join(err, bad)
}
