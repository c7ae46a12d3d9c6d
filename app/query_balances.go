package app

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
)

// PathBalances lists balances by chain, pyaleph's /api/v0/balances.
// data: BalancesArgs -> BalancesView.
const PathBalances = "/balances"

// BalancesArgs select and page a balances listing.
type BalancesArgs struct {
	// Chains keeps rows of these chains only; empty keeps all.
	Chains []string `json:"chains,omitempty"`
	// MinBalance keeps rows of at least this many base units.
	MinBalance string `json:"min_balance,omitempty"`
	// After resumes after this row (cursor mode); Offset skips rows (page
	// mode). Limit bounds the page; Count asks for the total of matches.
	After  *BalanceRow `json:"after,omitempty"`
	Offset int         `json:"offset"`
	Limit  int         `json:"limit"`
	Count  bool        `json:"count"`
}

// BalanceRow is an address's balance on one chain, in base units.
type BalanceRow struct {
	Address string `json:"address"`
	Chain   string `json:"chain"`
	Balance string `json:"balance,omitempty"`
}

// BalancesView is a page of balances. Next is the last row when more
// follow; Total is set when counted.
type BalancesView struct {
	Rows  []BalanceRow `json:"rows"`
	Total int64        `json:"total"`
	Next  *BalanceRow  `json:"next"`
}

// BalanceChain is the chain a balance source is listed under: an oracle's
// source is its chain (a dapp's "chain/dapp" counts on its chain, as
// pyaleph's rows do), and genesis credits count as ETH. pyaleph's rows name
// one of aleph-message's chains, which "genesis" is not, and alephd's
// genesis stands for ALEPH held at launch, the ERC-20 on Ethereum.
func BalanceChain(source string) string {
	if source == balance.SourceGenesis {
		return "ETH"
	}
	chain, _, _ := strings.Cut(source, "/")
	return chain
}

// queryBalances walks holdings in address order, one row per address and
// chain (chains in name order). It reads every holding after the start, to
// filter and count: a listing of all balances costs what pyaleph's SQL does.
func (a *App) queryBalances(kv state.KV, data []byte) ([]byte, error) {
	var args BalancesArgs
	if err := json.Unmarshal(data, &args); err != nil {
		return nil, fmt.Errorf("balances query wants BalancesArgs: %w", err)
	}
	if args.Limit <= 0 || args.Offset < 0 {
		return nil, fmt.Errorf("balances query: limit must be positive and offset not negative")
	}
	minimum := new(big.Int)
	if args.MinBalance != "" {
		if _, ok := minimum.SetString(args.MinBalance, 10); !ok {
			return nil, fmt.Errorf("min_balance %q is not an integer", args.MinBalance)
		}
	}
	from := ""
	if args.After != nil {
		from = args.After.Address
	}
	view := BalancesView{Rows: []BalanceRow{}}
	skip := args.Offset
	err := a.balances.Each(kv, from, func(h balance.Holding) bool {
		for _, r := range byChain(h) {
			if args.After != nil && h.Address == args.After.Address && r.Chain <= args.After.Chain {
				continue
			}
			if (len(args.Chains) > 0 && !slices.Contains(args.Chains, r.Chain)) || r.amount.Cmp(minimum) < 0 {
				continue
			}
			view.Total++
			if skip > 0 {
				skip--
				continue
			}
			if len(view.Rows) == args.Limit {
				if view.Next == nil {
					last := view.Rows[len(view.Rows)-1]
					view.Next = &BalanceRow{Address: last.Address, Chain: last.Chain}
				}
				if !args.Count {
					return false
				}
				continue
			}
			view.Rows = append(view.Rows, BalanceRow{Address: h.Address, Chain: r.Chain, Balance: r.amount.String()})
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if !args.Count {
		view.Total = 0
	}
	return json.Marshal(view)
}

type chainAmount struct {
	Chain  string
	amount *big.Int
}

// byChain sums a holding's sources by chain, in chain order.
func byChain(h balance.Holding) []chainAmount {
	var out []chainAmount
	for _, s := range h.Sources {
		c := BalanceChain(s.Name)
		i, found := slices.BinarySearchFunc(out, c, func(x chainAmount, c string) int { return strings.Compare(x.Chain, c) })
		if !found {
			out = slices.Insert(out, i, chainAmount{c, new(big.Int)})
		}
		out[i].amount.Add(out[i].amount, s.Amount)
	}
	return out
}
