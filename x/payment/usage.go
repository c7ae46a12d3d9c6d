package payment

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"

	"github.com/alephd/alephd/state"
)

// amounts is a quantity of storage: messages and file bytes.
type amounts struct{ messages, bytes uint64 }

func (a amounts) plus(b amounts) amounts {
	return amounts{satAdd(a.messages, b.messages), satAdd(a.bytes, b.bytes)}
}

func (a amounts) minus(b amounts) amounts {
	if b.messages > a.messages || b.bytes > a.bytes {
		panic(fmt.Sprintf("payment: usage would go negative: %+v - %+v", a, b))
	}
	return amounts{a.messages - b.messages, a.bytes - b.bytes}
}

func (a amounts) within(limit amounts) bool {
	return a.messages <= limit.messages && a.bytes <= limit.bytes
}

func (a amounts) zero() bool { return a.messages == 0 && a.bytes == 0 }

func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// usage is what a payer's unreleased charges add up to: live ones, and
// those in their grace period (removing).
type usage struct{ live, removing amounts }

func (u usage) total() amounts { return u.live.plus(u.removing) }

func (k *Keeper) usage(kv state.KV, p payer) (usage, error) {
	b, err := kv.Get(usageKey(p))
	if err != nil || b == nil {
		return usage{}, err
	}
	if len(b) != 32 {
		return usage{}, fmt.Errorf("corrupt usage of %c/%s", p.kind, p.id)
	}
	be := binary.BigEndian
	return usage{
		live:     amounts{be.Uint64(b[0:]), be.Uint64(b[8:])},
		removing: amounts{be.Uint64(b[16:]), be.Uint64(b[24:])},
	}, nil
}

func (k *Keeper) setUsage(kv state.KV, p payer, u usage) error {
	if u.live.zero() && u.removing.zero() {
		return kv.Delete(usageKey(p))
	}
	b := make([]byte, 0, 32)
	for _, v := range []uint64{u.live.messages, u.live.bytes, u.removing.messages, u.removing.bytes} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return kv.Set(usageKey(p), b)
}

// capacity is what a payer's tokens buy.
type capacity struct {
	tokens *big.Int // whole ALEPH
	limit  amounts
}

func (k *Keeper) capacityOf(tokens *big.Int) capacity {
	mul := func(per uint64) uint64 {
		if !tokens.IsUint64() {
			return math.MaxUint64
		}
		hi, lo := bits.Mul64(tokens.Uint64(), per)
		if hi != 0 {
			return math.MaxUint64
		}
		return lo
	}
	return capacity{tokens: tokens, limit: amounts{mul(k.params.MessagesPerToken), mul(k.params.BytesPerToken)}}
}

// tokensOf is the whole ALEPH behind a payer: for an address, its balance
// less what it endorsed to channels, plus the free allowance; for a
// channel, the sum of its endorsements.
func (k *Keeper) tokensOf(kv state.KV, p payer) (*big.Int, error) {
	if p.kind == kindChannel {
		total, err := getAmount(kv, channelTotalKey(p.id))
		if err != nil {
			return nil, err
		}
		return wholeTokens(total), nil
	}
	free, err := k.freeBalance(kv, p.id)
	if err != nil {
		return nil, err
	}
	t := wholeTokens(free)
	return t.Add(t, new(big.Int).SetUint64(k.params.FreeTokens)), nil
}

func (k *Keeper) capacity(kv state.KV, p payer) (capacity, error) {
	t, err := k.tokensOf(kv, p)
	if err != nil {
		return capacity{}, err
	}
	return k.capacityOf(t), nil
}

// freeBalance is an address's balance not endorsed to any channel.
func (k *Keeper) freeBalance(kv state.KV, addr string) (*big.Int, error) {
	bal, err := k.balances.Get(kv, addr)
	if err != nil || bal.Sign() == 0 {
		return bal, err // nothing held, nothing endorsed (endorsements never exceed the balance)
	}
	endorsed, err := getAmount(kv, endorsedKey(addr))
	if err != nil {
		return nil, err
	}
	free := bal.Sub(bal, endorsed)
	if free.Sign() < 0 { // cannot last past the re-check that follows every balance change
		free.SetInt64(0)
	}
	return free, nil
}

func getAmount(kv state.KV, key []byte) (*big.Int, error) {
	b, err := kv.Get(key)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

func putAmount(kv state.KV, key []byte, amount *big.Int) error {
	if amount.Sign() == 0 {
		return kv.Delete(key)
	}
	return kv.Set(key, amount.Bytes())
}

// describe renders amounts for rejections: "3 messages, 0.2 MB".
func (a amounts) describe() string {
	return plural(a.messages, "message") + ", " + megabytes(a.bytes)
}

// describeOf renders used/limit pairs: "12/12 messages, 11.9/12 MB".
func describeOf(used, limit amounts) string {
	return strconv.FormatUint(used.messages, 10) + "/" + strconv.FormatUint(limit.messages, 10) + " messages, " +
		strings.TrimSuffix(megabytes(used.bytes), " MB") + "/" + megabytes(limit.bytes)
}

func plural(n uint64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.FormatUint(n, 10) + " " + word + "s"
}

// megabytes renders bytes as MB (10^6 bytes) with up to six decimals, exactly.
func megabytes(b uint64) string {
	s := strconv.FormatUint(b/1_000_000, 10)
	if frac := b % 1_000_000; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
	}
	return s + " MB"
}
