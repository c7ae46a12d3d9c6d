package message

import (
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/chains"
)

// ModulePrefix is the first byte of every key this module owns.
const ModulePrefix byte = 0x01

// Second key byte: what the key holds.
const (
	prefixMessage    byte = 0x01 // item_hash -> MessageRecord
	prefixAggElement byte = 0x02 // owner, key, content time, item_hash -> (empty)
	prefixAggregate  byte = 0x03 // owner, key -> AggregateRecord
	prefixAmend      byte = 0x04 // original, amend item_hash -> content time
	prefixPostHead   byte = 0x05 // original -> latest amend item_hash
	prefixFile       byte = 0x06 // file hash, item_hash -> (empty): processed STOREs of a file
	prefixPending    byte = 0x07 // deadline height, item_hash -> (empty): STOREs awaiting attestation
	prefixPendingBy  byte = 0x08 // sender -> count of its non-inline messages pending (absent: none)
	prefixContender  byte = 0x09 // item_hash, sender -> AlephMessage: another sender's copy of a pending non-inline message
)

// present is the value of index keys whose meaning is in the key itself;
// IAVL refuses empty values.
var present = []byte{1}

// ownerKey canonicalizes an owner for keys (chains.NormalizeAddress: 0x
// addresses in lower case, others exact). The record keeps the address
// exactly as sent.
func ownerKey(addr string) string { return chains.NormalizeAddress(addr) }

// RecordPrefix is the prefix of message records, which are never deleted
// (a forgotten message keeps its record): the app tells the store to keep
// misses under it cheap (state.Store.TrackAbsence).
var RecordPrefix = []byte{ModulePrefix, prefixMessage}

func messageKey(hash string) []byte {
	return state.NewKey(ModulePrefix, prefixMessage).String(hash).Bytes()
}

func aggElementPrefix(owner, key string) []byte {
	return state.NewKey(ModulePrefix, prefixAggElement).String(ownerKey(owner)).String(key).Bytes()
}

func aggElementKey(owner, key string, timeNano int64, hash string) []byte {
	return state.NewKey(ModulePrefix, prefixAggElement).String(ownerKey(owner)).String(key).
		Uint64(uint64(timeNano)).String(hash).Bytes()
}

func aggregateKey(owner, key string) []byte {
	return state.NewKey(ModulePrefix, prefixAggregate).String(ownerKey(owner)).String(key).Bytes()
}

func aggregateOwnerPrefix(owner string) []byte {
	return state.NewKey(ModulePrefix, prefixAggregate).String(ownerKey(owner)).Bytes()
}

func amendPrefix(original string) []byte {
	return state.NewKey(ModulePrefix, prefixAmend).String(original).Bytes()
}

func amendKey(original, amend string) []byte {
	return state.NewKey(ModulePrefix, prefixAmend).String(original).String(amend).Bytes()
}

func postHeadKey(original string) []byte {
	return state.NewKey(ModulePrefix, prefixPostHead).String(original).Bytes()
}

func fileKey(fileHash, hash string) []byte {
	return state.NewKey(ModulePrefix, prefixFile).String(fileHash).String(hash).Bytes()
}
