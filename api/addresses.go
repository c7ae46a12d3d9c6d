package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/index"
)

// maxStatsAddresses bounds the addresses one stats request names.
const maxStatsAddresses = 1000

// statsData is the "data" object of address stats: address -> counts, in
// the listing's order (a Go map would sort the addresses).
type statsData struct {
	order []string
	stats map[string]map[string]int64
}

func (d statsData) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, a := range d.order {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(a)
		v, err := json.Marshal(d.stats[a])
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// namedStats reads the stats of the named addresses; as pyaleph, one with
// no live message is left out.
func (s *Server) namedStats(addrs []string) (statsData, error) {
	st, err := s.idx.AddressStats(addrs)
	d := statsData{stats: st}
	for _, a := range addrs {
		if st[a]["messages"] > 0 {
			d.order = append(d.order, a)
		}
	}
	return d, err
}

// addressStatsV0 is GET /api/v0/addresses/stats.json: live messages per
// address, in total ("messages") and by type. The addresses come as
// pyaleph reads them (addresses[]=, axios' array form) or repeated or
// comma-separated as addresses=. With none, pyaleph answers every address
// at once; alephd answers them by page, most active first, as v1 ranks
// them: pagination (default 1,000, at most 10,000) and page.
func (s *Server) addressStatsV0(c *gin.Context) {
	q := c.Request.URL.Query()
	addrs := listValues(q, "addresses")
	rq := index.RankQuery{Limit: maxStatsAddresses}
	var err error
	if v := q.Get("pagination"); v != "" && len(addrs) == 0 {
		if rq.Limit, err = strconv.Atoi(v); err != nil || rq.Limit < 1 || rq.Limit > maxAll {
			err = errString("pagination must be a number from 1 to 10000")
		}
	}
	if v := q.Get("page"); v != "" && len(addrs) == 0 && err == nil {
		page, perr := strconv.Atoi(v)
		if perr != nil || page < 1 {
			err = errString("page must be a number from 1")
		}
		rq.Offset = (page - 1) * rq.Limit
	}
	if err == nil && len(addrs) > maxStatsAddresses {
		err = errString("name at most 1,000 addresses")
	}
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	var d statsData
	if len(addrs) == 0 {
		d, _, err = s.rankedStats(rq)
	} else {
		d, err = s.namedStats(addrs)
	}
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": d})
}

func (s *Server) rankedStats(q index.RankQuery) (statsData, index.RankPage, error) {
	page, err := s.idx.Ranked(q)
	if err != nil {
		return statsData{}, page, err
	}
	d, err := s.namedStats(page.Addresses)
	return d, page, err
}

// statsSorts are pyaleph's SortByMessageType values.
var statsSorts = map[string]string{"": "", "total": "", "post": "POST", "aggregate": "AGGREGATE", "store": "STORE",
	"forget": "FORGET", "program": "PROGRAM", "instance": "INSTANCE"}

// addressStatsV1 is GET /api/v1/addresses/stats.json, pyaleph's
// AddressesQueryParams: every address with live messages, ranked by a
// count (sortBy, default total), filtered by addressContains, in pages or
// by cursor. alephd also takes addresses (as v0) to rank only those.
func (s *Server) addressStatsV1(c *gin.Context) {
	q := c.Request.URL.Query()
	rq := index.RankQuery{Contains: q.Get("addressContains")}
	perPage, page := defaultPerPage, 1
	sortBy, ok := statsSorts[q.Get("sortBy")]
	var err error
	switch {
	case !ok:
		err = errString("sortBy must be post, aggregate, store, forget, program, instance or total")
	case len(rq.Contains) > 66:
		err = errString("addressContains is at most 66 characters")
	}
	rq.SortBy = sortBy
	switch q.Get("sortOrder") {
	case "", "-1":
	case "1":
		rq.Ascending = true
	default:
		err = errString("sortOrder must be 1 or -1")
	}
	if v := q.Get("pagination"); v != "" && err == nil {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 0 || perPage > maxAll {
			err = errString("pagination must be a number from 0 to 10000")
		}
	}
	if v := q.Get("page"); v != "" && err == nil {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			err = errString("page must be a number from 1")
		}
	}
	_, cursorMode := q["cursor"]
	if err == nil && cursorMode && perPage == 0 {
		err = errString("pagination=0 is not allowed with cursor-based pagination")
	}
	addrs := listValues(q, "addresses")
	if err == nil && len(addrs) > maxStatsAddresses {
		err = errString("name at most 1,000 addresses")
	}
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	limit := perPage
	if limit == 0 {
		limit = maxAll
	}
	if cursorMode {
		perPage = min(perPage, maxPerPage)
		limit, rq.After = perPage, q.Get("cursor")
	} else {
		rq.Offset, rq.Total = (page-1)*perPage, true
	}
	rq.Limit = limit
	var d statsData
	var res index.RankPage
	if len(addrs) > 0 {
		d, res, err = s.namedRanked(addrs, rq)
	} else {
		d, res, err = s.rankedStats(rq)
	}
	if err != nil {
		if strings.Contains(err.Error(), "cursor") {
			fail(c, http.StatusUnprocessableEntity, err.Error())
			return
		}
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	if cursorMode {
		var next any
		if res.Next != "" {
			next = res.Next
		}
		c.JSON(http.StatusOK, gin.H{"data": d, "pagination_per_page": perPage, "next_cursor": next})
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": d, "pagination_per_page": perPage, "pagination_page": page,
		"pagination_total": res.Total, "pagination_item": "addresses"})
}

