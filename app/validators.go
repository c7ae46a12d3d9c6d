package app

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/node"
)

// The validator set is kept in state, height by height: checking an
// attestation record means checking the vote extensions of the height
// before, signed by the validators of that height, with the chain id and
// the keys they had then. Genesis writes the first set; a module's block
// hook may change it (BlockEffects.ValidatorUpdates), and CometBFT applies
// a change made at height H from height H+2 on, so the app stores each set
// under the first height it signs and keeps every set a future check may
// still ask for.
var (
	chainIDKey            = []byte{AppPrefix, 0x02}
	validatorSetPrefix    = []byte{AppPrefix, 0x03} // + first height (uint64): JSON []Validator
	voteExtensionsFromKey = []byte{AppPrefix, 0x04} // uint64: consensus_params.abci.vote_extensions_enable_height
)

// PubKeyEd25519 is the one key type validator updates may carry: CometBFT's
// default consensus params accept no other.
const PubKeyEd25519 = "ed25519"

// maxTotalPower is CometBFT's bound on a validator set's total power
// (types.MaxTotalVotingPower, int64 max / 8).
const maxTotalPower = math.MaxInt64 / 8

// Validator is a validator's consensus key and voting power.
type Validator struct {
	Address    []byte `json:"address"` // CometBFT's address of the key
	PubKeyType string `json:"pub_key_type"`
	PubKey     []byte `json:"pub_key"`
	Power      int64  `json:"power"`
}

// ChainInfo is what InitChain knows of the chain beyond app_state.
type ChainInfo struct {
	ChainID    string
	Validators []Validator
	// VoteExtensionsFrom is the first height whose precommits carry vote
	// extensions (0: never): from the height after it, every block must
	// open with an attestation record.
	VoteExtensionsFrom int64
}

// Ed25519Address is CometBFT's address of an ed25519 key: the first 20
// bytes of its SHA-256 (x/node's, which indexes CCNs by it).
func Ed25519Address(pubKey []byte) []byte { return node.ConsensusAddress(pubKey) }

func validatorSetKey(firstHeight int64) []byte {
	k := make([]byte, len(validatorSetPrefix)+8)
	copy(k, validatorSetPrefix)
	binary.BigEndian.PutUint64(k[len(validatorSetPrefix):], uint64(firstHeight))
	return k
}

func writeChainInfo(kv state.KV, initialHeight int64, ci ChainInfo) error {
	if ci.ChainID == "" {
		return nil // a test chain without consensus: nothing to check against
	}
	if err := kv.Set(chainIDKey, []byte(ci.ChainID)); err != nil {
		return err
	}
	var from [8]byte
	binary.BigEndian.PutUint64(from[:], uint64(max(ci.VoteExtensionsFrom, 0)))
	if err := kv.Set(voteExtensionsFromKey, from[:]); err != nil {
		return err
	}
	return saveValidatorSet(kv, max(initialHeight, 1), ci.Validators)
}

func saveValidatorSet(kv state.KV, firstHeight int64, vals []Validator) error {
	vals = slices.Clone(vals)
	slices.SortFunc(vals, func(a, b Validator) int { return bytes.Compare(a.Address, b.Address) })
	b, err := json.Marshal(vals)
	if err != nil {
		return err
	}
	return kv.Set(validatorSetKey(firstHeight), b)
}

// validatorSetAt returns the set that signs height h in kv, with the first
// height it signs; nil if kv has none that early.
func validatorSetAt(kv state.KV, h int64) ([]Validator, int64, error) {
	var raw []byte
	var first int64
	err := kv.Iterate(validatorSetPrefix, validatorSetKey(h+1), true, func(k, v []byte) bool {
		if len(k) == len(validatorSetPrefix)+8 {
			first = int64(binary.BigEndian.Uint64(k[len(validatorSetPrefix):]))
			raw = v
		}
		return false
	})
	if err != nil || raw == nil {
		return nil, 0, err
	}
	var vals []Validator
	if err := json.Unmarshal(raw, &vals); err != nil {
		return nil, 0, fmt.Errorf("decode validator set from height %d: %w", first, err)
	}
	return vals, first, nil
}

