package payment

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"

	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/internal/jsonobj"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
)

// maxChannelLen bounds an endorsed channel name.
const maxChannelLen = 256

// Endorsement is one address's endorsement of one channel.
type Endorsement struct {
	Endorser string `json:"endorser"`
	Channel  string `json:"channel"`
	// Amount is in base units (10^-18 ALEPH).
	Amount  string `json:"amount"`
	Height  int64  `json:"height"`
	TxIndex uint32 `json:"tx_index"`
}

// ParseEndorsement reads the content of an endorsement POST:
// {"channel": "MYAPP", "amount": "1000"}, amount in ALEPH (a decimal
// string or number, at most 18 decimals). It sets what the address
// endorses to that channel; "0" withdraws.
//
// Members are read by exact name, as everything else reads content.
func ParseEndorsement(itemContent []byte) (channel string, amount *big.Int, err error) {
	bad := func(err error) error {
		return errs.Wrapf(ErrEndorsement, "content must be {\"channel\": NAME, \"amount\": ALEPH}: %v", err)
	}
	post, err := jsonobj.Decode(itemContent)
	if err != nil {
		return "", nil, bad(err)
	}
	c, err := jsonobj.Decode(post["content"])
	if err != nil {
		return "", nil, bad(err)
	}
	if json.Unmarshal(c["channel"], &channel) != nil || channel == "" || len(channel) > maxChannelLen {
		return "", nil, errs.Wrapf(ErrEndorsement, "content.channel must name a channel (1-%d bytes)", maxChannelLen)
	}
	s := string(c["amount"])
	var str string
	if json.Unmarshal(c["amount"], &str) == nil {
		s = str
	}
	amount, err = balance.ParseTokens(s, false)
	if err != nil {
		return "", nil, errs.Wrapf(ErrEndorsement, "content.amount: %v", err)
	}
	return channel, amount, nil
}

func encodeEndorsement(height int64, tx uint32, amount *big.Int) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(height))
	b = binary.BigEndian.AppendUint32(b, tx)
	return append(b, amount.Bytes()...)
}

func decodeEndorsement(b []byte) (height int64, tx uint32, amount *big.Int, ok bool) {
	if len(b) < 12 {
		return 0, 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(b)), binary.BigEndian.Uint32(b[8:]), new(big.Int).SetBytes(b[12:]), true
}

// setEndorsement writes one endorsement and the totals it feeds.
func (k *Keeper) setEndorsement(kv state.KV, endorser, channel string, height int64, tx uint32, amount *big.Int) error {
	old, err := k.endorsementAmount(kv, endorser, channel)
	if err != nil {
		return err
	}
	delta := new(big.Int).Sub(amount, old)
	for _, key := range [][]byte{endorsedKey(endorser), channelTotalKey(channel)} {
		total, err := getAmount(kv, key)
		if err != nil {
			return err
		}
		if err := putAmount(kv, key, total.Add(total, delta)); err != nil {
			return err
		}
	}
	if amount.Sign() == 0 {
		if err := kv.Delete(endorsementKey(endorser, channel)); err != nil {
			return err
		}
		return kv.Delete(channelEndorserKey(channel, endorser))
	}
	if err := kv.Set(endorsementKey(endorser, channel), encodeEndorsement(height, tx, amount)); err != nil {
		return err
	}
	return kv.Set(channelEndorserKey(channel, endorser), present)
}

func (k *Keeper) endorsementAmount(kv state.KV, endorser, channel string) (*big.Int, error) {
	b, err := kv.Get(endorsementKey(endorser, channel))
	if err != nil || b == nil {
		return new(big.Int), err
	}
	_, _, amount, ok := decodeEndorsement(b)
	if !ok {
		return nil, fmt.Errorf("corrupt endorsement %s -> %s", endorser, channel)
	}
	return amount, nil
}

