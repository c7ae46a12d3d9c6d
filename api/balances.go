package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/payment"
)

// alephChains are aleph-message's Chain values (aleph_message/models/base.py),
// which pyaleph's chain and chains parameters accept.
var alephChains = map[string]bool{
	"ARB": true, "AURORA": true, "AVAX": true, "BASE": true, "BLAST": true, "BOB": true, "BSC": true,
	"CSDK": true, "CYBER": true, "DOT": true, "ES": true, "ETH": true, "ETHERLINK": true, "FRAX": true,
	"HYPE": true, "INK": true, "LENS": true, "LINEA": true, "LISK": true, "METIS": true, "MODE": true,
	"NEO": true, "NULS": true, "NULS2": true, "OP": true, "POL": true, "SOL": true, "STT": true,
	"SONIC": true, "TEZOS": true, "UNICHAIN": true, "WLD": true, "ZORA": true,
}

// balancesPerPage is pyaleph's default page of /api/v0/balances.
const balancesPerPage = 100

// getBalance is GET /api/v0/addresses/{address}/balance, in pyaleph's
// shape (GetAccountBalanceResponse):
//   - balance: the address's ALEPH, every source counted (what pays); with
//     chain=X, what the sources of chain X credit, and details is empty;
//   - details: the balance by source ("genesis", or a reported chain);
//   - locked_amount: what the address's tokens pay for, in ALEPH: what it
//     endorses to channels, plus the whole ALEPH its personal storage's
//     live and removing usage needs beyond the free allowance, at most the
//     balance (pyaleph: the hold costs of what it pays for);
//   - credit_balance 0 and credit_balance_details null ([] when asked):
//     alephd has no credits.
//
// alephd's personal_storage and endorsements stay alongside.
func (s *Server) getBalance(c *gin.Context) {
	addr := c.Param("address")
	chain := c.Query("chain")
	if _, given := c.GetQuery("chain"); given && !alephChains[chain] {
		fail(c, http.StatusUnprocessableEntity, fmt.Sprintf("chain %q is not one of aleph-message's chains (ETH, AVAX, BASE, SOL, ...)", chain))
		return
	}
	creditDetails, err := boolParam(c.Query("include_credit_details"))
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, "include_credit_details: "+err.Error())
		return
	}
	var v payment.AccountView
	if !s.queryJSON(c, app.PathAccount, []byte(addr), &v) {
		return
	}
	var params struct {
		Payment payment.Params `json:"payment"`
	}
	if !s.queryJSON(c, app.PathParams, nil, &params) {
		return
	}
	total, _ := new(big.Int).SetString(v.Balance, 10)
	if total == nil {
		total = new(big.Int)
	}
	details := gin.H{}
	onChain := new(big.Int)
	for _, e := range v.Sources {
		details[e.Source] = tokens(e.Amount)
		if n, ok := new(big.Int).SetString(e.Amount, 10); ok && app.BalanceChain(e.Source) == chain {
			onChain.Add(onChain, n)
		}
	}
	shown := total
	if chain != "" {
		shown, details = onChain, gin.H{}
	}
	// The ETH component's Ethereum height, when validators attest it
	// (null otherwise: an oracle's ETH report keeps its own main_height).
	var ethHeight any
	var eth app.EthView
	if !s.queryJSON(c, app.PathEth, nil, &eth) {
		return
	}
	if eth.Token != nil {
		ethHeight = eth.AttestedHeight
	}
	var creditList any // null unless asked, as pyaleph's
	if creditDetails {
		creditList = []any{}
	}
	c.JSON(http.StatusOK, gin.H{
		"address": addr, "balance": tokens(shown.String()), "details": details,
		"locked_amount":  tokens(locked(v, params.Payment, total).String()),
		"credit_balance": 0, "credit_balance_details": creditList,
		"personal_storage": v.PersonalStorage, "endorsements": v.Endorsements, "eth_height": ethHeight,
	})
}

// locked is what of balance (base units) pays for something: endorsements,
// and the whole tokens personal storage usage needs past the free allowance.
func locked(v payment.AccountView, p payment.Params, balanceUnits *big.Int) *big.Int {
	out, _ := new(big.Int).SetString(v.Endorsed, 10)
	if out == nil {
		out = new(big.Int)
	}
	u := v.PersonalStorage
	need := max(ceilDiv(u.Used.Messages+u.Removing.Messages, p.MessagesPerToken), ceilDiv(u.Used.Bytes+u.Removing.Bytes, p.BytesPerToken))
	if need > p.FreeTokens {
		whole := new(big.Int).SetUint64(need - p.FreeTokens)
		out.Add(out, whole.Mul(whole, balance.Unit()))
	}
	if out.Cmp(balanceUnits) > 0 {
		out.Set(balanceUnits)
	}
	return out
}