// namedRanked ranks the named addresses as Ranked ranks all of them.
func (s *Server) namedRanked(addrs []string, q index.RankQuery) (statsData, index.RankPage, error) {
	d, err := s.namedStats(addrs)
	if err != nil {
		return d, index.RankPage{}, err
	}
	key := "messages"
	if q.SortBy != "" {
		key = strings.ToLower(q.SortBy)
	}
	contains := strings.ToLower(q.Contains)
	d.order = slices.DeleteFunc(d.order, func(a string) bool { return !strings.Contains(strings.ToLower(a), contains) })
	slices.SortStableFunc(d.order, func(a, b string) int {
		na, nb := d.stats[a][key], d.stats[b][key]
		if na == nb {
			return strings.Compare(strings.ToLower(a), strings.ToLower(b))
		}
		if (na < nb) == q.Ascending {
			return -1
		}
		return 1
	})
	res := index.RankPage{Total: int64(len(d.order))}
	d.order = d.order[min(q.Offset, len(d.order)):]
	d.order = d.order[:min(q.Limit, len(d.order))]
	return d, res, nil
}

// pydanticTime renders Unix nanoseconds as pydantic serializes a UTC
// datetime: as pyISOTime, with "Z".
func pydanticTime(ns int64) string { return strings.TrimSuffix(pyISOTime(ns), "+00:00") + "Z" }

// addressFiles is GET /api/v0/addresses/{address}/files, pyaleph's
// get_account_files: the address's files (its live STOREs), newest first
// unless sort_order=1, with their count and total size, 404 when the page
// is empty.
func (s *Server) addressFiles(c *gin.Context) {
	address := c.Param("address")
	q := c.Request.URL.Query()
	perPage, page, ascending := 100, 1, false
	var err error
	if v := q.Get("pagination"); v != "" {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 0 || perPage > maxAll {
			err = errString("pagination must be a number from 0 to 10000")
		}
	}
	if v := q.Get("page"); v != "" && err == nil {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			err = errString("page must be a number from 1")
		}
	}
	switch q.Get("sort_order") {
	case "", "-1":
	case "1":
		ascending = true
	default:
		err = errString("sort_order must be 1 or -1")
	}
	_, cursorMode := q["cursor"]
	var after *index.Cursor
	if err == nil && cursorMode {
		if perPage == 0 {
			err = errString("pagination=0 is not allowed with cursor-based pagination")
		} else if v := q.Get("cursor"); v != "" {
			after, err = index.DecodeCursor(v)
		}
	}
	if err == nil && (len(address) > 128 || len(q.Get("file_hash")) > 128) {
		err = errString("address and file_hash are at most 128 characters")
	}
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	limit, offset := perPage, (page-1)*perPage
	if limit == 0 {
		limit = maxAll
	}
	if cursorMode {
		perPage = min(perPage, maxPerPage)
		limit, offset = perPage, 0
	}
	res, err := s.idx.Files(address, q.Get("file_hash"), ascending, offset, limit, after)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	if len(res.Files) == 0 {
		fail(c, http.StatusNotFound, "no files found for "+address)
		return
	}
	files := make([]gin.H, 0, len(res.Files))
	for _, f := range res.Files {
		files = append(files, gin.H{"file_hash": f.FileHash, "size": f.Size, "type": "file",
			"created": pydanticTime(f.Created), "item_hash": f.ItemHash})
	}
	if cursorMode {
		var next any
		if res.Next != nil {
			next = res.Next.Encode()
		}
		c.JSON(http.StatusOK, gin.H{"address": address, "total_size": res.TotalSize, "files": files,
			"pagination_per_page": perPage, "next_cursor": next})
		return
	}
	c.JSON(http.StatusOK, gin.H{"address": address, "total_size": res.TotalSize, "files": files,
		"pagination_page": page, "pagination_total": res.Count, "pagination_per_page": perPage})
}

// addressPostTypes is GET /api/v0/addresses/{address}/post_types: the post
// types of the address's live POSTs, sorted.
func (s *Server) addressPostTypes(c *gin.Context) {
	address := c.Param("address")
	types, err := s.idx.AddressPostTypes(address)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	c.JSON(http.StatusOK, gin.H{"address": address, "post_types": types})
}

// addressChannels is GET /api/v0/addresses/{address}/channels: the channels
// of the address's live messages, sorted.
func (s *Server) addressChannels(c *gin.Context) {
	address := c.Param("address")
	channels, err := s.idx.AddressChannels(address)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	c.JSON(http.StatusOK, gin.H{"address": address, "channels": channels})
}
