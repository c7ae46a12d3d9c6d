package node

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"

	"github.com/alephd/alephd/abci"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/probe"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/resource"
)

// laterProber is what the node's vote extensions read (abci.Prober). The
// ABCI adapter gets it before CometBFT starts; the prober itself exists
// only once the chain turns out to enable liveness (runProber), and until
// then there are no answers.
type laterProber struct{ p atomic.Pointer[probe.Prober] }

func (l *laterProber) Answers(limit int) []*pb.ProbeAnswer {
	if p := l.p.Load(); p != nil {
		return p.Answers(limit)
	}
	return nil
}

// runProber starts the liveness prober once the chain has committed a
// block (so its params are known, after InitChain or a state sync's
// restore), if they turn liveness on, and runs it until ctx ends; with
// liveness off it returns, and the node probes nothing.
func runProber(ctx context.Context, into *laterProber, abciApp *abci.Application, rpc *rpclocal.Local, chainID string, ac AppConfig, logger cmtlog.Logger) {
	t := time.NewTicker(pinPoll)
	defer t.Stop()
	var logged string
	for {
		if abciApp.CommittedHeight() > 0 {
			on, err := livenessOn(ctx, rpc)
			if err == nil && !on {
				return
			}
			if err == nil {
				logger.Info("probing the liveness of resource nodes while this node validates", "probe_timeout", ac.ProbeTimeout)
				p := probe.New(probe.Config{
					Targets: validatorTargets(ctx, rpc, abciApp.ProbeTargets),
					ChainID: chainID,
					Timeout: ac.ProbeTimeout,
					Height:  abciApp.CommittedHeight,
					Log:     func(msg string, kv ...any) { logger.Error(msg, kv...) },
				})
				into.p.Store(p)
				p.Run(ctx)
				return
			}
			if err.Error() != logged {
				logged = err.Error()
				logger.Error("cannot tell whether to probe resource nodes; retrying", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// validatorTargets lists the open liveness slots while this node is a
// validator: one outside the set signs no vote extension, so its answers
// would go nowhere and its probes would only load the resource nodes.
func validatorTargets(ctx context.Context, rpc *rpclocal.Local, targets func() ([]resource.ProbeTarget, error)) func() ([]resource.ProbeTarget, error) {
	return func() ([]resource.ProbeTarget, error) {
		st, err := rpc.Status(ctx)
		if err != nil {
			return nil, fmt.Errorf("node status: %w", err)
		}
		if st.ValidatorInfo.VotingPower == 0 {
			return nil, nil
		}
		return targets()
	}
}

// livenessOn tells whether the committed state's x/resource params turn
// liveness on (enabled, probes_per_epoch above 0). Genesis sets them and
// nothing changes them.
func livenessOn(ctx context.Context, rpc *rpclocal.Local) (bool, error) {
	res, err := rpc.ABCIQuery(ctx, app.PathParams, nil)
	if err != nil {
		return false, fmt.Errorf("read the chain's params: %w", err)
	}
	if res.Response.Code != 0 {
		return false, fmt.Errorf("read the chain's params: %s", res.Response.Log)
	}
	var params struct {
		Resource *resource.Params `json:"resource"`
	}
	if err := json.Unmarshal(res.Response.Value, &params); err != nil {
		return false, fmt.Errorf("read the chain's params: %w", err)
	}
	return params.Resource != nil && params.Resource.Enabled && params.Resource.ProbesPerEpoch > 0, nil
}
