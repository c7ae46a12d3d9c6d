package balance

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/chains"
)

// Entry is one balance component in genesis; Amount is a decimal integer in
// 10^-18 ALEPH. Source defaults to "genesis"; exports also carry the
// components oracles reported, under their chain.
type Entry struct {
	Address string `json:"address"`
	Amount  string `json:"amount"`
	Source  string `json:"source,omitempty"`
}

// Reported is the last main_height applied for a source.
type Reported struct {
	Source     string `json:"source"`
	MainHeight uint64 `json:"main_height"`
}

// Genesis is this module's part of the genesis document.
type Genesis struct {
	Params   Params     `json:"params"`
	Balances []Entry    `json:"balances"`
	Reported []Reported `json:"reported,omitempty"`
	// EthPage is the cursor of an Ethereum block attested in pages, when
	// the chain was exported between two of its pages.
	EthPage *EthPage `json:"eth_page,omitempty"`
}

// DefaultGenesis has no balances and no oracle.
func DefaultGenesis() Genesis { return Genesis{Params: DefaultParams(), Balances: []Entry{}} }

// ParseAmount parses a decimal integer amount.
func ParseAmount(s string) (*big.Int, error) {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() < 0 {
		return nil, fmt.Errorf("amount %q is not a non-negative integer (units of 10^-18 ALEPH)", s)
	}
	return n, nil
}

func (e Entry) source() string {
	if e.Source == "" {
		return SourceGenesis
	}
	return e.Source
}

// Validate checks params, addresses, amounts and duplicates.
func (g Genesis) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return fmt.Errorf("balance params: %w", err)
	}
	type id struct{ addr, source string }
	seen := map[id]bool{}
	for _, e := range g.Balances {
		// Attested changes name holders "0x…": an entry spelt otherwise
		// would be another account, and its start balance lost.
		if e.source() == SourceEth && g.Params.Ethereum != nil && !chains.IsEVMAddress(e.Address) {
			return fmt.Errorf("genesis balance: %q is not a 0x-prefixed Ethereum address (40 hex digits)", e.Address)
		}
		if e.source() == SourceGenesis && !chains.IsAddress(e.Address) {
			return fmt.Errorf("genesis balance: %q is not an address of a supported chain (0x…, a Solana key, SS58, tz1/tz2/tz3, bech32, NULS…, X-avax1…)", e.Address)
		}
		if e.Address == "" || len(e.Address) > maxAddressLen {
			return fmt.Errorf("genesis balance: address %q must be 1-%d characters", e.Address, maxAddressLen)
		}
		if _, err := ParseAmount(e.Amount); err != nil {
			return fmt.Errorf("genesis balance of %s: %w", e.Address, err)
		}
		k := id{Canonical(e.Address), e.source()}
		if seen[k] {
			return fmt.Errorf("genesis balance: %s listed twice for %s", e.Address, e.source())
		}
		seen[k] = true
	}
	var ethReported uint64
	if eth := g.Params.Ethereum; eth != nil {
		ethReported = eth.StartBlock
	}
	for _, r := range g.Reported {
		if eth := g.Params.Ethereum; eth != nil && r.Source == SourceEth && r.MainHeight < eth.StartBlock {
			return fmt.Errorf("reported %s height %d is before ethereum.start_block %d", SourceEth, r.MainHeight, eth.StartBlock)
		}
		if r.Source == SourceEth {
			ethReported = r.MainHeight
		}
	}
	if g.EthPage != nil {
		if g.Params.Ethereum == nil {
			return errors.New("eth_page is set, but params name no ethereum token")
		}
		return g.EthPage.validate(ethReported)
	}
	return nil
}

// Init writes params, balances and reported heights.
func (k Keeper) Init(kv state.KV, g Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	pj, _ := json.Marshal(g.Params)
	if err := kv.Set(paramsKey, pj); err != nil {
		return err
	}
	for _, e := range g.Balances {
		amount, _ := ParseAmount(e.Amount)
		if _, err := k.SetComponent(kv, e.Address, e.source(), amount); err != nil {
			return err
		}
	}
	if eth := g.Params.Ethereum; eth != nil {
		// Genesis ETH balances are those at the start block: the first
		// attested range starts after it. An exported chain's reported
		// height, below, overrides it.
		if err := kv.Set(reportedKey(SourceEth), binary.BigEndian.AppendUint64(nil, eth.StartBlock)); err != nil {
			return err
		}
	}
	for _, r := range g.Reported {
		if err := kv.Set(reportedKey(r.Source), binary.BigEndian.AppendUint64(nil, r.MainHeight)); err != nil {
			return err
		}
	}
	if g.EthPage != nil {
		return saveEthCursor(kv, g.EthPage)
	}
	return nil
}

// Export reads params, every component (by address, then source) and the
// reported heights.
func (k Keeper) Export(kv state.KV) (Genesis, error) {
	p, err := k.Params(kv)
	if err != nil {
		return Genesis{}, err
	}
	g := Genesis{Params: p, Balances: []Entry{}}
	prefix := []byte{ModulePrefix, prefixComponent}
	var bad error
	err = state.IteratePrefix(kv, prefix, false, func(key, value []byte) bool {
		r := state.ReadKey(key, len(prefix))
		addr, source := r.String(), r.String()
		if bad = r.Err(); bad != nil {
			return false
		}
		e := Entry{Address: addr, Amount: new(big.Int).SetBytes(value).String()}
		if source != SourceGenesis {
			e.Source = source
		}
		g.Balances = append(g.Balances, e)
		return true
	})
	if err != nil || bad != nil {
		return g, errors.Join(err, bad)
	}
	prefix = []byte{ModulePrefix, prefixReported}
	err = state.IteratePrefix(kv, prefix, false, func(key, value []byte) bool {
		r := state.ReadKey(key, len(prefix))
		source := r.String()
		if bad = r.Err(); bad != nil || len(value) != 8 {
			bad = fmt.Errorf("corrupt reported height key %x", key)
			return false
		}
		g.Reported = append(g.Reported, Reported{Source: source, MainHeight: binary.BigEndian.Uint64(value)})
		return true
	})
	if err != nil || bad != nil {
		return g, errors.Join(err, bad)
	}
	g.EthPage, err = EthCursor(kv)
	return g, err
}
