package balance

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/x/chains"
)

// Params say who may report balances.
type Params struct {
	// Oracles are the addresses whose balances-update POSTs set balances.
	Oracles []string `json:"oracles"`
	// UpdatePostType is the POST type of a balance report (pyaleph's
	// "balances-update").
	UpdatePostType string `json:"update_post_type"`
	// Ethereum, when set, names the ERC-20 token whose balances validators
	// read on Ethereum and attest (SourceEth); oracles then report other
	// chains only.
	Ethereum *EthParams `json:"ethereum,omitempty"`
}

// DefaultParams trust no oracle: balances come from genesis only.
func DefaultParams() Params {
	return Params{Oracles: []string{}, UpdatePostType: "balances-update"}
}

// Validate rejects params a chain cannot run with.
func (p Params) Validate() error {
	for _, o := range p.Oracles {
		if !common.IsHexAddress(o) {
			return fmt.Errorf("oracle %q is not an Ethereum address", o)
		}
	}
	if p.UpdatePostType == "" {
		return fmt.Errorf("update_post_type must be set")
	}
	if p.Ethereum != nil {
		return p.Ethereum.Validate()
	}
	return nil
}

// IsOracle reports whether addr is an oracle.
func (p Params) IsOracle(addr string) bool {
	for _, o := range p.Oracles {
		if chains.SameAddress(o, addr) {
			return true
		}
	}
	return false
}
