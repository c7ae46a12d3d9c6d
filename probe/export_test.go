package probe

// MetricFailures lets tests read failures by reason.
var MetricFailures = metricFailures