// Endorse sets what endorser endorses to channel, within its balance, and
// re-checks the channel and the endorser's personal storage, whose
// capacities both moved.
func (k *Keeper) Endorse(kv state.KV, env message.Env, endorser, channel string, amount *big.Int, fx *message.Effects) error {
	endorser = balance.Canonical(endorser)
	bal, err := k.balances.Get(kv, endorser)
	if err != nil {
		return err
	}
	total, err := getAmount(kv, endorsedKey(endorser))
	if err != nil {
		return err
	}
	old, err := k.endorsementAmount(kv, endorser, channel)
	if err != nil {
		return err
	}
	elsewhere := total.Sub(total, old)
	if next := new(big.Int).Add(elsewhere, amount); next.Cmp(bal) > 0 {
		room := new(big.Int).Sub(bal, elsewhere)
		if room.Sign() < 0 {
			room.SetInt64(0)
		}
		return errs.Wrapf(ErrEndorseBeyondBalance, "%s holds %s ALEPH and endorses %s ALEPH to other channels; it can endorse at most %s ALEPH to %q, not %s",
			endorser, balance.Format(bal), balance.Format(elsewhere), balance.Format(room), channel, balance.Format(amount))
	}
	if old.Cmp(amount) == 0 { // a free post that changes nothing is refused
		return errs.Wrapf(ErrEndorsement, "%s already endorses %q with %s ALEPH; nothing to change", endorser, channel, balance.Format(amount))
	}
	if err := k.setEndorsement(kv, endorser, channel, env.Height, env.TxIndex, amount); err != nil {
		return err
	}
	if err := k.recheck(kv, env.Height, payer{kindChannel, channel}, fx); err != nil {
		return err
	}
	return k.recheck(kv, env.Height, payer{kindAddress, endorser}, fx)
}

// Endorsements lists what endorser endorses, by channel.
func (k *Keeper) Endorsements(kv state.KV, endorser string) ([]Endorsement, error) {
	endorser = balance.Canonical(endorser)
	prefix := endorsementPrefix(endorser)
	var out []Endorsement
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, value []byte) bool {
		r := state.ReadKey(key, len(prefix))
		channel := r.String()
		h, tx, amount, ok := decodeEndorsement(value)
		if r.Err() != nil || !ok {
			bad = fmt.Errorf("corrupt endorsement key %x", key)
			return false
		}
		out = append(out, Endorsement{Endorser: endorser, Channel: channel, Amount: amount.String(), Height: h, TxIndex: tx})
		return true
	})
	return out, errors.Join(err, bad)
}

// ChannelEndorsements lists the endorsements of a channel, by endorser.
func (k *Keeper) ChannelEndorsements(kv state.KV, channel string) ([]Endorsement, error) {
	prefix := channelEndorserPrefix(channel)
	var endorsers []string
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		endorsers = append(endorsers, r.String())
		bad = r.Err()
		return bad == nil
	})
	if err != nil || bad != nil {
		return nil, errors.Join(err, bad)
	}
	out := make([]Endorsement, 0, len(endorsers))
	for _, e := range endorsers {
		b, err := kv.Get(endorsementKey(e, channel))
		if err != nil {
			return nil, err
		}
		h, tx, amount, ok := decodeEndorsement(b)
		if !ok {
			return nil, fmt.Errorf("channel index names a missing endorsement %s -> %s", e, channel)
		}
		out = append(out, Endorsement{Endorser: e, Channel: channel, Amount: amount.String(), Height: h, TxIndex: tx})
	}
	return out, nil
}

// BalanceChanged re-checks what addr pays for after its balance moved. If
// it now endorses more than it holds, its endorsements shrink, the most
// recent first, until they fit; every channel that lost capacity, and the
// address's own storage, are then re-checked.
func (k *Keeper) BalanceChanged(kv state.KV, env message.Env, addr string, fx *message.Effects) error {
	addr = balance.Canonical(addr)
	bal, err := k.balances.Get(kv, addr)
	if err != nil {
		return err
	}
	total, err := getAmount(kv, endorsedKey(addr))
	if err != nil {
		return err
	}
	if excess := total.Sub(total, bal); excess.Sign() > 0 {
		list, err := k.Endorsements(kv, addr)
		if err != nil {
			return err
		}
		sort.Slice(list, func(i, j int) bool { // most recent first
			a, b := list[i], list[j]
			if a.Height != b.Height {
				return a.Height > b.Height
			}
			if a.TxIndex != b.TxIndex {
				return a.TxIndex > b.TxIndex
			}
			return a.Channel > b.Channel
		})
		for _, e := range list {
			if excess.Sign() == 0 {
				break
			}
			amount, _ := balance.ParseAmount(e.Amount)
			cut := new(big.Int).Set(excess)
			if cut.Cmp(amount) > 0 {
				cut.Set(amount)
			}
			excess.Sub(excess, cut)
			if err := k.setEndorsement(kv, addr, e.Channel, e.Height, e.TxIndex, amount.Sub(amount, cut)); err != nil {
				return err
			}
			if err := k.recheck(kv, env.Height, payer{kindChannel, e.Channel}, fx); err != nil {
				return err
			}
		}
	}
	return k.recheck(kv, env.Height, payer{kindAddress, addr}, fx)
}
