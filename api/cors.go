package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// corsMethods are the methods a preflight may ask for: the API's own.
const corsMethods = "GET, POST, OPTIONS"

// cors answers browsers as pyaleph's aiohttp_cors does with allow_all:
// any origin, with credentials, any request header, every response header
// exposed. The origin is echoed rather than "*" because browsers refuse a
// wildcard on a credentialed request. A preflight (OPTIONS with an Origin
// and Access-Control-Request-Method) is answered here, before routing, so
// every route has one; gin runs global middleware on unmatched paths too.
func cors(c *gin.Context) {
	origin := c.GetHeader("Origin")
	if origin == "" {
		c.Next()
		return
	}
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Add("Vary", "Origin")
	reqMethod := c.GetHeader("Access-Control-Request-Method")
	if c.Request.Method != http.MethodOptions || reqMethod == "" {
		h.Set("Access-Control-Expose-Headers", "*")
		c.Next()
		return
	}
	h.Set("Access-Control-Allow-Methods", corsMethods)
	if reqHeaders := c.GetHeader("Access-Control-Request-Headers"); reqHeaders != "" {
		h.Set("Access-Control-Allow-Headers", reqHeaders)
	}
	h.Set("Access-Control-Max-Age", "86400")
	c.AbortWithStatus(http.StatusNoContent)
}
