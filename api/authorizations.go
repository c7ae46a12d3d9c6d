package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/x/message"
)

// authQuery is pyaleph's AuthorizationsQueryParams: list filters, and
// pagination over addresses (1-500, default 20).
type authQuery struct {
	channels, types, postTypes, chains, aggregateKeys []string
	page, perPage                                     int
}

func parseAuthQuery(c *gin.Context) (authQuery, error) {
	q := c.Request.URL.Query()
	first := func(names ...string) []string {
		for _, n := range names {
			if v := q.Get(n); v != "" {
				return splitList(v)
			}
		}
		return nil
	}
	aq := authQuery{channels: first("channels"), types: first("types"), postTypes: first("postTypes", "post_types"),
		chains: first("chains"), aggregateKeys: first("aggregateKeys", "aggregate_keys"), page: 1, perPage: 20}
	for _, p := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"page", &aq.page, 1, 1 << 30}, {"pagination", &aq.perPage, 1, 500}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.min || n > p.max {
				return aq, fmt.Errorf("%s must be a number from %d to %d", p.name, p.min, p.max)
			}
			*p.dst = n
		}
	}
	return aq, nil
}

// matches is pyaleph's filter_authorizations: a field an entry does not
// set leaves it unrestricted in that dimension.
func (aq authQuery) matches(e map[string]any) bool {
	list := func(k string) []string {
		var out []string
		if vs, ok := e[k].([]any); ok {
			for _, v := range vs {
				if s, ok := v.(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	overlap := func(want []string, k string) bool {
		have := list(k)
		return len(want) == 0 || len(have) == 0 || slices.ContainsFunc(have, func(h string) bool { return slices.Contains(want, h) })
	}
	chain, _ := e["chain"].(string)
	return overlap(aq.channels, "channels") && overlap(aq.types, "types") && overlap(aq.postTypes, "post_types") &&
		overlap(aq.aggregateKeys, "aggregate_keys") && (len(aq.chains) == 0 || chain == "" || slices.Contains(aq.chains, chain))
}

// securityOf reads owner's security aggregate's authorizations.
func (s *Server) securityOf(c *gin.Context, owner string) ([]map[string]any, bool) {
	raw, err := s.node.Query(c.Request.Context(), app.PathAggregates, []byte(owner))
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "state query failed: "+err.Error())
		return nil, false
	}
	var aggs map[string]json.RawMessage
	var sec struct {
		Authorizations []map[string]any `json:"authorizations"`
	}
	if len(raw) > 0 && json.Unmarshal(raw, &aggs) == nil && aggs[message.SecurityKey] != nil {
		_ = json.Unmarshal(aggs[message.SecurityKey], &sec) // a malformed aggregate grants nothing
	}
	return sec.Authorizations, true
}

// answerAuthorizations filters and pages grouped (address -> entries,
// addresses in order) as pyaleph's paginate_authorizations.
func answerAuthorizations(c *gin.Context, aq authQuery, address string, order []string, grouped map[string][]map[string]any) {
	var keep []string
	for _, a := range order {
		var es []map[string]any
		for _, e := range grouped[a] {
			if aq.matches(e) {
				es = append(es, e)
			}
		}
		if len(es) > 0 {
			grouped[a] = es
			keep = append(keep, a)
		}
	}
	out := map[string][]map[string]any{}
	start := min((aq.page-1)*aq.perPage, len(keep))
	for _, a := range keep[start:min(start+aq.perPage, len(keep))] {
		out[a] = grouped[a]
	}
	c.JSON(http.StatusOK, gin.H{"authorizations": out, "pagination_page": aq.page, "pagination_per_page": aq.perPage,
		"pagination_total": len(keep), "pagination_item": "authorizations", "address": address})
}

// grantedAuthorizations is GET /api/v0/authorizations/granted/{address}.json:
// the address's security aggregate, grouped by grantee (grantee= keeps one).
func (s *Server) grantedAuthorizations(c *gin.Context) {
	address := strings.TrimSuffix(c.Param("address"), ".json")
	aq, err := parseAuthQuery(c)
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	auths, ok := s.securityOf(c, address)
	if !ok {
		return
	}
	grouped, order := map[string][]map[string]any{}, []string{}
	grantee := c.Query("grantee")
	for _, a := range auths {
		to, _ := a["address"].(string)
		if to == "" || (grantee != "" && to != grantee) {
			continue
		}
		e := map[string]any{}
		for k, v := range a {
			if k != "address" {
				e[k] = v
			}
		}
		if grouped[to] == nil {
			order = append(order, to)
		}
		grouped[to] = append(grouped[to], e)
	}
	answerAuthorizations(c, aq, address, order, grouped)
}

// receivedAuthorizations is GET /api/v0/authorizations/received/{address}.json:
// the security aggregates that name the address, grouped by granter in
// address order (granter= keeps one). The index lists security aggregates
// by key; each is read from state, so this reads every security aggregate,
// up to maxAll of them.
func (s *Server) receivedAuthorizations(c *gin.Context) {
	address := strings.TrimSuffix(c.Param("address"), ".json")
	aq, err := parseAuthQuery(c)
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	page, err := s.idx.Aggregates(index.AggregateQuery{Keys: []string{message.SecurityKey}, Limit: maxAll})
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	grouped, order := map[string][]map[string]any{}, []string{}
	granter := c.Query("granter")
	for _, ag := range page.Aggregates {
		if granter != "" && ag.Owner != granter {
			continue
		}
		auths, ok := s.securityOf(c, ag.Owner)
		if !ok {
			return
		}
		for _, a := range auths {
			if to, _ := a["address"].(string); to != address {
				continue
			}
			e := map[string]any{}
			for k, v := range a {
				if k != "address" {
					e[k] = v
				}
			}
			if grouped[ag.Owner] == nil {
				order = append(order, ag.Owner)
			}
			grouped[ag.Owner] = append(grouped[ag.Owner], e)
		}
	}
	slices.Sort(order)
	answerAuthorizations(c, aq, address, order, grouped)
}