func ceilDiv(a, b uint64) uint64 {
	if b == 0 {
		return 0
	}
	return a/b + min(a%b, 1)
}

// boolParam reads a boolean query value as pydantic does; empty is false.
func boolParam(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "false", "0", "no", "off", "f", "n":
		return false, nil
	case "true", "1", "yes", "on", "t", "y":
		return true, nil
	}
	return false, fmt.Errorf("%q is not a boolean", v)
}

// listBalances is GET /api/v0/balances, pyaleph's get_chain_balances: one
// row per address and chain, in address order, filtered by chains and
// min_balance (whole ALEPH, at least 1 when given), 100 a page by default
// (pagination=0: all, up to maxAll). With a cursor parameter, even empty,
// it answers in cursor mode, as messages.json.
func (s *Server) listBalances(c *gin.Context) {
	q := c.Request.URL.Query()
	args := app.BalancesArgs{Chains: splitList(q.Get("chains"))}
	for _, ch := range args.Chains {
		if !alephChains[ch] {
			fail(c, http.StatusUnprocessableEntity, fmt.Sprintf("chains: %q is not one of aleph-message's chains (ETH, AVAX, BASE, SOL, ...)", ch))
			return
		}
	}
	perPage, page := balancesPerPage, 1
	var err error
	if v := q.Get("pagination"); v != "" {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 0 || perPage > maxAll {
			fail(c, http.StatusUnprocessableEntity, fmt.Sprintf("pagination must be a number from 0 to %d", maxAll))
			return
		}
	}
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			fail(c, http.StatusUnprocessableEntity, "page must be a number from 1")
			return
		}
	}
	if v := q.Get("min_balance"); v != "" {
		n, ok := new(big.Int).SetString(v, 10)
		if !ok || n.Sign() < 1 || len(v) > 40 {
			fail(c, http.StatusUnprocessableEntity, "min_balance must be a whole number of ALEPH from 1")
			return
		}
		args.MinBalance = n.Mul(n, balance.Unit()).String()
	}
	cursor, cursorMode := q["cursor"]
	if cursorMode {
		if perPage == 0 {
			fail(c, http.StatusUnprocessableEntity, "pagination=0 is not allowed with cursor-based pagination")
			return
		}
		perPage = min(perPage, maxPerPage)
		if cursor[0] != "" {
			if args.After, err = decodeBalanceCursor(cursor[0]); err != nil {
				fail(c, http.StatusUnprocessableEntity, err.Error())
				return
			}
		}
		args.Limit = perPage
	} else {
		args.Offset, args.Limit, args.Count = (page-1)*perPage, perPage, true
		if perPage == 0 {
			args.Offset, args.Limit = 0, maxAll
		}
	}
	data, _ := json.Marshal(args)
	var v app.BalancesView
	if !s.queryJSON(c, app.PathBalances, data, &v) {
		return
	}
	rows := make([]gin.H, 0, len(v.Rows))
	for _, r := range v.Rows {
		rows = append(rows, gin.H{"address": r.Address, "balance": tokens(r.Balance), "chain": r.Chain})
	}
	if cursorMode {
		var next any
		if v.Next != nil {
			next = base64.RawURLEncoding.EncodeToString([]byte(v.Next.Address + "\x00" + v.Next.Chain))
		}
		c.JSON(http.StatusOK, gin.H{"balances": rows, "pagination_per_page": perPage, "next_cursor": next})
		return
	}
	c.JSON(http.StatusOK, gin.H{"balances": rows, "pagination_per_page": perPage, "pagination_page": page,
		"pagination_total": v.Total, "pagination_item": "balances"})
}

// decodeBalanceCursor reads a next_cursor of listBalances: the last row's
// address and chain.
func decodeBalanceCursor(v string) (*app.BalanceRow, error) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	addr, chain, ok := strings.Cut(string(raw), "\x00")
	if err != nil || !ok || addr == "" || len(raw) > 256 {
		return nil, fmt.Errorf("cursor %q is not a next_cursor of /api/v0/balances", v)
	}
	return &app.BalanceRow{Address: addr, Chain: chain}, nil
}
