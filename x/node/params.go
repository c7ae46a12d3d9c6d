package node

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/alephd/alephd/x/balance"
)

// Params are nodestatus's rules, as genesis sets them. Thresholds are in
// whole ALEPH.
type Params struct {
	// OperationPostType and Channel name the POSTs that are operations: a
	// POST of that type on another channel is an ordinary post.
	OperationPostType string `json:"operation_post_type"`
	Channel           string `json:"channel"`
	// NodeThreshold is what a CCN's owner must hold to create and keep it;
	// it is not counted as stake.
	NodeThreshold uint64 `json:"node_threshold"`
	// StakingThreshold is what an address must hold to stake.
	StakingThreshold uint64 `json:"staking_threshold"`
	// ActivationThreshold is the total stake at which a CCN is active.
	ActivationThreshold uint64 `json:"activation_threshold"`
	// MaxLinkedResourceNodes bounds the CRNs linked to one CCN.
	MaxLinkedResourceNodes uint32 `json:"max_linked_resource_nodes"`
	// MaxValidators bounds the validator set stake gives.
	MaxValidators uint32 `json:"max_validators"`
	// EpochBlocks is how often, in blocks, the validator set is recomputed
	// from stake (at heights that are multiples of it).
	EpochBlocks int64 `json:"epoch_blocks"`
	// DowntimeWindow is how many of a validator's last blocks count for
	// downtime, and DowntimeMaxMissedBps the share of them (basis points)
	// it may miss: a CCN that misses more is jailed for JailBlocks.
	DowntimeWindow       int64  `json:"downtime_window"`
	DowntimeMaxMissedBps uint32 `json:"downtime_max_missed_bps"`
	// JailBlocks is how long a jailed CCN waits before its owner may unjail
	// it; double signing jails as long as downtime.
	JailBlocks int64 `json:"jail_blocks"`
	// CoreChannelAddress is the address whose `corechannel` aggregate the
	// API answers with the registry, as aleph-nodestatus publishes it, so
	// that Aleph tools read it unchanged.
	CoreChannelAddress string `json:"corechannel_address"`
}

// DefaultParams are nodestatus's (settings.py), without its 1-ALEPH
// tolerance: the thresholds are exact.
func DefaultParams() Params {
	return Params{
		OperationPostType:      "corechan-operation",
		Channel:                "FOUNDATION",
		NodeThreshold:          200_000,
		StakingThreshold:       10_000,
		ActivationThreshold:    500_000,
		MaxLinkedResourceNodes: 8,
		MaxValidators:          100,
		EpochBlocks:            600,
		DowntimeWindow:         1000,
		DowntimeMaxMissedBps:   5000,
		JailBlocks:             600,
		CoreChannelAddress:     "0xa1B3bb7d2332383D96b7796B908fB7f7F3c2Be10", // aleph-nodestatus's
	}
}

// Validate checks the params.
func (p Params) Validate() error {
	switch {
	case p.OperationPostType == "" || p.Channel == "":
		return errors.New("operation_post_type and channel must be set")
	case p.MaxLinkedResourceNodes == 0:
		return errors.New("max_linked_resource_nodes must be at least 1")
	case p.MaxValidators == 0:
		return errors.New("max_validators must be at least 1")
	case p.EpochBlocks < 1:
		return errors.New("epoch_blocks must be at least 1")
	case p.DowntimeWindow < 1 || p.DowntimeWindow > 100_000:
		return errors.New("downtime_window must be 1 to 100,000 blocks")
	case p.DowntimeMaxMissedBps > 10_000:
		return errors.New("downtime_max_missed_bps is a share in basis points: at most 10,000")
	case p.JailBlocks < 0:
		return errors.New("jail_blocks must not be negative")
	case p.ActivationThreshold == 0:
		return errors.New("activation_threshold must be at least 1 ALEPH: a validator needs a voting power of at least 1")
	case p.StakingThreshold == 0:
		return fmt.Errorf("staking_threshold must be at least 1 ALEPH: a staker with nothing would stake on any number of nodes")
	}
	return nil
}

func tokens(whole uint64) *big.Int {
	return new(big.Int).Mul(new(big.Int).SetUint64(whole), balance.Unit())
}
