package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"runtime"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/index"
)

// messageTopic is pyaleph's default aleph.queue_topic, the only topic its
// pubsub/pub accepts. alephd has no pubsub: a message sent there is
// submitted as POST /api/v0/messages would be.
const messageTopic = "ALEPH-TEST"

// pubsubTopic is POST /api/v0/ipfs/pubsub/pub and /p2p/pubsub/pub: pyaleph
// refuses a topic other than its message topic with a 403 before reading
// the data; the rest is pubsubPub's.
func (s *Server) pubsubTopic(c *gin.Context) {
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if tooLarge(c, err) {
			return
		}
		fail(c, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	var body struct {
		Topic *string `json:"topic"`
	}
	if json.Unmarshal(raw, &body) == nil && (body.Topic == nil || *body.Topic != messageTopic) {
		topic := "null"
		if body.Topic != nil {
			topic = *body.Topic
		}
		fail(c, http.StatusForbidden, "Unauthorized P2P topic: "+topic+". Use "+messageTopic+".")
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(raw))
	s.pubsubPub(c)
}

// metricsJSON is pyaleph's Metrics, served at /api/v0/metrics.json and, with
// the version, at /. Keys pyaleph fills from what alephd has not (libp2p
// peers, an ETH chain, pending file fetches, websocket gauges) are 0 or
// null; python_version is Go's version.
func (s *Server) metricsJSON() (gin.H, error) {
	all, err := s.idx.Messages(index.Filter{}, false, 0, 0, true)
	if err != nil {
		return nil, err
	}
	pending := 0
	s.pending.Range(func(_, _ any) bool { pending++; return true })
	m := gin.H{
		"pyaleph_build_info":                                 gin.H{"python_version": runtime.Version(), "version": Version},
		"pyaleph_status_peers_total":                         0,
		"pyaleph_status_sync_messages_total":                 all.Total,
		"pyaleph_status_sync_permanent_files_total":          0,
		"pyaleph_status_sync_pending_messages_total":         pending,
		"pyaleph_status_sync_pending_txs_total":              0,
		"pyaleph_status_chain_eth_last_committed_height":     nil,
		"pyaleph_processing_pending_messages_seen_ids_total": nil,
		"pyaleph_processing_pending_messages_tasks_total":    nil,
		"pyaleph_processing_pending_messages_action_total":   nil,
		"pyaleph_status_sync_messages_reference_total":       nil,
		"pyaleph_status_sync_messages_remaining_total":       nil,
		"pyaleph_status_chain_eth_height_reference_total":    nil,
		"pyaleph_status_chain_eth_height_remaining_total":    nil,
	}
	for _, k := range []string{
		"processing_pending_messages_aggregate_tasks", "processing_pending_messages_forget_tasks",
		"processing_pending_messages_post_tasks", "processing_pending_messages_program_tasks",
		"processing_pending_messages_store_tasks", "ws_messages_connections_active", "ws_messages_connections_max",
		"ws_status_connections_active", "ws_status_connections_max", "ws_messages_broadcast_total",
		"ws_messages_connections_rejected_total", "ws_status_connections_rejected_total",
		"ws_broadcaster_consumer_restarts_total", "store_fetch_ipfs_total", "store_fetch_ipfs_failed_total",
		"store_fetch_ipfs_duration_ms_sum", "store_fetch_storage_total", "store_fetch_storage_failed_total",
		"store_fetch_storage_duration_ms_sum",
	} {
		m["pyaleph_"+k] = 0
	}
	m["pyaleph_ws_messages_connections_active"] = s.ws.messages.Load()
	m["pyaleph_ws_status_connections_active"] = s.ws.status.Load()
	return m, nil
}

// getMetricsJSON is GET /api/v0/metrics.json.
func (s *Server) getMetricsJSON(c *gin.Context) {
	m, err := s.metricsJSON()
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	c.JSON(http.StatusOK, m)
}

// index is GET /: pyaleph's index, its metrics with the version.
func (s *Server) index(c *gin.Context) {
	m, err := s.metricsJSON()
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	m["version"] = Version
	c.JSON(http.StatusOK, m)
}

// noCredits answers pyaleph's credit routes: alephd pays every message
// from held ALEPH and keeps no credits.
func noCredits(c *gin.Context) {
	fail(c, http.StatusNotFound, "alephd has no credits: it pays every message from held ALEPH")
}
