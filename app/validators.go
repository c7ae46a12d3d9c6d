package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/alephd/alephd/state"
)

// The chain id and the genesis validators are kept in state: checking an
// availability record means checking validators' signatures on their vote
// extensions, which needs their public keys and the chain id the votes were
// signed for. alephd has no validator updates yet, so genesis' set is the
// set.
var (
	chainIDKey    = []byte{AppPrefix, 0x02}
	validatorsKey = []byte{AppPrefix, 0x03}
)

// Validator is a validator's consensus key, as CometBFT gave it at genesis.
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
}

func writeChainInfo(kv state.KV, ci ChainInfo) error {
	if ci.ChainID == "" {
		return nil // a test chain without consensus: nothing to check against
	}
	vals := slices.Clone(ci.Validators)
	slices.SortFunc(vals, func(a, b Validator) int { return bytes.Compare(a.Address, b.Address) })
	b, err := json.Marshal(vals)
	if err != nil {
		return err
	}
	if err := kv.Set(chainIDKey, []byte(ci.ChainID)); err != nil {
		return err
	}
	return kv.Set(validatorsKey, b)
}

// ChainInfo reads the chain id and validators from the committed state.
func (a *App) ChainInfo() (ChainInfo, error) {
	if a.store.Version() == 0 {
		return ChainInfo{}, fmt.Errorf("no committed state yet")
	}
	snap, err := a.store.At(0)
	if err != nil {
		return ChainInfo{}, err
	}
	id, err := snap.Get(chainIDKey)
	if err != nil {
		return ChainInfo{}, err
	}
	b, err := snap.Get(validatorsKey)
	if err != nil {
		return ChainInfo{}, err
	}
	ci := ChainInfo{ChainID: string(id)}
	if b != nil {
		if err := json.Unmarshal(b, &ci.Validators); err != nil {
			return ChainInfo{}, fmt.Errorf("decode validators: %w", err)
		}
	}
	return ci, nil
}
