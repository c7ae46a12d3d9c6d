package probe

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// The prober's metrics, in the default registry that the API's /metrics
// serves. A process runs one prober (tests may run several; they share
// them).
var (
	metricSent = promauto.NewCounter(prometheus.CounterOpts{
		Name: "alephd_probe_requests_total",
		Help: "Liveness probes this validator sent to resource nodes.",
	})
	metricVerified = promauto.NewCounter(prometheus.CounterOpts{
		Name: "alephd_probe_answers_verified_total",
		Help: "Probe answers signed by the resource node's registered key, kept for the vote extension.",
	})
	metricFailures = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "alephd_probe_failures_total",
		Help: "Probes without a valid answer, by reason: url, connect, timeout, status, body, mismatch, signature.",
	}, []string{"reason"})
	metricLatency = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "alephd_probe_duration_seconds",
		Help:    "Time from sending a probe to its answer or failure.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})
	metricTargets = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "alephd_probe_targets",
		Help: "Open liveness slots (resource node, epoch, slot) the committed state lists for probing.",
	})
	metricAnswered = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "alephd_probe_answered",
		Help: "Listed slots with a verified answer, which the next vote extension reports.",
	})
	metricFailing = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "alephd_probe_failing_nodes",
		Help: "Resource nodes whose last probe failed.",
	})
)

// Failure reasons, the label of alephd_probe_failures_total.
const (
	reasonURL       = "url"       // the registered address is not an http(s) URL
	reasonConnect   = "connect"   // no connection, or it broke
	reasonTimeout   = "timeout"   // no answer within the probe timeout
	reasonStatus    = "status"    // an HTTP status other than 200
	reasonBody      = "body"      // not the answer's JSON, or too large
	reasonMismatch  = "mismatch"  // the answer names another node, epoch or slot
	reasonSignature = "signature" // not signed by the node's registered key
)
