package node

import (
	"sync"

	"github.com/cometbft/cometbft/blocksync"
	cfg "github.com/cometbft/cometbft/config"
	cs "github.com/cometbft/cometbft/consensus"
	mempl "github.com/cometbft/cometbft/mempool"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/proxy"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/statesync"
)

// cometMetrics are CometBFT's Prometheus metrics, registered in the default
// registry, which the API serves at /metrics: so CometBFT needs no metrics
// server of its own. They register globally, so they are built once per
// process and shared by every node a process runs (tests run several).
var cometMetrics struct {
	once sync.Once
	cs   *cs.Metrics
	p2p  *p2p.Metrics
	mp   *mempl.Metrics
	sm   *sm.Metrics
	px   *proxy.Metrics
	bs   *blocksync.Metrics
	ss   *statesync.Metrics
}

func metricsProvider(c *cfg.InstrumentationConfig) cmtnode.MetricsProvider {
	return func(chainID string) (*cs.Metrics, *p2p.Metrics, *mempl.Metrics, *sm.Metrics, *proxy.Metrics, *blocksync.Metrics, *statesync.Metrics) {
		m := &cometMetrics
		m.once.Do(func() {
			on := *c
			on.Prometheus = true
			m.cs, m.p2p, m.mp, m.sm, m.px, m.bs, m.ss = cmtnode.DefaultMetricsProvider(&on)(chainID)
		})
		return m.cs, m.p2p, m.mp, m.sm, m.px, m.bs, m.ss
	}
}
