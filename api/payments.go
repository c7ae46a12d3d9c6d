package api

import (
	"encoding/json"
	"math/big"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/payment"
)

// queryJSON runs a state query and decodes its JSON answer into out.
func (s *Server) queryJSON(c *gin.Context, path string, data []byte, out any) bool {
	raw, err := s.node.Query(c.Request.Context(), path, data)
	if err == nil {
		err = json.Unmarshal(raw, out)
	}
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "state query failed: "+err.Error())
		return false
	}
	return true
}

// tokens renders base units as a JSON number of ALEPH, exactly.
func tokens(units string) json.Number {
	n, ok := new(big.Int).SetString(units, 10)
	if !ok {
		return "0"
	}
	return json.Number(balance.Format(n))
}

// getStorage is GET /api/v0/addresses/{address}/storage: balance,
// endorsements and personal storage capacity and usage.
func (s *Server) getStorage(c *gin.Context) {
	var v payment.AccountView
	if s.queryJSON(c, app.PathAccount, []byte(c.Param("address")), &v) {
		c.JSON(http.StatusOK, v)
	}
}

// getChannelEndorsements is GET /api/v0/channels/{channel}/endorsements:
// who endorses the channel, and what it buys.
func (s *Server) getChannelEndorsements(c *gin.Context) {
	var v payment.ChannelView
	if s.queryJSON(c, app.PathChannel, []byte(c.Param("channel")), &v) {
		c.JSON(http.StatusOK, v)
	}
}

// getParams is GET /api/v0/params: every module's genesis params.
func (s *Server) getParams(c *gin.Context) {
	var v map[string]json.RawMessage
	if s.queryJSON(c, app.PathParams, nil, &v) {
		c.JSON(http.StatusOK, v)
	}
}
