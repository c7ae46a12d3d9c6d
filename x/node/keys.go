package node

import "github.com/alephd/alephd/state"

// ModulePrefix is the first byte of every key this module owns.
const ModulePrefix byte = 0x04

const (
	prefixParams     byte = 0x00 // -> Params JSON
	prefixNode       byte = 0x01 // hash -> NodeRecord
	prefixOwner      byte = 0x02 // owner (canonical) -> hash of its CCN
	prefixStaker     byte = 0x03 // staker (canonical) -> StakerRecord
	prefixNodeStaker byte = 0x04 // CCN hash, staker (canonical) -> (present)
	prefixHost       byte = 0x05 // kind, host -> hash of the node that holds it
	prefixConsensus  byte = 0x06 // consensus address -> hash of the CCN naming its key
	prefixLiveness   byte = 0x07 // CCN hash -> blocks seen, missed, and the window's bitmap
)

var paramsKey = []byte{ModulePrefix, prefixParams}

// NodeKey is the state key of a node's record, for proofs.
func NodeKey(hash string) []byte {
	return state.NewKey(ModulePrefix, prefixNode).String(hash).Bytes()
}

func ownerKey(owner string) []byte {
	return state.NewKey(ModulePrefix, prefixOwner).String(owner).Bytes()
}

func stakerKey(staker string) []byte {
	return state.NewKey(ModulePrefix, prefixStaker).String(staker).Bytes()
}

func nodeStakerKey(node, staker string) []byte {
	return state.NewKey(ModulePrefix, prefixNodeStaker).String(node).String(staker).Bytes()
}

func nodeStakersPrefix(node string) []byte {
	return state.NewKey(ModulePrefix, prefixNodeStaker).String(node).Bytes()
}

func hostKey(kind, host string) []byte {
	return state.NewKey(ModulePrefix, prefixHost).String(kind).String(host).Bytes()
}

func consensusKey(addr []byte) []byte {
	return state.NewKey(ModulePrefix, prefixConsensus).String(string(addr)).Bytes()
}

func livenessKey(node string) []byte {
	return state.NewKey(ModulePrefix, prefixLiveness).String(node).Bytes()
}

var present = []byte{1}
