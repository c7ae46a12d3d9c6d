package balance

import (
	"encoding/binary"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/internal/jsonobj"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/chains"
)

// Codespace names this module's rejections.
const Codespace = "balance"

var (
	// ErrBadUpdate rejects an oracle's balances-update whose content does
	// not have pyaleph's shape.
	ErrBadUpdate = errs.Register(Codespace, 1, "malformed balances-update")
	// ErrStaleUpdate rejects a report older than one already applied.
	ErrStaleUpdate = errs.Register(Codespace, 2, "stale balances-update")
	// ErrAttestedChain rejects an oracle's report for the chain whose
	// balances validators attest themselves.
	ErrAttestedChain = errs.Register(Codespace, 3, "balances attested by validators")
)

// maxAddressLen bounds an address in a report.
const maxAddressLen = 128

// Update is a parsed balances-update: the balances on one chain (and
// dapp, if any) at one height of that chain.
type Update struct {
	Source     string // chain, or chain/dapp
	MainHeight uint64
	Entries    []Entry // by address; Amount in base units
}

// ParseUpdate reads the content object of a balances-update POST:
// {"chain": "ETH", "main_height": 123, "balances": {"0xab...": 12.5, ...}}
// with an optional "dapp". Amounts are decimal ALEPH, numbers or strings,
// read exactly; digits beyond 18 decimals are dropped.
func ParseUpdate(itemContent []byte) (*Update, error) {
	// Members are read by exact name, as everything else reads content
	// (encoding/json would match struct fields case-insensitively).
	post, err := jsonobj.Decode(itemContent)
	if err != nil || len(post["content"]) == 0 {
		return nil, errs.Wrapf(ErrBadUpdate, "the POST has no content object")
	}
	members, err := jsonobj.Decode(post["content"])
	if err != nil {
		return nil, errs.Wrapf(ErrBadUpdate, "content must be {\"chain\", \"main_height\", \"balances\"}: %v", err)
	}
	var body struct {
		Chain, Dapp string
		MainHeight  json.Number
		Balances    map[string]json.RawMessage
	}
	for _, m := range []struct {
		name string
		into any
	}{{"chain", &body.Chain}, {"dapp", &body.Dapp}, {"main_height", &body.MainHeight}, {"balances", &body.Balances}} {
		if raw, ok := members[m.name]; ok {
			if err := json.Unmarshal(raw, m.into); err != nil {
				return nil, errs.Wrapf(ErrBadUpdate, "content.%s: %v", m.name, err)
			}
		}
	}
	if body.Chain == "" || len(body.Chain) > 32 || strings.Contains(body.Chain, "/") {
		return nil, errs.Wrapf(ErrBadUpdate, "content.chain must name a chain (1-32 characters, no \"/\")")
	}
	u := &Update{Source: body.Chain}
	if body.Dapp != "" {
		u.Source += "/" + body.Dapp
	}
	if u.MainHeight, err = strconv.ParseUint(body.MainHeight.String(), 10, 64); err != nil {
		return nil, errs.Wrapf(ErrBadUpdate, "content.main_height must be a non-negative integer, got %q", body.MainHeight.String())
	}
	if body.Balances == nil {
		return nil, errs.Wrapf(ErrBadUpdate, "content.balances must be an object of address: amount")
	}
	// The JSON object's member order is the sender's; entries are read and
	// applied in address order, so every node reports the same first bad
	// entry and applies alike.
	addrs := make([]string, 0, len(body.Balances))
	for addr := range body.Balances {
		addrs = append(addrs, addr)
	}
	sort.Strings(addrs)
	canonical := make(map[string]string, len(addrs)) // canonical form → address as listed
	for _, addr := range addrs {
		raw := body.Balances[addr]
		if addr == "" || len(addr) > maxAddressLen {
			return nil, errs.Wrapf(ErrBadUpdate, "balance address %q must be 1-%d characters", addr, maxAddressLen)
		}
		s := string(raw)
		var str string
		if json.Unmarshal(raw, &str) == nil {
			s = str
		}
		amount, err := ParseTokens(s, true)
		if err != nil {
			return nil, errs.Wrapf(ErrBadUpdate, "balance of %s: %v", addr, err)
		}
		if first, dup := canonical[Canonical(addr)]; dup {
			return nil, errs.Wrapf(ErrBadUpdate, "%s and %s are the same account, listed twice", first, addr)
		}
		canonical[Canonical(addr)] = addr
		u.Entries = append(u.Entries, Entry{Address: addr, Amount: amount.String()})
	}
	return u, nil
}

// Canonical is the form an address is keyed by: chains.NormalizeAddress,
// the one rule for every module (0x addresses lower-cased; base58, SS58
// and bech32 addresses exact).
func Canonical(addr string) string { return chains.NormalizeAddress(addr) }

// Apply sets the reported balances and returns the addresses whose total
// changed, in order. A report for a lower main_height than one already
// applied for the same chain is refused: reports may arrive out of order,
// and the older one must not undo the newer.
func (k Keeper) Apply(kv state.KV, u *Update) ([]string, error) {
	p, err := k.Params(kv)
	if err != nil {
		return nil, err
	}
	if p.Ethereum != nil && u.Source == SourceEth {
		return nil, errs.Wrapf(ErrAttestedChain, "%s balances of token %s are read on Ethereum by the validators, not reported by an oracle", SourceEth, p.Ethereum.Token)
	}
	b, err := kv.Get(reportedKey(u.Source))
	if err != nil {
		return nil, err
	}
	if len(b) == 8 {
		if last := binary.BigEndian.Uint64(b); u.MainHeight < last {
			return nil, errs.Wrapf(ErrStaleUpdate, "%s balances at main_height %d were already applied; this report is for %d", u.Source, last, u.MainHeight)
		}
	}
	if err := kv.Set(reportedKey(u.Source), binary.BigEndian.AppendUint64(nil, u.MainHeight)); err != nil {
		return nil, err
	}
	var changed []string
	for _, e := range u.Entries {
		amount, _ := ParseAmount(e.Amount)
		ok, err := k.SetComponent(kv, e.Address, u.Source, amount)
		if err != nil {
			return nil, err
		}
		if ok {
			changed = append(changed, Canonical(e.Address))
		}
	}
	return changed, nil
}
