package resource

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/alephd/alephd/state"
)

// ModulePrefix is the first byte of every key this module owns.
const ModulePrefix byte = 0x05

const (
	prefixParams    byte = 0x00 // -> Params JSON (only on chains that enable the module)
	prefixWindow    byte = 0x01 // node hash -> ScoreWindow
	prefixChallenge byte = 0x02 // epoch, node hash, slot -> ChallengeRecord
	prefixFile      byte = 0x03 // file hash -> FileAssignment
	prefixHolding   byte = 0x04 // node hash, file hash -> (present): the node's files
	prefixMember    byte = 0x05 // node hash -> weight (uvarint): the nodes assignments follow
	prefixZero      byte = 0x06 // node hash -> epochs (uvarint) its score has closed at 0 in a row
	prefixExcluded  byte = 0x07 // file hash, node hash -> until epoch (uvarint): node excluded from file (exclusions.go)
	prefixExpiry    byte = 0x08 // until epoch, file hash, node hash -> (present): exclusions by expiry
	prefixNonce     byte = 0x09 // epoch, slot -> nonce: the liveness slots open (liveness.go)
	prefixUp        byte = 0x0a // epoch, node hash, slot -> (present): slots a node was seen up in
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

// FileKey is the state key of a file's assignment, for proofs.
func FileKey(hash string) []byte {
	return state.NewKey(ModulePrefix, prefixFile).String(hash).Bytes()
}

func holdingKey(node, file string) []byte {
	return state.NewKey(ModulePrefix, prefixHolding).String(node).String(file).Bytes()
}

func memberKey(node string) []byte {
	return state.NewKey(ModulePrefix, prefixMember).String(node).Bytes()
}

func zeroKey(node string) []byte {
	return state.NewKey(ModulePrefix, prefixZero).String(node).Bytes()
}

var present = []byte{1}

// uvarint encodes a member's weight or a zero-score count. A weight of 1
// encodes as present did, so a member's value is the same as before
// weights existed.
func uvarint(v uint64) []byte { return binary.AppendUvarint(nil, v) }

// readUvarint decodes what uvarint encoded, refusing anything else.
func readUvarint(b []byte) (uint64, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 || n != len(b) {
		return 0, fmt.Errorf("malformed uvarint %x", b)
	}
	return v, nil
}

// namesUnder lists the names (state.Key strings) that follow prefix in
// kv's keys, in key order: the files a node holds, the nodes excluded
// from a file, the assigned files.
func namesUnder(kv state.KV, prefix []byte) ([]string, error) {
	var out []string
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		out = append(out, r.String())
		bad = r.Err()
		return bad == nil
	})
	return out, errors.Join(err, bad)
}

func nonceKey(epoch uint64, slot uint32) []byte {
	return state.NewKey(ModulePrefix, prefixNonce).Uint64(epoch).Uint32(slot).Bytes()
}

func upKey(epoch uint64, node string, slot uint32) []byte {
	return state.NewKey(ModulePrefix, prefixUp).Uint64(epoch).String(node).Uint32(slot).Bytes()
}
