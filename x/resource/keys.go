package resource

import "github.com/alephd/alephd/state"

// ModulePrefix is the first byte of every key this module owns.
const ModulePrefix byte = 0x05

const (
	prefixParams    byte = 0x00 // -> Params JSON (only on chains that enable the module)
	prefixWindow    byte = 0x01 // node hash -> ScoreWindow
	prefixChallenge byte = 0x02 // epoch, node hash, slot -> challengeValue
)

var paramsKey = []byte{ModulePrefix, prefixParams}

// WindowKey is the state key of a node's score window, for proofs.
func WindowKey(node string) []byte {
	return state.NewKey(ModulePrefix, prefixWindow).String(node).Bytes()
}

func challengeKey(epoch uint64, node string, slot uint32) []byte {
	return state.NewKey(ModulePrefix, prefixChallenge).Uint64(epoch).String(node).Uint32(slot).Bytes()
}

func epochChallengesPrefix(epoch uint64) []byte {
	return state.NewKey(ModulePrefix, prefixChallenge).Uint64(epoch).Bytes()
}
