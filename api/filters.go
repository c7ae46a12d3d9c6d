package api

import (
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alephd/alephd/index"
)

const (
	defaultPerPage = 20
	maxPerPage     = 200
	// maxAll bounds pagination=0, which pyaleph reads as "everything": on
	// a public node that would be the whole index in one answer.
	maxAll = 10_000
	// maxFilterValues bounds each list filter: addresses and types are
	// walked pairwise, one index iterator per pair.
	maxFilterValues = 100
)

// messageTypes are the values msgType(s) accept, as aleph-message's
// MessageType; the index keys types in upper case.
var messageTypes = map[string]bool{"POST": true, "AGGREGATE": true, "STORE": true, "FORGET": true, "PROGRAM": true, "INSTANCE": true}

// listQuery is a parsed listing request.
type listQuery struct {
	filter    index.Filter
	ascending bool
	page      int
	perPage   int
	// cursor is pyaleph's cursor mode: a cursor parameter was given, even
	// empty (the SDKs' first cursor call sends cursor=). Nothing is
	// counted and page is ignored; filter.After holds a non-empty cursor.
	cursor bool
	// contentFormat is how much of each message's content is shown:
	// contentFull, contentHeaders or contentNone (pyaleph's contentFormat,
	// or excludeContent=true when that is unset).
	contentFormat string
}

// paramNames maps pyaleph's field names to the aliases alephd reads:
// pyaleph's query models populate by name as well as by alias, so
// message_types works as msgTypes does. When both are given the alias
// wins, as in pydantic. The list is pyaleph's MessageQueryParams,
// MessageHashesQueryParams and PostQueryParams; parameters without an
// alias (addresses, page, …) have one name only.
var paramNames = map[string]string{
	"sort_by": "sortBy", "sort_order": "sortOrder", "message_type": "msgType",
	"message_types": "msgTypes", "message_statuses": "msgStatuses",
	"content_hashes": "contentHashes", "content_keys": "contentKeys",
	"content_types": "contentTypes", "payment_types": "paymentTypes",
	"exclude_content": "excludeContent", "content_format": "contentFormat",
	"start_date": "startDate", "end_date": "endDate", "start_block": "startBlock",
	"end_block": "endBlock", "post_types": "types",
}

// listParams are the query parameters listings read. Any other is ignored,
// as pydantic ignores an unknown field: clients written for pyaleph send
// parameters of their own.
var listParams = map[string]bool{
	"msgType": true, "msgTypes": true, "addresses": true, "owners": true, "refs": true,
	"contentHashes": true, "contentKeys": true, "contentTypes": true, "chains": true,
	"channels": true, "tags": true, "hashes": true, "startDate": true, "endDate": true,
	"startBlock": true, "endBlock": true, "msgStatuses": true, "sortBy": true,
	"sortOrder": true, "pagination": true, "page": true, "excludeContent": true,
	"paymentTypes": true, "contentFormat": true,
	// posts.json names some filters differently
	"types": true, "history": true, "cursor": true,
}

// paymentTypes are aleph-message's PaymentType values. alephd pays every
// message from held ALEPH (balance quotas, see Payments in the README) and
// the index records no payment type per message, so paymentTypes is
// checked, then a list naming hold filters nothing and one without
// hold matches no message: pyaleph's answer for a node where everything is hold.
var paymentTypes = map[string]bool{"hold": true, "superfluid": true, "credit": true}

// noItemHash is not an item hash (those are hex or CIDs).
const noItemHash = "-"

// Content formats, pyaleph's contentFormat: full content, a per-type
// summary of it (headers), or none.
const (
	contentFull    = "full"
	contentHeaders = "headers"
	contentNone    = "none"
)

// canonical rewrites pyaleph's field names in q to their aliases, in place,
// and drops what no listing reads.
func canonical(q url.Values) {
	for name, alias := range paramNames {
		if vs, ok := q[name]; ok {
			if _, both := q[alias]; !both {
				q[alias] = vs
			}
			delete(q, name)
		}
	}
	for k := range q {
		if !listParams[k] {
			delete(q, k)
		}
	}
}

// limit is the most entries a page may hold: pagination=0 means all, up
// to maxAll.
func (lq listQuery) limit() int {
	if lq.perPage == 0 {
		return maxAll
	}
	return lq.perPage
}

// offset is how many matches precede the page: none in cursor mode.
func (lq listQuery) offset() int {
	if lq.cursor {
		return 0
	}
	return (lq.page - 1) * lq.perPage
}

// checkStatus refuses a status pyaleph does not have.
func checkStatus(st string) error {
	switch strings.ToLower(st) {
	case index.StatusProcessed, index.StatusRejected, index.StatusForgotten, "pending", "removing", "removed":
		return nil
	}
	return fmt.Errorf("unknown message status %q", st)
}

