package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// channels is GET /api/v0/channels/list.json.
func (s *Server) channels(c *gin.Context) {
	list, err := s.idx.Channels()
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	if list == nil {
		list = []string{}
	}
	c.JSON(http.StatusOK, gin.H{"channels": list})
}

// messageHashes is GET /api/v0/messages/hashes: messages.json's filters,
// answering item hashes only.
func (s *Server) messageHashes(c *gin.Context) {
	q := c.Request.URL.Query()
	hashOnly := true
	switch v := q.Get("hash_only"); v {
	case "", "true", "1":
	case "false", "0":
		hashOnly = false
	default:
		fail(c, http.StatusUnprocessableEntity, "hash_only must be true or false")
		return
	}
	status := q.Get("status")
	q.Del("hash_only")
	q.Del("status")
	lq, err := parseList(q, "")
	if err == nil && status != "" {
		lq.filter.Statuses, err = []string{status}, checkStatus(status)
	}
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	page, err := s.idx.Messages(lq.filter, lq.ascending, (lq.page-1)*lq.perPage, lq.limit(), true)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	hashes := make([]any, 0, len(page.Entries))
	for _, e := range page.Entries {
		if hashOnly {
			hashes = append(hashes, e.ItemHash)
		} else { // pyaleph's MessageHashes
			hashes = append(hashes, gin.H{"item_hash": e.ItemHash, "status": e.Status, "reception_time": receptionTime(e)})
		}
	}
	c.JSON(http.StatusOK, gin.H{"hashes": hashes, "pagination_page": lq.page, "pagination_total": page.Total,
		"pagination_per_page": lq.perPage, "pagination_item": "hashes"})
}

// publicInfo is GET /api/v0/info/public.json. alephd nodes talk over
// CometBFT's P2P, not libp2p: the lists pyaleph fills are empty here.
func (s *Server) publicInfo(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"node_multi_addresses": []string{}, "node_public_addresses": []string{}, "version": Version})
}
