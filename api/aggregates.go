package api

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/index"
)

// aggregateParams are pyaleph's AggregatesQueryParams of an address's
// aggregates. limit is read, as pyaleph reads it, and not applied, as
// pyaleph does not apply it.
type aggregateParams struct {
	keys                []string
	withInfo, valueOnly bool
}

func parseAggregateParams(c *gin.Context) (aggregateParams, bool) {
	var p aggregateParams
	q := c.Request.URL.Query()
	p.keys = splitList(q.Get("keys"))
	var err error
	if v := q.Get("limit"); v != "" {
		if _, err = strconv.Atoi(v); err != nil {
			fail(c, http.StatusUnprocessableEntity, "limit must be an integer")
			return p, false
		}
	}
	if p.withInfo, err = pyBool(q, "with_info"); err == nil {
		p.valueOnly, err = pyBool(q, "value_only")
	}
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return p, false
	}
	return p, true
}

// addressAggregates is GET /api/v0/aggregates/{address}.json, from state.
func (s *Server) addressAggregates(c *gin.Context) {
	address := strings.TrimSuffix(c.Param("address"), ".json")
	p, ok := parseAggregateParams(c)
	if !ok {
		return
	}
	all, ok := s.stateAggregates(c, address)
	if ok {
		s.answerAggregates(c, address, p, all)
	}
}

// stateAggregates reads every aggregate of address from state.
func (s *Server) stateAggregates(c *gin.Context, address string) (map[string]json.RawMessage, bool) {
	raw, err := s.node.Query(c.Request.Context(), app.PathAggregates, []byte(address))
	all := map[string]json.RawMessage{}
	if err == nil && len(raw) > 0 {
		err = json.Unmarshal(raw, &all)
	}
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "state query failed: "+err.Error())
		return nil, false
	}
	return all, true
}

// answerAggregates answers pyaleph's address_aggregate from all, the
// address's aggregates: {address, data, info}, data restricted to keys;
// with_info fills info from each aggregate's first and last elements;
// value_only with one key answers that key's value alone.
func (s *Server) answerAggregates(c *gin.Context, address string, p aggregateParams, all map[string]json.RawMessage) {
	data := all
	if len(p.keys) > 0 {
		data = map[string]json.RawMessage{}
		for _, k := range p.keys {
			if v, ok := all[k]; ok {
				data[k] = v
			}
		}
	}
	if len(data) == 0 {
		fail(c, http.StatusNotFound, "No aggregate found for this address")
		return
	}
	if p.valueOnly && len(p.keys) == 1 {
		c.JSON(http.StatusOK, data[p.keys[0]])
		return
	}
	info := gin.H{}
	if p.withInfo {
		for _, k := range keyNames(data) {
			args, _ := json.Marshal(app.AggregateArgs{Address: address, Key: k})
			raw, err := s.node.Query(c.Request.Context(), app.PathAggregate, args)
			if err != nil {
				fail(c, http.StatusServiceUnavailable, "state query failed: "+err.Error())
				return
			}
			if len(raw) == 0 {
				continue // the corechannel registry has no elements
			}
			rec, err := app.DecodeAggregateRecord(raw)
			if err != nil {
				fail(c, http.StatusServiceUnavailable, "bad aggregate record: "+err.Error())
				return
			}
			info[k] = gin.H{"created": pyISOTime(rec.FirstTimeUnixNano), "last_updated": pyISOTime(rec.LastTimeUnixNano),
				"original_item_hash": rec.FirstItemHash, "last_update_item_hash": rec.LastItemHash}
		}
	}
	c.JSON(http.StatusOK, gin.H{"address": address, "data": data, "info": info})
}

func keyNames(m map[string]json.RawMessage) []string { return slices.Sorted(maps.Keys(m)) }

// maxAggregatesPage is pyaleph's bound on an aggregates page (le=500).
const maxAggregatesPage = 500

// listAggregates is GET /api/v0/aggregates and /api/v0/aggregates.json,
// pyaleph's view_aggregates_list: aggregates across addresses by last
// change (or creation), filtered by keys and addresses, in pages or by
// cursor. Order and counts come from the index, content from state.
func (s *Server) listAggregates(c *gin.Context) {
	q := c.Request.URL.Query()
	aq := index.AggregateQuery{Keys: listValues(q, "keys"), Owners: listValues(q, "addresses")}
	perPage, page := defaultPerPage, 1
	var err error
	switch q.Get("sortBy") {
	case "", "last_modified":
	case "creation_time":
		aq.ByCreated = true
	default:
		err = errString("sortBy must be last_modified or creation_time")
	}
	switch q.Get("sortOrder") {
	case "", "-1":
	case "1":
		aq.Ascending = true
	default:
		err = errString("sortOrder must be 1 or -1")
	}
	if v := q.Get("pagination"); v != "" && err == nil {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 1 || perPage > maxAggregatesPage {
			err = errString("pagination must be a number from 1 to 500")
		}
	}
	if v := q.Get("page"); v != "" && err == nil {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			err = errString("page must be a number from 1")
		}
	}
	if err == nil && (len(aq.Keys) > maxFilterValues || len(aq.Owners) > maxFilterValues) {
		err = errString("keys and addresses take at most 100 values each")
	}
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	_, cursorMode := q["cursor"]
	if cursorMode {
		perPage = min(perPage, maxPerPage) // pyaleph's CURSOR_MAX_PAGINATION
		aq.After = q.Get("cursor")
	} else {
		aq.Offset, aq.Total = (page-1)*perPage, true
	}
	aq.Limit = perPage
	res, err := s.idx.Aggregates(aq)
	if err != nil {
		if aq.After != "" && strings.Contains(err.Error(), "cursor") {
			fail(c, http.StatusUnprocessableEntity, err.Error())
			return
		}
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	items := make([]gin.H, 0, len(res.Aggregates))
	for _, a := range res.Aggregates {
		args, _ := json.Marshal(app.AggregateArgs{Address: a.Owner, Key: a.Key})
		raw, err := s.node.Query(c.Request.Context(), app.PathAggregate, args)
		if err != nil {
			fail(c, http.StatusServiceUnavailable, "state query failed: "+err.Error())
			return
		}
		var content json.RawMessage // null if state dropped it since the index read
		if len(raw) > 0 {
			rec, err := app.DecodeAggregateRecord(raw)
			if err != nil {
				fail(c, http.StatusServiceUnavailable, "bad aggregate record: "+err.Error())
				return
			}
			content = rec.Content
		}
		items = append(items, gin.H{"address": a.Owner, "key": a.Key, "content": content,
			"created": pyISOTime(a.Created), "last_updated": pyISOTime(a.Updated)})
	}
	if cursorMode {
		var next any
		if res.Next != "" {
			next = res.Next
		}
		c.JSON(http.StatusOK, gin.H{"aggregates": items, "pagination_per_page": perPage, "next_cursor": next})
		return
	}
	c.JSON(http.StatusOK, gin.H{"aggregates": items, "pagination_per_page": perPage, "pagination_page": page,
		"pagination_total": res.Total, "pagination_item": "aggregates"})
}
