package api

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
