package api

import (
	"math"
	"runtime"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/alephd/alephd/index"
)

// metrics: alephd's own registry, served together with the default one, in
// which CometBFT registers its metrics when instrumentation.prometheus is on.
func (s *Server) metricsHandler() gin.HandlerFunc {
	reg := prometheus.NewRegistry()
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "alephd_api_request_duration_seconds",
		Help:    "HTTP API latency, by route and status code.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "code"})
	lag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "alephd_index_lag_blocks", Help: "Committed blocks not yet in the query index.",
	}, func() float64 { return float64(s.node.LatestHeight() - s.idx.Height()) })
	reg.MustRegister(latency, lag) // Go and process metrics come with the default registry
	reg.MustRegister(s.pyalephCollectors()...)
	reg.MustRegister(s.idx.Collectors()...)
	s.engine.Use(func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		latency.WithLabelValues(route, strconv.Itoa(c.Writer.Status())).Observe(time.Since(start).Seconds())
	})
	h := promhttp.HandlerFor(prometheus.Gatherers{reg, prometheus.DefaultGatherer}, promhttp.HandlerOpts{})
	return gin.WrapH(h)
}

// pyalephCollectors are pyaleph's /metrics series whose meaning alephd
// shares (aleph.web.controllers.metrics.Metrics), for existing dashboards.
// Like pyaleph's, the *_total ones are gauges. Series pyaleph fills from
// what alephd has not (libp2p peers, an ETH chain, file fetches) are left
// out: /metrics.json answers them 0 or null.
func (s *Server) pyalephCollectors() []prometheus.Collector {
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pyaleph_build_info", Help: "Build info, as pyaleph's (python_version is Go's).",
		ConstLabels: prometheus.Labels{"python_version": runtime.Version(), "version": Version},
	})
	build.Set(1)
	return []prometheus.Collector{
		build,
		gauge("pyaleph_status_sync_messages_total", "Live messages in the query index.", func() float64 {
			all, err := s.idx.Messages(index.Filter{}, false, 0, 0, true)
			if err != nil {
				return math.NaN()
			}
			return float64(all.Total)
		}),
		gauge("pyaleph_status_sync_pending_messages_total", "Messages this node submitted that no block holds yet.", func() float64 {
			n := 0
			s.pending.Range(func(_, _ any) bool { n++; return true })
			return float64(n)
		}),
		gauge("pyaleph_ws_messages_connections_active", "Open /api/ws0/messages connections.", func() float64 {
			return float64(s.ws.messages.Load())
		}),
		gauge("pyaleph_ws_status_connections_active", "Open /api/ws0/status connections.", func() float64 {
			return float64(s.ws.status.Load())
		}),
	}
}