// splitList reads a comma-separated filter, once each value.
func splitList(v string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// seconds parses pyaleph's float seconds into Unix nanoseconds, exactly.
func seconds(v string) (int64, error) {
	r, ok := new(big.Rat).SetString(v)
	if !ok || r.Sign() < 0 || len(v) > 32 {
		return 0, fmt.Errorf("%q is not a number of seconds", v)
	}
	r.Mul(r, big.NewRat(1_000_000_000, 1))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	if !n.IsInt64() {
		return 0, fmt.Errorf("%q is out of range", v)
	}
	return n.Int64(), nil
}

// parseList reads a listing's filters, sort and paging. pathPage is the page
// from /page/{n}.json, if any. q is left as canonical leaves it.
func parseList(q url.Values, pathPage string) (listQuery, error) {
	lq := listQuery{page: 1, perPage: defaultPerPage, contentFormat: contentFull}
	canonical(q)
	for k, vs := range q {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return lq, fmt.Errorf("filter %q is not valid UTF-8", k)
			}
		}
	}
	f := &lq.filter
	get := q.Get
	if t := get("msgType"); t != "" {
		f.Types = []string{t}
	}
	f.Types = append(f.Types, splitList(get("msgTypes"))...)
	f.Addresses, f.Owners = splitList(get("addresses")), splitList(get("owners"))
	f.Refs, f.ContentHashes = splitList(get("refs")), splitList(get("contentHashes"))
	f.ContentKeys, f.ContentTypes = splitList(get("contentKeys")), splitList(get("contentTypes"))
	f.Chains, f.Channels = splitList(get("chains")), splitList(get("channels"))
	f.Tags, f.Hashes = splitList(get("tags")), splitList(get("hashes"))
	f.Statuses = splitList(get("msgStatuses"))
	for i, t := range f.Types {
		if f.Types[i] = strings.ToUpper(t); !messageTypes[f.Types[i]] {
			return lq, fmt.Errorf("unknown message type %q (POST, AGGREGATE, STORE, FORGET, PROGRAM or INSTANCE)", t)
		}
	}
	for _, l := range []struct {
		name   string
		values []string
	}{{"addresses", f.Addresses}, {"owners", f.Owners}, {"refs", f.Refs}, {"contentHashes", f.ContentHashes},
		{"contentKeys", f.ContentKeys}, {"contentTypes", f.ContentTypes}, {"chains", f.Chains},
		{"channels", f.Channels}, {"tags", f.Tags}, {"hashes", f.Hashes}} {
		if len(l.values) > maxFilterValues {
			return lq, fmt.Errorf("%s lists %d values; at most %d are taken", l.name, len(l.values), maxFilterValues)
		}
	}
	if v := get("cursor"); v != "" {
		cur, err := index.DecodeCursor(v)
		if err != nil {
			return lq, err
		}
		f.After = cur
	}
	for _, st := range f.Statuses {
		if err := checkStatus(st); err != nil {
			return lq, err
		}
	}
	var err error
	if len(get("startDate")) > 64 || len(get("endDate")) > 64 {
		return lq, fmt.Errorf("startDate and endDate are numbers of seconds")
	}
	if v := get("startDate"); v != "" {
		if f.StartTime, err = seconds(v); err != nil {
			return lq, fmt.Errorf("startDate: %w", err)
		}
	}
	if v := get("endDate"); v != "" {
		if f.EndTime, err = seconds(v); err != nil {
			return lq, fmt.Errorf("endDate: %w", err)
		}
	}
	for name, dst := range map[string]*int64{"startBlock": &f.StartBlock, "endBlock": &f.EndBlock} {
		if v := get(name); v != "" {
			if *dst, err = strconv.ParseInt(v, 10, 64); err != nil || *dst < 0 {
				return lq, fmt.Errorf("%s must be a block height", name)
			}
		}
	}
	// As pyaleph's validators; 0 is unset.
	if f.StartTime != 0 && f.EndTime != 0 && f.EndTime < f.StartTime {
		return lq, fmt.Errorf("endDate cannot be lower than startDate")
	}
	if f.StartBlock != 0 && f.EndBlock != 0 && f.EndBlock < f.StartBlock {
		return lq, fmt.Errorf("endBlock cannot be lower than startBlock")
	}
	switch get("excludeContent") {
	case "", "false", "0":
	case "true", "1":
		lq.contentFormat = contentNone
	default:
		return lq, fmt.Errorf("excludeContent must be true or false")
	}
	switch v := get("contentFormat"); v {
	case "":
	case contentFull, contentHeaders, contentNone:
		lq.contentFormat = v
	default:
		return lq, fmt.Errorf("contentFormat must be full, headers or none")
	}
	if v := get("paymentTypes"); v != "" {
		hold := false
		for _, pt := range splitList(v) {
			if !paymentTypes[pt] {
				return lq, fmt.Errorf("unknown payment type %q (hold, superfluid or credit)", pt)
			}
			hold = hold || pt == "hold"
		}
		if !hold {
			// An item hash no message has: every listing and the
			// websocket then match nothing, through the index's own
			// hash filter.
			f.Hashes = []string{noItemHash}
		}
	}
	switch get("sortBy") {
	case "", "time":
	case "tx-time":
		f.BlockOrder = true
	default:
		return lq, fmt.Errorf("sortBy must be time or tx-time")
	}
	switch get("sortOrder") {
	case "", "-1":
	case "1":
		lq.ascending = true
	default:
		return lq, fmt.Errorf("sortOrder must be 1 or -1")
	}
	page := get("page")
	if pathPage != "" {
		page = strings.TrimSuffix(pathPage, ".json")
	}
	if page != "" {
		if lq.page, err = strconv.Atoi(page); err != nil || lq.page < 1 {
			return lq, fmt.Errorf("page must be a number from 1")
		}
	}
	if v := get("pagination"); v != "" {
		// pyaleph bounds pagination below only (ge=0); a public node also
		// bounds one answer, at what pagination=0 (all) gets.
		if lq.perPage, err = strconv.Atoi(v); err != nil || lq.perPage < 0 || lq.perPage > maxAll {
			return lq, fmt.Errorf("pagination must be a number from 0 to %d", maxAll)
		}
	}
	if _, lq.cursor = q["cursor"]; lq.cursor {
		// pyaleph's validate_cursor_pagination: no "all" in cursor mode,
		// and pages of at most CURSOR_MAX_PAGINATION (200), silently.
		if lq.perPage == 0 {
			return lq, fmt.Errorf("pagination=0 is not allowed with cursor-based pagination")
		}
		lq.perPage = min(lq.perPage, maxPerPage)
	}
	return lq, nil
}
