package ethsync

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// The reader's metrics, in the default registry that the API's /metrics
// serves. A process runs one reader (tests may run several; they share
// them).
var (
	metricHeight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "alephd_eth_reader_height", Help: "Last Ethereum block the token reader has read.",
	})
	metricFinal = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "alephd_eth_final_height", Help: "Last Ethereum block final by the chain's rule, as the RPC endpoint reports it.",
	})
	metricLag = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "alephd_eth_reader_lag_blocks", Help: "Final Ethereum blocks the token reader has not read yet.",
	})
	metricErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "alephd_eth_rpc_errors_total", Help: "Failed reads of the Ethereum RPC endpoint.",
	})
	metricTransfers = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "alephd_eth_transfers_read_total", Help: "Transfer logs of the token the reader has read.",
	})
	registerOnce sync.Once
)

func registerMetrics() {
	registerOnce.Do(func() {
		prometheus.MustRegister(metricHeight, metricFinal, metricLag, metricErrors, metricTransfers)
	})
}