// latestValidatorSet returns the last set stored, which may start after
// the current height.
func latestValidatorSet(kv state.KV) ([]Validator, error) {
	vals, _, err := validatorSetAt(kv, math.MaxInt64-1)
	return vals, err
}

// updateValidators applies the updates a block at height made: the set
// they give signs from height+2 on. Sets no check can ask for any more
// (those replaced at or before height) are deleted. Updates that CometBFT
// would refuse are a module's bug: the error halts the node, before
// CometBFT would.
func updateValidators(kv state.KV, height int64, updates []Validator) ([]Validator, error) {
	updates = slices.Clone(updates)
	slices.SortFunc(updates, func(a, b Validator) int { return bytes.Compare(a.Address, b.Address) })
	current, err := latestValidatorSet(kv)
	if err != nil {
		return nil, err
	}
	next := slices.Clone(current)
	for i, u := range updates {
		if u.PubKeyType != PubKeyEd25519 || len(u.PubKey) != 32 {
			return nil, fmt.Errorf("validator update %X: a %d-byte %q key; only 32-byte ed25519 keys are accepted", u.Address, len(u.PubKey), u.PubKeyType)
		}
		if !bytes.Equal(u.Address, Ed25519Address(u.PubKey)) {
			return nil, fmt.Errorf("validator update %X: the address is not its key's", u.Address)
		}
		if u.Power < 0 || u.Power > maxTotalPower {
			return nil, fmt.Errorf("validator update %X: power %d out of range", u.Address, u.Power)
		}
		if i > 0 && bytes.Equal(updates[i-1].Address, u.Address) {
			return nil, fmt.Errorf("validator update %X: listed twice", u.Address)
		}
		at := slices.IndexFunc(next, func(v Validator) bool { return bytes.Equal(v.Address, u.Address) })
		switch {
		case u.Power == 0 && at < 0:
			return nil, fmt.Errorf("validator update %X: removes a validator not in the set", u.Address)
		case u.Power == 0:
			next = slices.Delete(next, at, at+1)
		case at < 0:
			next = append(next, u)
		default:
			next[at] = u
		}
	}
	var total int64
	for _, v := range next {
		if total += v.Power; total > maxTotalPower {
			return nil, fmt.Errorf("validator updates of height %d: total power beyond %d", height, int64(maxTotalPower))
		}
	}
	if len(next) == 0 {
		return nil, fmt.Errorf("validator updates of height %d remove every validator", height)
	}
	if err := pruneValidatorSets(kv, height); err != nil {
		return nil, err
	}
	return updates, saveValidatorSet(kv, height+2, next)
}

// validatorDiff is the updates that turn the latest set into want: new
// and re-powered validators, and power 0 for those want leaves out.
func validatorDiff(kv state.KV, want []Validator) ([]Validator, error) {
	current, err := latestValidatorSet(kv)
	if err != nil {
		return nil, err
	}
	var out []Validator
	for _, v := range want {
		at := slices.IndexFunc(current, func(c Validator) bool { return bytes.Equal(c.Address, v.Address) })
		if at < 0 || current[at].Power != v.Power {
			out = append(out, v)
		}
	}
	for _, c := range current {
		if !slices.ContainsFunc(want, func(v Validator) bool { return bytes.Equal(c.Address, v.Address) }) {
			gone := c
			gone.Power = 0
			out = append(out, gone)
		}
	}
	return out, nil
}

