package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/index"
)

// postsQuery is a parsed posts listing: pyaleph's PostQueryParams.
type postsQuery struct {
	filter        index.PostFilter
	ascending     bool
	page, perPage int
	cursor        bool
}

func (pq postsQuery) limit() int {
	if pq.perPage == 0 {
		return maxAll
	}
	return pq.perPage
}

// parsePosts reads a posts listing's parameters. They are messages.json's
// where pyaleph's are the same; "addresses" is the post's owner
// (content.address), "types" its post type, the dates bound its last
// update.
func parsePosts(c *gin.Context) (postsQuery, bool) {
	q := c.Request.URL.Query()
	_, cursor := q["cursor"]
	lq, err := parseList(q, c.Param("page"))
	if err == nil && cursor && lq.perPage == 0 {
		err = errString("pagination=0 is not allowed with cursor-based pagination")
	}
	if err == nil && cursor && lq.filter.BlockOrder {
		err = errString("Cursor pagination is not supported with tx-time sort order.")
	}
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return postsQuery{}, false
	}
	f := lq.filter
	pq := postsQuery{ascending: lq.ascending, page: lq.page, perPage: lq.perPage, cursor: cursor}
	if cursor {
		pq.perPage = min(pq.perPage, maxPerPage) // pyaleph's CURSOR_MAX_PAGINATION
	}
	pq.filter = index.PostFilter{
		Hashes: f.Hashes, Owners: append(f.Addresses, f.Owners...), Refs: f.Refs, Channels: f.Channels, Tags: f.Tags,
		Types: append(f.ContentTypes, splitList(q.Get("types"))...), StartTime: f.StartTime, EndTime: f.EndTime,
		BlockOrder: f.BlockOrder, After: f.After,
	}
	return pq, true
}

// listPosts reads one page of posts and answers it, each post rendered by
// render, with pyaleph's pagination keys.
func (s *Server) listPosts(c *gin.Context, render func(index.Post) gin.H) {
	pq, ok := parsePosts(c)
	if !ok {
		return
	}
	offset := (pq.page - 1) * pq.perPage
	if pq.cursor {
		offset = 0
	}
	page, err := s.idx.Posts(pq.filter, pq.ascending, offset, pq.limit(), !pq.cursor)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	items := make([]gin.H, 0, len(page.Posts))
	for _, p := range page.Posts {
		items = append(items, render(p))
	}
	var next any
	if page.Next != nil {
		next = page.Next.Encode()
	}
	if pq.cursor {
		c.JSON(http.StatusOK, gin.H{"posts": items, "pagination_per_page": pq.perPage, "next_cursor": next,
			"has_more": page.Next != nil})
		return
	}
	c.JSON(http.StatusOK, gin.H{"posts": items, "pagination_page": pq.page, "pagination_total": page.Total,
		"pagination_per_page": pq.perPage, "pagination_item": "posts", "next_cursor": next})
}

// latest is the post's latest version: its latest amend, or the original.
func latest(p index.Post) *index.Entry {
	if p.Latest != nil {
		return p.Latest
	}
	return p.Original
}

// nullable is s, or JSON null when empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// postsV0 is GET /api/v0/posts.json and /posts/page/{n}.json, pyaleph's
// merged_post_v0_to_dict: the latest version's message fields (item_hash,
// signature, item_content, time, and type "amend" once amended), with the
// original's chain, channel and identity; sender and address are the
// owner, hash the original's item_hash.
func (s *Server) postsV0(c *gin.Context) {
	s.listPosts(c, func(p index.Post) gin.H {
		l, o := latest(p), p.Original
		lm := fields(l.Message)
		typ := o.PostType
		if p.Latest != nil {
			typ = l.PostType
		}
		var itemContent string
		_ = json.Unmarshal(lm["item_content"], &itemContent)
		return gin.H{
			"chain": o.Chain, "item_hash": l.ItemHash, "sender": o.Owner, "type": typ, "channel": nullable(o.Channel),
			"confirmed": false, "content": contentOf(l)["content"], "item_content": itemContent,
			"item_type": lm["item_type"], "signature": lm["signature"], "size": len(itemContent),
			"time": index.Seconds(l.TimeNano), "confirmations": []any{}, "original_item_hash": o.ItemHash,
			"original_signature": fields(o.Message)["signature"], "original_type": o.PostType, "hash": o.ItemHash,
			"address": o.Owner, "ref": nullable(o.Ref),
		}
	})
}

// postsV1 is GET /api/v1/posts.json and /posts/page/{n}.json, pyaleph's
// merged_post_to_dict.
func (s *Server) postsV1(c *gin.Context) {
	s.listPosts(c, func(p index.Post) gin.H {
		l, o := latest(p), p.Original
		return gin.H{
			"item_hash": l.ItemHash, "content": contentOf(l)["content"], "original_item_hash": o.ItemHash,
			"original_type": o.PostType, "address": o.Owner, "ref": nullable(o.Ref), "channel": nullable(o.Channel),
			"created": pyISOTime(p.Created), "last_updated": pyISOTime(p.Updated),
		}
	})
}

// fields are a message's top-level members.
func fields(msg json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(msg, &m)
	return m
}
