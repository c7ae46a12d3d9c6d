package payment

import (
	"errors"
	"fmt"
	"math/big"
	"sort"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// Invariants checks payment state against the message records:
//   - usage equals the sum of each payer's unreleased charges, and the
//     payer orderings and removal queue list exactly those charges;
//   - a charge and its message agree: live and processed, in grace and
//     removing, released and forgotten or removed;
//   - no payer is above capacity except for its messages in `removing`;
//   - every address endorses at most its balance, and the endorsement
//     totals (by address, by channel) are the sums of the endorsements.
//
// It returns the first violation; tests and the simulation run it after
// every block.
func (k *Keeper) Invariants(kv state.KV) error {
	want := map[payer]usage{}
	listed, err := k.listedCharges(kv)
	if err != nil {
		return err
	}
	var removing int
	err = k.messages.EachRecord(kv, func(rec *pb.MessageRecord) error {
		ch, hash := rec.Charge, rec.Message.ItemHash
		if ch == nil {
			return nil
		}
		if err := statusAgrees(rec); err != nil {
			return err
		}
		p, metered := payerOf(ch)
		if !metered || ch.Released {
			return nil
		}
		u, c := want[p], amounts{ch.Messages, ch.Bytes}
		if at, ok := listed[hash]; !ok || at != (listing{p, rec.Height, rec.TxIndex}) {
			return fmt.Errorf("invariant: %s is charged to %c/%s at %d/%d but listed as %+v in the payers' orders", hash, p.kind, p.id, rec.Height, rec.TxIndex, at)
		}
		delete(listed, hash)
		if ch.RemovingUntil != 0 {
			removing++
			u.removing = u.removing.plus(c)
			g, err := kv.Has(graceKey(ch.RemovingUntil, hash))
			if err != nil {
				return err
			}
			r, err := kv.Has(payerRemovingKey(p, rec.Height, rec.TxIndex, hash))
			if err != nil || !g || !r {
				return errors.Join(err, fmt.Errorf("invariant: %s is removing but not queued for removal", hash))
			}
		} else {
			u.live = u.live.plus(c)
		}
		want[p] = u
		return nil
	})
	if err != nil {
		return err
	}
	if len(listed) > 0 {
		return fmt.Errorf("invariant: the payers' orders list %d charges no record holds", len(listed))
	}
	for _, c := range []struct {
		prefix byte
		want   int
		what   string
	}{{prefixPayerRemoving, removing, "removing order"}, {prefixGrace, removing, "removal queue"}} {
		n, err := countPrefix(kv, []byte{ModulePrefix, c.prefix})
		if err != nil {
			return err
		}
		if n != c.want {
			return fmt.Errorf("invariant: the %s has %d entries for %d charges", c.what, n, c.want)
		}
	}
	stored := map[payer]usage{}
	var bad error
	prefix := []byte{ModulePrefix, prefixUsage}
	err = state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		if len(key) < 3 {
			bad = fmt.Errorf("invariant: corrupt usage key %x", key)
			return false
		}
		r := state.ReadKey(key, 3)
		p := payer{kind: key[2], id: r.String()}
		if bad = r.Err(); bad != nil {
			return false
		}
		stored[p], bad = k.usage(kv, p)
		return bad == nil
	})
	if err != nil || bad != nil {
		return errors.Join(err, bad)
	}
	payers := make([]payer, 0, len(want))
	for p := range want {
		payers = append(payers, p)
	}
	for p := range stored {
		if _, ok := want[p]; !ok {
			payers = append(payers, p)
		}
	}
	sort.Slice(payers, func(i, j int) bool {
		if payers[i].kind != payers[j].kind {
			return payers[i].kind < payers[j].kind
		}
		return payers[i].id < payers[j].id
	})
	for _, p := range payers {
		if stored[p] != want[p] {
			return fmt.Errorf("invariant: usage of %c/%s is %+v, its charges add up to %+v", p.kind, p.id, stored[p], want[p])
		}
		capa, err := k.capacity(kv, p)
		if err != nil {
			return err
		}
		if !want[p].live.within(capa.limit) {
			return fmt.Errorf("invariant: %c/%s uses %s outside removing, above its capacity %s", p.kind, p.id, want[p].live.describe(), capa.limit.describe())
		}
	}
	return k.checkEndorsements(kv)
}

// listing is where a payer's order lists a charge.
type listing struct {
	payer  payer
	height int64
	tx     uint32
}

