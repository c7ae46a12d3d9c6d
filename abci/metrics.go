package abci

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// admissionRejections counts CheckTx refusals, by codespace and code. It
// lives in the default registry, once per process, which the API's /metrics
// serves.
var admissionRejections = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "alephd_admission_rejections_total",
	Help: "Transactions refused at admission (CheckTx), by codespace and code.",
}, []string{"codespace", "code"})

func countRejection(codespace string, code uint32) {
	if code != 0 {
		admissionRejections.WithLabelValues(codespace, strconv.FormatUint(uint64(code), 10)).Inc()
	}
}

// rejectedProposals counts proposals ProcessProposal refused: a proposer
// whose availability record its evidence does not back.
var rejectedProposals = promauto.NewCounter(prometheus.CounterOpts{
	Name: "alephd_rejected_proposals_total",
	Help: "Block proposals refused by ProcessProposal (availability record not backed by its evidence).",
})
