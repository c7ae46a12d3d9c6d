package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// version is GET /version and /api/v0/version.
func version(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"version": Version}) }

// noNodeMetrics answers /api/v0/core/{node_id}/metrics: pyaleph reads
// them from the monitoring oracle's metrics POSTs and answers 404 for a
// node it has none of; alephd keeps no core node metrics (resource nodes'
// scores are /compute/{node_id}/metrics, computeMetrics).
func noNodeMetrics(c *gin.Context) {
	fail(c, http.StatusNotFound, "no metrics for node "+c.Param("node_id")+": alephd keeps no node metrics")
}

// noCAR answers POST /api/v0/ipfs/add_car: pyaleph imports CAR archives
// for holders of its operator's auth token; alephd has no CAR import.
func noCAR(c *gin.Context) {
	fail(c, http.StatusNotImplemented, "alephd has no CAR import: upload files with /api/v0/ipfs/add_file")
}

// recalculate answers pyaleph's POST /api/v0/price/recalculate and
// /price/{item_hash}/recalculate: pyaleph stores costs and recomputes them
// when its pricing aggregate changes; alephd prices from committed state at
// each request, so there is nothing to recalculate.
func recalculate(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"message": "alephd prices from committed state at each request: nothing to recalculate",
		"recalculated_count": 0, "total_messages": 0, "pricing_changes_found": 0})
}

// instanceEstimate is POST /api/v0/price/estimate/instance: the body is
// an INSTANCE's content. alephd runs no instances; an INSTANCE message is
// charged one message of quota, like any other, to its owner's personal
// storage.
func (s *Server) instanceEstimate(c *gin.Context) {
	var body struct {
		Address string `json:"address"`
	}
	if err := c.ShouldBindJSON(&body); err != nil || body.Address == "" {
		if tooLarge(c, err) {
			return
		}
		fail(c, http.StatusUnprocessableEntity, "the body must be an INSTANCE content, with its address")
		return
	}
	p, ok := s.priceParams(c)
	if !ok {
		return
	}
	out := priced(p, payment.ProviderPersonal, balance.Canonical(body.Address), 1, 0, false)
	out["charged_address"] = body.Address
	c.JSON(http.StatusOK, out)
}

// programsOnMessage is GET /api/v0/programs/on/message: live PROGRAMs
// subscribed to messages (content.on.message), as pyaleph's
// [{item_hash, content: {on: {message}}}], newest first unless
// sort_order=1; at most maxAll programs are read.
func (s *Server) programsOnMessage(c *gin.Context) {
	ascending := false
	switch c.Query("sort_order") {
	case "", "-1":
	case "1":
		ascending = true
	default:
		fail(c, http.StatusBadRequest, "sort_order must be 1 or -1")
		return
	}
	page, err := s.idx.Messages(index.Filter{Types: []string{message.TypeProgram}}, ascending, 0, maxAll, false)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	out := []gin.H{}
	for _, e := range page.Entries {
		var on struct {
			Message json.RawMessage `json:"message"`
		}
		if json.Unmarshal(contentOf(e)["on"], &on) != nil || len(on.Message) == 0 || string(on.Message) == "null" {
			continue
		}
		out = append(out, gin.H{"item_hash": e.ItemHash, "content": gin.H{"on": gin.H{"message": on.Message}}})
	}
	c.JSON(http.StatusOK, out)
}
