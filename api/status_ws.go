package api

import (
	"reflect"
	"time"

	"github.com/gin-gonic/gin"
)

// watchStatus is /api/ws0/status, pyaleph's status websocket: the node's
// metrics (the keys of /metrics.json) as one JSON frame on connect, then
// again whenever they change. pyaleph polls every 10 s; alephd looks again
// at each indexed block, which is when its figures change.
func (s *Server) watchStatus(c *gin.Context) {
	ws, ok := s.upgrade(c, &s.ws.status)
	if !ok {
		return
	}
	defer ws.close()
	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	var last map[string]any
	for {
		changed := s.idx.Changed()
		m, err := s.metricsJSON()
		if err != nil {
			return
		}
		if !reflect.DeepEqual(map[string]any(m), last) {
			if !ws.send(m) {
				return
			}
			last = m
		}
		select {
		case <-changed:
		case <-ping.C:
			if !ws.ping() {
				return
			}
		case <-ws.closed:
			return
		case <-c.Request.Context().Done():
			return
		}
	}
}