// nodeFaults hands the last commit and the block's evidence to x/node,
// which jails CCNs that double signed or missed too many blocks; a jailed
// validator leaves the set at once (from two heights on), not at the
// epoch's end.
func (a *App) nodeFaults(kv state.KV, b Block, out *BlockEffects) error {
	votes := make([]node.Vote, len(b.LastCommit))
	for i, v := range b.LastCommit {
		votes[i] = node.Vote{Address: v.Address, Signed: v.Signed}
	}
	misbehavior := make([][]byte, len(b.Misbehavior))
	for i, m := range b.Misbehavior {
		misbehavior[i] = m.Address
	}
	jailed, err := a.nodes.BeginBlock(kv, b.Height, votes, misbehavior)
	if err != nil || !jailed {
		return err
	}
	vals, err := a.stakeValidators(kv)
	if len(vals) > 0 {
		out.ValidatorSet = vals
	}
	return err
}

// stakeValidators is the validator set stake gives (x/node), as the app
// keeps validators.
func (a *App) stakeValidators(kv state.KV) ([]Validator, error) {
	vals, err := a.nodes.Validators(kv)
	if err != nil {
		return nil, err
	}
	out := make([]Validator, len(vals))
	for i, v := range vals {
		out[i] = Validator{Address: Ed25519Address(v.PubKey), PubKeyType: PubKeyEd25519, PubKey: v.PubKey, Power: v.Power}
	}
	return out, nil
}

// pruneValidatorSets deletes the sets replaced at or before height: checks
// from the next block on ask for height or later.
func pruneValidatorSets(kv state.KV, height int64) error {
	_, keep, err := validatorSetAt(kv, height)
	if err != nil || keep == 0 {
		return err
	}
	var old [][]byte
	err = kv.Iterate(validatorSetPrefix, validatorSetKey(keep), false, func(k, _ []byte) bool {
		old = append(old, bytes.Clone(k))
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := kv.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ValidatorView is a validator as the validators query shows it.
type ValidatorView struct {
	Address string `json:"address"` // hex, as CometBFT shows it
	PubKey  string `json:"pub_key"` // base64, as priv_validator_key.json holds it
	Power   int64  `json:"power"`
	// Node is the CCN that names this key, if any.
	Node string `json:"node,omitempty"`
}

// queryValidators answers the newest validator set, which CometBFT applies
// from at most two heights after the committed one.
func (a *App) queryValidators(kv state.KV, _ []byte) ([]byte, error) {
	vals, err := latestValidatorSet(kv)
	if err != nil {
		return nil, err
	}
	reg, err := a.nodes.Registry(kv)
	if err != nil {
		return nil, err
	}
	out := make([]ValidatorView, len(vals))
	for i, v := range vals {
		key := base64.StdEncoding.EncodeToString(v.PubKey)
		out[i] = ValidatorView{Address: strings.ToUpper(hex.EncodeToString(v.Address)), PubKey: key, Power: v.Power}
		for _, n := range reg.Nodes {
			if n.ConsensusPubkey == key {
				out[i].Node = n.Hash
				break
			}
		}
	}
	return json.Marshal(out)
}

// ChainInfo reads the chain id, the vote-extension height and the
// validators that sign height h (0: the next height) from the committed
// state.
func (a *App) ChainInfo(h int64) (ChainInfo, error) {
	if a.store.Version() == 0 {
		return ChainInfo{}, fmt.Errorf("no committed state yet")
	}
	snap, err := a.store.At(0)
	if err != nil {
		return ChainInfo{}, err
	}
	if h == 0 {
		h = snap.Version() + 1
	}
	id, err := snap.Get(chainIDKey)
	if err != nil {
		return ChainInfo{}, err
	}
	from, err := snap.Get(voteExtensionsFromKey)
	if err != nil {
		return ChainInfo{}, err
	}
	ci := ChainInfo{ChainID: string(id)}
	if len(from) == 8 {
		ci.VoteExtensionsFrom = int64(binary.BigEndian.Uint64(from))
	}
	ci.Validators, _, err = validatorSetAt(snap, h)
	return ci, err
}
