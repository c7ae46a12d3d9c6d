package index

import "github.com/prometheus/client_golang/prometheus"

// metrics count what the index sees in committed blocks.
type metrics struct {
	messages   *prometheus.CounterVec
	rejections *prometheus.CounterVec
	height     prometheus.GaugeFunc
}

func newMetrics(x *Index) *metrics {
	return &metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alephd_messages_total", Help: "Messages in committed blocks, by type and outcome.",
		}, []string{"type", "status"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alephd_rejections_total", Help: "Messages refused in committed blocks, by codespace and code.",
		}, []string{"codespace", "code"}),
		height: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "alephd_index_height", Help: "Last block height in the query index.",
		}, func() float64 { return float64(x.Height()) }),
	}
}

// Collectors returns the index's metrics, for the API's /metrics.
func (x *Index) Collectors() []prometheus.Collector {
	return []prometheus.Collector{x.metrics.messages, x.metrics.rejections, x.metrics.height}
}
