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
	"github.com/alephd/alephd/x/message"
)

// getAggregates is GET /api/v0/aggregates/{address}.json?keys=a,b&limit=n.
func (s *Server) getAggregates(c *gin.Context) {
	address := strings.TrimSuffix(c.Param("address"), ".json")
	limit := 1000
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fail(c, http.StatusUnprocessableEntity, "limit must be a positive number")
			return
		}
		limit = n
	}
	raw, err := s.node.Query(c.Request.Context(), app.PathAggregates, []byte(address))
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "state query failed: "+err.Error())
		return
	}
	all := map[string]json.RawMessage{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &all); err != nil {
			fail(c, http.StatusServiceUnavailable, "state query failed: "+err.Error())
			return
		}
	}
	data := map[string]json.RawMessage{}
	if keys := splitList(c.Query("keys")); len(keys) > 0 {
		for _, k := range keys {
			if v, ok := all[k]; ok {
				data[k] = v
			}
		}
	} else {
		for k, v := range all {
			data[k] = v
		}
	}
	if len(data) == 0 {
		fail(c, http.StatusNotFound, "no aggregate found for "+address)
		return
	}
	if len(data) > limit {
		names := sortedNames(data)
		for _, k := range names[limit:] {
			delete(data, k)
		}
	}
	c.JSON(http.StatusOK, gin.H{"address": address, "data": data, "info": gin.H{}})
}

func sortedNames(m map[string]json.RawMessage) []string { return slices.Sorted(maps.Keys(m)) }

// post is a post with its latest amend applied, read from committed state.
type post struct {
	orig    *index.Entry
	amend   *index.Entry // nil without amend
	content json.RawMessage
}

func (s *Server) posts(c *gin.Context) ([]post, listQuery, index.Page, bool) {
	q := c.Request.URL.Query()
	lq, err := parseList(q, c.Param("page"))
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return nil, lq, index.Page{}, false
	}
	lq.filter.ContentTypes = append(lq.filter.ContentTypes, splitList(q.Get("types"))...)
	// posts.json's "addresses" is content.address, the owner.
	lq.filter.Owners, lq.filter.Addresses = append(lq.filter.Owners, lq.filter.Addresses...), nil
	lq.filter.Types = []string{message.TypePost}
	lq.filter.NotContentTypes = []string{message.AmendType}
	page, err := s.idx.Messages(lq.filter, lq.ascending, (lq.page-1)*lq.perPage, lq.limit(), true)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return nil, lq, index.Page{}, false
	}
	out := make([]post, 0, len(page.Entries))
	for _, e := range page.Entries {
		p := post{orig: e, content: contentOf(e)["content"]}
		raw, err := s.node.Query(c.Request.Context(), app.PathPost, []byte(e.ItemHash))
		if err != nil {
			fail(c, http.StatusServiceUnavailable, "state query failed: "+err.Error())
			return nil, lq, index.Page{}, false
		}
		var view app.PostView
		if len(raw) > 0 && json.Unmarshal(raw, &view) == nil && view.LatestAmend != "" {
			if a, _ := s.idx.Get(view.LatestAmend); a != nil {
				p.amend = a
				p.content = view.Content
			}
		}
		out = append(out, p)
	}
	return out, lq, page, true
}

// listPostsV0 is GET /api/v0/posts.json: each post is the latest version's
// message with the original's identity alongside.
func (s *Server) listPostsV0(c *gin.Context) {
	ps, lq, page, ok := s.posts(c)
	if !ok {
		return
	}
	items := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		latest := p.orig
		if p.amend != nil {
			latest = p.amend
		}
		v := messageView(latest)
		oc := contentOf(p.orig)
		var postType, ref string
		_ = json.Unmarshal(oc["type"], &postType)
		_ = json.Unmarshal(oc["ref"], &ref)
		v["content"] = p.content
		v["type"] = postType
		v["original_item_hash"] = p.orig.ItemHash
		v["original_signature"] = jsonField(p.orig.Message, "signature")
		v["original_type"] = postType
		v["hash"] = latest.ItemHash
		v["address"] = p.orig.Owner
		v["ref"] = ref
		items = append(items, v)
	}
	c.JSON(http.StatusOK, gin.H{"posts": items, "pagination_page": lq.page, "pagination_total": page.Total,
		"pagination_per_page": lq.perPage, "pagination_item": "posts", "next_cursor": nextCursor(page)})
}

// listPostsV1 is GET /api/v1/posts.json, pyaleph's newer post shape.
func (s *Server) listPostsV1(c *gin.Context) {
	ps, lq, page, ok := s.posts(c)
	if !ok {
		return
	}
	items := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		oc := contentOf(p.orig)
		var postType, ref string
		_ = json.Unmarshal(oc["type"], &postType)
		_ = json.Unmarshal(oc["ref"], &ref)
		latest := p.orig
		if p.amend != nil {
			latest = p.amend
		}
		items = append(items, map[string]any{
			"item_hash": latest.ItemHash, "content": p.content, "original_item_hash": p.orig.ItemHash,
			"original_type": postType, "address": p.orig.Owner, "ref": ref, "channel": p.orig.Channel,
			"created": index.Seconds(p.orig.TimeNano), "last_updated": index.Seconds(latest.TimeNano),
			"type": postType, "chain": p.orig.Chain, "sender": latest.Sender,
		})
	}
	c.JSON(http.StatusOK, gin.H{"posts": items, "pagination_page": lq.page, "pagination_total": page.Total,
		"pagination_per_page": lq.perPage, "pagination_item": "posts", "next_cursor": nextCursor(page)})
}

func jsonField(obj json.RawMessage, name string) json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(obj, &m)
	return m[name]
}
