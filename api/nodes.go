package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/x/chains"
	"github.com/alephd/alephd/x/node"
)

// corechannelKey is the aggregate key under which aleph-nodestatus
// publishes the registry.
const corechannelKey = "corechannel"

// getNodes is GET /api/v0/nodes: the registry of core channel and resource
// nodes, in the shape of nodestatus's corechannel aggregate.
func (s *Server) getNodes(c *gin.Context) {
	var v json.RawMessage
	if s.queryJSON(c, app.PathNodes, nil, &v) {
		c.JSON(http.StatusOK, v)
	}
}

// getNode is GET /api/v0/nodes/{hash}: a CCN with its stakers, or a CRN.
func (s *Server) getNode(c *gin.Context) {
	hash := c.Param("hash")
	raw, err := s.node.Query(c.Request.Context(), app.PathNodeView, []byte(hash))
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "state query failed: "+err.Error())
		return
	}
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || string(raw) == "null" {
		fail(c, http.StatusNotFound, "no core channel or resource node "+hash)
		return
	}
	c.JSON(http.StatusOK, json.RawMessage(raw))
}

// getStakes is GET /api/v0/addresses/{address}/stakes: the CCNs an address
// stakes on, and its share on each.
func (s *Server) getStakes(c *gin.Context) {
	var v node.StakesView
	if s.queryJSON(c, app.PathStakes, []byte(c.Param("address")), &v) {
		c.JSON(http.StatusOK, v)
	}
}

// getValidators is GET /api/v0/validators: the newest validator set, with
// the CCN that names each key.
func (s *Server) getValidators(c *gin.Context) {
	var v []app.ValidatorView
	if s.queryJSON(c, app.PathValidators, nil, &v) {
		c.JSON(http.StatusOK, v)
	}
}

// getAggregatesOrRegistry is GET /api/v0/aggregates/{address}.json. For
// the node params' corechannel_address, the `corechannel` aggregate is the
// registry, as aleph-nodestatus publishes it there, so that Aleph tools
// reading it work unchanged; its other keys, and other addresses, are
// answered from state by addressAggregates.
func (s *Server) getAggregatesOrRegistry(c *gin.Context) {
	address := strings.TrimSuffix(c.Param("address"), ".json")
	keys := splitList(c.Query("keys"))
	if len(keys) > 0 && !slices.Contains(keys, corechannelKey) {
		s.addressAggregates(c)
		return
	}
	var params struct {
		Node node.Params `json:"node"`
	}
	if !s.queryJSON(c, app.PathParams, nil, &params) {
		return
	}
	if params.Node.CoreChannelAddress == "" || !chains.SameAddress(address, params.Node.CoreChannelAddress) {
		s.addressAggregates(c)
		return
	}
	// The same parameters and answer as addressAggregates.
	p, ok := parseAggregateParams(c)
	if !ok {
		return
	}
	all, ok := s.stateAggregates(c, address)
	if !ok {
		return
	}
	var registry json.RawMessage
	if !s.queryJSON(c, app.PathNodes, nil, &registry) {
		return
	}
	all[corechannelKey] = registry
	s.answerAggregates(c, address, p, all)
}
