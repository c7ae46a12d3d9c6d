package crn

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are a node's Prometheus series, served at its GET /metrics. Each
// node has its own registry: the counters are its own, not the process's,
// and tests run several nodes in one process.
type metrics struct {
	reg          *prometheus.Registry
	proofs       *prometheus.CounterVec
	probes       prometheus.Counter
	fetches      *prometheus.CounterVec
	fetchedBytes prometheus.Counter
	ccnFailures  prometheus.Counter
}

// Proof results, the label of alephd_crn_proofs_total (ProofResult.Result).
const (
	resultSubmitted = "submitted"
	resultPassed    = "passed"
	resultRefused   = "refused"
	resultMissing   = "missing"
)

func newMetrics(n *Node) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		proofs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alephd_crn_proofs_total",
			Help: "Challenges answered, by result: submitted (the mempool took the proof), passed (the chain marked it passed; also counted submitted), refused (CheckTx refused it, or it did not fit the chain's limits), missing (the file or a block was gone).",
		}, []string{"result"}),
		probes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alephd_crn_probes_answered_total",
			Help: "Validators' liveness probes the node signed.",
		}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alephd_crn_fetches_total",
			Help: "Assigned files fetched, by result: ok (held), error (every CCN failed; tried again next sync).",
		}, []string{"result"}),
		fetchedBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alephd_crn_fetched_bytes_total",
			Help: "Bytes of the files fetched and held.",
		}),
		ccnFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alephd_crn_ccn_failures_total",
			Help: "Requests a CCN failed (down, an error status, another chain); each is tried on the next CCN.",
		}),
	}
	for _, r := range []string{resultSubmitted, resultPassed, resultRefused, resultMissing} {
		m.proofs.WithLabelValues(r)
	}
	m.fetches.WithLabelValues("ok")
	m.fetches.WithLabelValues("error")
	files := func(pick func(FileCounts) float64) func() float64 {
		return func() float64 { return pick(n.Status().Files) }
	}
	m.reg.MustRegister(m.proofs, m.probes, m.fetches, m.fetchedBytes, m.ccnFailures,
		gauge("alephd_crn_files_assigned", "Files the chain assigns the node.", files(func(c FileCounts) float64 { return float64(c.Assigned) })),
		gauge("alephd_crn_files_held", "Assigned files the node holds.", files(func(c FileCounts) float64 { return float64(c.Held) })),
		gauge("alephd_crn_files_missing", "Assigned files the node does not hold (not fetched yet, or a fetch failed).", files(func(c FileCounts) float64 { return float64(c.Missing) })),
		gauge("alephd_crn_held_bytes", "Bytes of the assigned files the node holds.", files(func(c FileCounts) float64 { return float64(c.HeldBytes) })),
		gauge("alephd_crn_height", "The CCN's committed height at the last sync.", func() float64 {
			n.mu.Lock()
			defer n.mu.Unlock()
			return float64(n.height)
		}),
		gauge("alephd_crn_epoch", "The chain's resource epoch at the last sync.", func() float64 {
			n.mu.Lock()
			defer n.mu.Unlock()
			return float64(n.epoch)
		}),
		gauge("alephd_crn_last_sync_timestamp_seconds", "When the node last read its files and challenges (Unix time): a stale value is a node that stopped syncing.", func() float64 {
			n.mu.Lock()
			defer n.mu.Unlock()
			if n.lastSync.IsZero() {
				return 0
			}
			return float64(n.lastSync.UnixMilli()) / 1000
		}),
	)
	return m
}

func gauge(name, help string, f func() float64) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
