package api

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/index"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// What a message costs under alephd's payment providers, in pyaleph's
// EstimatedCostsResponse. alephd's quotas are hold quotas: X whole ALEPH
// held (personal storage, or a channel's endorsements) buy X×messages_per_token
// messages and X×bytes_per_token bytes of files at once. A message takes one
// message of quota, a STORE one message and its file's bytes; the ALEPH that
// must be held for it is the larger of the two shares, which is
// required_tokens (payment_type "hold"). The detail has a MESSAGE row and,
// for a STORE, a STORAGE row with each share. A message on a core channel
// (or a FORGET) is free: 0. alephd adds provider, payer, messages and bytes.

// priceParams reads the payment params from state.
func (s *Server) priceParams(c *gin.Context) (payment.Params, bool) {
	var params struct {
		Payment payment.Params `json:"payment"`
	}
	ok := s.queryJSON(c, app.PathParams, nil, &params)
	return params.Payment, ok
}

// share is what n units of quota cost in base units of ALEPH, at per units
// a whole token, rounded down as pyaleph's format_cost.
func share(n, per uint64) *big.Int {
	if per == 0 {
		return new(big.Int)
	}
	v := new(big.Int).SetUint64(n)
	v.Mul(v, balance.Unit())
	return v.Quo(v, new(big.Int).SetUint64(per))
}

// costString is pyaleph's format_cost_str: 18 decimals, always.
func costString(units *big.Int) string {
	q, r := new(big.Int).QuoRem(units, balance.Unit(), new(big.Int))
	return fmt.Sprintf("%s.%018s", q, r)
}

// sizeMiB is a size in MiB, as pyaleph's size_mib float, to 6 decimals.
func sizeMiB(bytes uint64) json.Number {
	r := new(big.Rat).SetFrac(new(big.Int).SetUint64(bytes), big.NewInt(1<<20))
	v := strings.TrimRight(strings.TrimRight(r.FloatString(6), "0"), ".")
	return json.Number(v)
}

const zeroCost = "0.000000000000000000"

// costDetail is one of pyaleph's EstimatedCostDetailResponse rows.
func costDetail(kind string, units *big.Int, sizeMiB any) gin.H {
	return gin.H{"type": kind, "name": kind, "cost_hold": costString(units), "cost_stream": zeroCost,
		"cost_credit": zeroCost, "size_mib": sizeMiB}
}

// priced renders a charge of messages and bytes, free when provider is core.
func priced(p payment.Params, provider, payer string, messages, bytes uint64, isStore bool) gin.H {
	msgCost, byteCost := share(messages, p.MessagesPerToken), share(bytes, p.BytesPerToken)
	if provider == payment.ProviderCore {
		msgCost, byteCost = new(big.Int), new(big.Int)
	}
	total := msgCost
	if byteCost.Cmp(total) > 0 {
		total = byteCost
	}
	detail := []gin.H{costDetail("MESSAGE", msgCost, nil)}
	if isStore {
		detail = append(detail, costDetail("STORAGE", byteCost, sizeMiB(bytes)))
	}
	return gin.H{
		"required_tokens": json.Number(balance.Format(total)), "payment_type": "hold", "cost": costString(total),
		"detail": detail, "charged_address": payer,
		"provider": provider, "payer": payer, "messages": messages, "bytes": bytes,
	}
}

// messagePrice is GET /api/v0/price/{item_hash}: what the message was
// charged. pyaleph prices only STORE, PROGRAM and INSTANCE (400 for other
// types); alephd charges every message, so it prices every one. As
// pyaleph: 404 unknown or rejected, 410 forgotten or removed (their charge
// is released). A message still pending is a 404 too: pyaleph's 102 is not
// a final HTTP status.
func (s *Server) messagePrice(c *gin.Context) {
	hash := c.Param("hash")
	if len(hash) > 128 {
		fail(c, http.StatusBadRequest, "not an item hash")
		return
	}
	e, err := s.idx.Get(hash)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	switch {
	case e == nil:
		fail(c, http.StatusNotFound, "Message not found with hash: "+hash)
		return
	case e.Status == index.StatusRejected:
		fail(c, http.StatusNotFound, "This message was rejected: "+hash)
		return
	case e.Status == index.StatusForgotten || e.Status == index.StatusRemoved:
		fail(c, http.StatusGone, "This message has been "+e.Status+": "+hash)
		return
	case e.Status == index.StatusPending:
		fail(c, http.StatusNotFound, "Message still pending: "+hash+" (it is charged once validators attest its file)")
		return
	}
	ch, ok := s.chargeOf(c, hash)
	if !ok {
		return
	}
	if ch == nil {
		fail(c, http.StatusNotFound, "message "+hash+" has no charge on record")
		return
	}
	p, ok := s.priceParams(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, priced(p, ch.Provider, ch.Payer, ch.Messages, ch.Bytes, e.Type == message.TypeStore))
}