// listedCharges reads every payer's order, by item_hash.
func (k *Keeper) listedCharges(kv state.KV) (map[string]listing, error) {
	out := map[string]listing{}
	prefix := []byte{ModulePrefix, prefixPayerItem}
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, value []byte) bool {
		if len(key) < 3 {
			bad = fmt.Errorf("invariant: corrupt charge order key %x", key)
			return false
		}
		r := state.ReadKey(key, 3)
		p := payer{kind: key[2], id: r.String()}
		height := int64(r.Uint64())
		entries, err := decodeOrder(value)
		if bad = errors.Join(r.Err(), err); bad != nil {
			return false
		}
		for i, e := range entries {
			if _, dup := out[e.hash]; dup || (i > 0 && entries[i-1].tx > e.tx) {
				bad = fmt.Errorf("invariant: %s listed twice or out of order in %c/%s's order", e.hash, p.kind, p.id)
				return false
			}
			out[e.hash] = listing{p, height, e.tx}
		}
		return true
	})
	return out, errors.Join(err, bad)
}

func statusAgrees(rec *pb.MessageRecord) error {
	ch, s := rec.Charge, rec.Status
	var ok bool
	switch {
	case ch.Released:
		ok = s == pb.MessageStatus_MESSAGE_STATUS_FORGOTTEN || s == pb.MessageStatus_MESSAGE_STATUS_REMOVED
	case ch.RemovingUntil != 0:
		ok = s == pb.MessageStatus_MESSAGE_STATUS_REMOVING
	default:
		ok = s == pb.MessageStatus_MESSAGE_STATUS_PROCESSED
	}
	if !ok {
		return fmt.Errorf("invariant: %s is %s but its charge is %+v", rec.Message.ItemHash, s, ch)
	}
	return nil
}

func countPrefix(kv state.KV, prefix []byte) (int, error) {
	n := 0
	err := state.IteratePrefix(kv, prefix, false, func(_, _ []byte) bool { n++; return true })
	return n, err
}

func (k *Keeper) checkEndorsements(kv state.KV) error {
	g, err := k.Export(kv)
	if err != nil {
		return err
	}
	byEndorser, byChannel := map[string]*big.Int{}, map[string]*big.Int{}
	for _, e := range g.Endorsements {
		amount, ok := new(big.Int).SetString(e.Amount, 10)
		if !ok || amount.Sign() <= 0 {
			return fmt.Errorf("invariant: endorsement %s -> %q has amount %q", e.Endorser, e.Channel, e.Amount)
		}
		if has, err := kv.Has(channelEndorserKey(e.Channel, e.Endorser)); err != nil || !has {
			return errors.Join(err, fmt.Errorf("invariant: endorsement %s -> %q missing from the channel's list", e.Endorser, e.Channel))
		}
		addTo(byEndorser, e.Endorser, amount)
		addTo(byChannel, e.Channel, amount)
	}
	if n, err := countPrefix(kv, []byte{ModulePrefix, prefixChannelEndorser}); err != nil || n != len(g.Endorsements) {
		return errors.Join(err, fmt.Errorf("invariant: channel lists hold %d endorsements, there are %d", n, len(g.Endorsements)))
	}
	for _, c := range []struct {
		prefix byte
		sums   map[string]*big.Int
		what   string
	}{{prefixEndorsed, byEndorser, "endorsed by"}, {prefixChannelTotal, byChannel, "endorsed to"}} {
		seen := 0
		var bad error
		prefix := []byte{ModulePrefix, c.prefix}
		err := state.IteratePrefix(kv, prefix, false, func(key, value []byte) bool {
			r := state.ReadKey(key, len(prefix))
			id := r.String()
			seen++
			if sum := c.sums[id]; r.Err() != nil || sum == nil || sum.Cmp(new(big.Int).SetBytes(value)) != 0 {
				bad = fmt.Errorf("invariant: total %s %q is %s, its endorsements add up to %v", c.what, id, new(big.Int).SetBytes(value), sum)
				return false
			}
			return true
		})
		if err != nil || bad != nil {
			return errors.Join(err, bad)
		}
		if seen != len(c.sums) {
			return fmt.Errorf("invariant: %d totals %s for %d endorsers/channels", seen, c.what, len(c.sums))
		}
	}
	endorsers := make([]string, 0, len(byEndorser))
	for e := range byEndorser {
		endorsers = append(endorsers, e)
	}
	sort.Strings(endorsers)
	for _, e := range endorsers {
		bal, err := k.balances.Get(kv, e)
		if err != nil {
			return err
		}
		if byEndorser[e].Cmp(bal) > 0 {
			return fmt.Errorf("invariant: %s endorses %s but holds %s", e, byEndorser[e], bal)
		}
	}
	return nil
}

func addTo(sums map[string]*big.Int, key string, amount *big.Int) {
	if sums[key] == nil {
		sums[key] = new(big.Int)
	}
	sums[key].Add(sums[key], amount)
}
