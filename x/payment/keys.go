package payment

import (
	"github.com/alephd/alephd/state"
)

// ModulePrefix is the first byte of every key this module owns.
const ModulePrefix byte = 0x03

// Second key byte: what the key holds. Who paid for a message is in the
// message's record (MessageRecord.charge); these keys are the totals and
// orderings that make admission and garbage collection lookups.
const (
	prefixParams          byte = 0x00 // -> Params JSON
	prefixUsage           byte = 0x02 // payer -> usage (4 x uint64)
	prefixPayerItem       byte = 0x03 // payer, height -> the block's unreleased charges (order.go)
	prefixPayerRemoving   byte = 0x04 // payer, height, tx index, item_hash -> (present): charges in grace
	prefixGrace           byte = 0x05 // removing_until, item_hash -> (present): the removal queue
	prefixEndorsement     byte = 0x06 // endorser, channel -> height, tx index, amount
	prefixEndorsed        byte = 0x07 // endorser -> total endorsed
	prefixChannelTotal    byte = 0x08 // channel -> total endorsed to it
	prefixChannelEndorser byte = 0x09 // channel, endorser -> (present)
	prefixCoreCount       byte = 0x0a // sender -> window, count
)

// present is the value of index keys whose meaning is in the key itself;
// IAVL refuses empty values.
var present = []byte{1}

// Payer kinds, the first part of a payer key.
const (
	kindAddress byte = 'a' // personal storage of an address
	kindChannel byte = 'c' // a channel's endorsements
)

// payer is what a metered charge draws on.
type payer struct {
	kind byte
	id   string // canonical address, or channel name
}

func (p payer) key(prefix byte) *state.Key {
	return state.NewKey(ModulePrefix, prefix, p.kind).String(p.id)
}

func usageKey(p payer) []byte { return p.key(prefixUsage).Bytes() }

func payerRemovingPrefix(p payer) []byte { return p.key(prefixPayerRemoving).Bytes() }

func payerRemovingKey(p payer, height int64, tx uint32, hash string) []byte {
	return p.key(prefixPayerRemoving).Uint64(uint64(height)).Uint32(tx).String(hash).Bytes()
}

func graceKey(until int64, hash string) []byte {
	return state.NewKey(ModulePrefix, prefixGrace).Uint64(uint64(until)).String(hash).Bytes()
}

func endorsementKey(endorser, channel string) []byte {
	return state.NewKey(ModulePrefix, prefixEndorsement).String(endorser).String(channel).Bytes()
}

func endorsementPrefix(endorser string) []byte {
	return state.NewKey(ModulePrefix, prefixEndorsement).String(endorser).Bytes()
}

func endorsedKey(endorser string) []byte {
	return state.NewKey(ModulePrefix, prefixEndorsed).String(endorser).Bytes()
}

func channelTotalKey(channel string) []byte {
	return state.NewKey(ModulePrefix, prefixChannelTotal).String(channel).Bytes()
}

func channelEndorserKey(channel, endorser string) []byte {
	return state.NewKey(ModulePrefix, prefixChannelEndorser).String(channel).String(endorser).Bytes()
}

func channelEndorserPrefix(channel string) []byte {
	return state.NewKey(ModulePrefix, prefixChannelEndorser).String(channel).Bytes()
}

func coreCountKey(sender string) []byte {
	return state.NewKey(ModulePrefix, prefixCoreCount).String(sender).Bytes()
}