// estimateBody is pyaleph's PubMessageRequest; the SDKs send the message's
// item_type, item_hash, item_content and type (getEstimatedCostRequestSchema).
type estimateBody struct {
	Message *struct {
		Type        string `json:"type"`
		ItemType    string `json:"item_type"`
		ItemHash    string `json:"item_hash"`
		ItemContent string `json:"item_content"`
	} `json:"message"`
}

// messagePriceEstimate is POST /api/v0/price/estimate: what the message
// would cost the owner's personal storage (the body names no channel, so
// neither a core channel nor a channel's endorsements can be told). A
// STORE's size is its content's estimated_size_mib (whole MiB, as the SDKs
// send it), else the size of the file if this node holds it, else 0.
func (s *Server) messagePriceEstimate(c *gin.Context) {
	var body estimateBody
	if err := c.ShouldBindJSON(&body); err != nil || body.Message == nil {
		if tooLarge(c, err) {
			return
		}
		fail(c, http.StatusUnprocessableEntity, "the body must be {\"message\": {\"type\", \"item_type\", \"item_hash\", \"item_content\"}}")
		return
	}
	m := body.Message
	typ := strings.ToUpper(m.Type)
	if !messageTypes[typ] {
		fail(c, http.StatusUnprocessableEntity, fmt.Sprintf("unknown message type %q", m.Type))
		return
	}
	if m.ItemContent == "" {
		fail(c, http.StatusUnprocessableEntity, "item_content is needed: alephd estimates inline messages")
		return
	}
	var cont struct {
		Address          string      `json:"address"`
		ItemHash         string      `json:"item_hash"`
		EstimatedSizeMiB json.Number `json:"estimated_size_mib"`
	}
	if err := json.Unmarshal([]byte(m.ItemContent), &cont); err != nil || cont.Address == "" {
		fail(c, http.StatusUnprocessableEntity, "item_content must be a JSON object with an address")
		return
	}
	var bytes uint64
	if typ == message.TypeStore {
		switch mib, err := cont.EstimatedSizeMiB.Int64(); {
		case cont.EstimatedSizeMiB != "" && (err != nil || mib < 0 || mib > 1<<40):
			fail(c, http.StatusUnprocessableEntity, "estimated_size_mib must be a whole number of MiB")
			return
		case cont.EstimatedSizeMiB != "":
			bytes = uint64(mib) << 20
		default:
			if content.ValidHash(cont.ItemHash) {
				if n, err := s.files.Size(cont.ItemHash); err == nil && n > 0 {
					bytes = uint64(n)
				}
			}
		}
	}
	p, ok := s.priceParams(c)
	if !ok {
		return
	}
	out := priced(p, payment.ProviderPersonal, balance.Canonical(cont.Address), 1, bytes, typ == message.TypeStore)
	out["charged_address"] = cont.Address
	c.JSON(http.StatusOK, out)
}

// getCosts is GET /api/v0/costs, pyaleph's cost summary
// (GetCostsQueryParams, GetCostsResponse). alephd has no credits and no
// streams: payment_type credit (pyaleph's default) and superfluid sum to
// 0. For hold, alephd sums per payer: address gives its personal
// storage (total_cost_hold is what its live and removing usage holds,
// resource_count the messages charged to it), item_hash one message's
// charge; hold with neither is a 422, as the whole network's sum is not
// kept. include_details 1 lists the address's live messages (as owner)
// with each one's charge, 2 with its detail rows; pagination is 10-1000.
func (s *Server) getCosts(c *gin.Context) {
	q := c.Request.URL.Query()
	address, itemHash := q.Get("address"), q.Get("item_hash")
	payType := q.Get("payment_type")
	if payType == "" {
		payType = "credit"
	}
	details, perPage, page := 0, 100, 1
	var err error
	for _, p := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"include_details", &details, 0, 2}, {"pagination", &perPage, 10, 1000}, {"page", &page, 1, 1 << 30}} {
		if v := q.Get(p.name); v != "" {
			if *p.dst, err = strconv.Atoi(v); err != nil || *p.dst < p.min || *p.dst > p.max {
				fail(c, http.StatusUnprocessableEntity, fmt.Sprintf("%s must be a number from %d to %d", p.name, p.min, p.max))
				return
			}
		}
	}
	if _, err := boolParam(q.Get("include_size")); err != nil {
		fail(c, http.StatusUnprocessableEntity, "include_size: "+err.Error())
		return
	}
	switch {
	case !paymentTypes[payType]:
		fail(c, http.StatusUnprocessableEntity, fmt.Sprintf("unknown payment_type %q (hold, superfluid or credit)", payType))
		return
	case details >= 2 && address == "" && itemHash == "":
		fail(c, http.StatusUnprocessableEntity, "include_details=2 requires at least one of 'address' or 'item_hash' filters to avoid fetching breakdowns for all resources")
		return
	case len(itemHash) > 128 || len(address) > 128:
		fail(c, http.StatusUnprocessableEntity, "item_hash and address are at most 128 characters")
		return
	case payType == "hold" && address == "" && itemHash == "":
		fail(c, http.StatusUnprocessableEntity, "alephd sums hold costs per payer: name an address or an item_hash")
		return
	}
	filters := gin.H{"address": nilIfEmpty(address), "item_hash": nilIfEmpty(itemHash), "payment_type": payType}
	summary := gin.H{"total_consumed_credits": 0, "total_cost_hold": zeroCost, "total_cost_stream": zeroCost,
		"total_cost_credit": zeroCost, "resource_count": 0}
	out := gin.H{"summary": summary, "filters": filters}
	var resources []gin.H
	var total int64
	if payType == "hold" {
		p, ok := s.priceParams(c)
		if !ok {
			return
		}
		if resources, total, ok = s.holdCosts(c, p, address, itemHash, details, page, perPage, summary); !ok {
			return
		}
	}
	if details >= 1 {
		if resources == nil {
			resources = []gin.H{}
		}
		out["resources"] = resources
		out["pagination_page"], out["pagination_total"], out["pagination_per_page"] = page, total, perPage
		out["pagination_item"] = "resources"
	}
	c.JSON(http.StatusOK, out)
}

func nilIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// holdCosts fills summary for hold costs and, with details, returns the
// page of resources and their total.
func (s *Server) holdCosts(c *gin.Context, p payment.Params, address, itemHash string, details, page, perPage int, summary gin.H) ([]gin.H, int64, bool) {
	var entries []*index.Entry
	var total int64
	if itemHash != "" {
		e, err := s.idx.Get(itemHash)
		if err != nil {
			fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
			return nil, 0, false
		}
		if e != nil && (e.Status == index.StatusProcessed || e.Status == index.StatusRemoving) &&
			(address == "" || strings.EqualFold(e.Owner, address)) {
			entries, total = []*index.Entry{e}, 1
		}
		var units *big.Int
		for _, e := range entries {
			ch, ok := s.chargeOf(c, e.ItemHash)
			if !ok {
				return nil, 0, false
			}
			if ch != nil && ch.Provider != payment.ProviderCore {
				units = heldFor(p, ch.Messages, ch.Bytes)
			}
		}
		if units != nil {
			summary["total_cost_hold"], summary["resource_count"] = costString(units), 1
		}
	} else {
		var v payment.AccountView
		if !s.queryJSON(c, app.PathAccount, []byte(address), &v) {
			return nil, 0, false
		}
		u := v.PersonalStorage
		msgs, bytes := u.Used.Messages+u.Removing.Messages, u.Used.Bytes+u.Removing.Bytes
		summary["total_cost_hold"], summary["resource_count"] = costString(heldFor(p, msgs, bytes)), msgs
		if details >= 1 {
			f := index.Filter{Owners: []string{address}, Statuses: []string{index.StatusProcessed, index.StatusRemoving}}
			pg, err := s.idx.Messages(f, false, (page-1)*perPage, perPage, true)
			if err != nil {
				fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
				return nil, 0, false
			}
			entries, total = pg.Entries, pg.Total
		}
	}
	if details < 1 {
		return nil, total, true
	}
	out := make([]gin.H, 0, len(entries))
	for _, e := range entries {
		ch, ok := s.chargeOf(c, e.ItemHash)
		if !ok {
			return nil, 0, false
		}
		if ch == nil {
			ch = &pb.Charge{}
		}
		pr := priced(p, ch.Provider, ch.Payer, ch.Messages, ch.Bytes, e.Type == message.TypeStore)
		r := gin.H{"item_hash": e.ItemHash, "owner": e.Owner, "payment_type": "hold", "consumed_credits": 0,
			"cost_hold": pr["cost"], "cost_stream": zeroCost, "cost_credit": zeroCost, "detail": nil}
		if details >= 2 {
			r["detail"] = pr["detail"]
		}
		out = append(out, r)
	}
	return out, total, true
}

// heldFor is the ALEPH, in base units, that messages and bytes of quota hold.
func heldFor(p payment.Params, messages, bytes uint64) *big.Int {
	a, b := share(messages, p.MessagesPerToken), share(bytes, p.BytesPerToken)
	if b.Cmp(a) > 0 {
		return b
	}
	return a
}

// chargeOf reads a message's charge from state; nil if it has none.
func (s *Server) chargeOf(c *gin.Context, hash string) (*pb.Charge, bool) {
	raw, err := s.node.Query(c.Request.Context(), app.PathMessage, []byte(hash))
	var rec *pb.MessageRecord
	if err == nil {
		rec, err = app.DecodeMessageRecord(raw)
	}
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "state query failed: "+err.Error())
		return nil, false
	}
	return rec.GetCharge(), true
}
