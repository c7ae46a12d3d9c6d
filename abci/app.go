package abci

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/x/resource"
)

// Version is reported in Info.
const Version = "0.1.0"

// AppVersion is the state-machine version; bump it with every consensus change.
const AppVersion uint64 = 3

// Application serves the app over ABCI. CometBFT calls it on several
// connections at once (consensus, mempool, query), so mu serializes every
// use of the app; signature recovery, a pure function, runs outside it.
type Application struct {
	abcitypes.BaseApplication
	mu        sync.Mutex
	app       *app.App
	txs       *txCache
	snaps     *snapshots
	attester  Attester
	prober    Prober
	eth       EthReader
	logger    cmtlog.Logger
	finalized Finalized
	// committed is the last height whose state is committed, readable
	// without mu.
	committed atomic.Int64
}

var _ abcitypes.Application = (*Application)(nil)

// New wraps a; snapshots configures state-sync snapshots (zero: none taken).
func New(a *app.App, snaps Snapshots) *Application {
	return &Application{app: a, txs: newTxCache(), snaps: &snapshots{cfg: snaps}, logger: cmtlog.NewNopLogger()}
}

// SetAttester makes the node's vote extensions report what at verified.
// Without one, this validator attests nothing.
func (s *Application) SetAttester(at Attester) { s.attester = at }

// Finalized is called at the end of every FinalizeBlock with the decided
// block and what it did. It must not keep the app waiting.
type Finalized func(DecidedBlock)

// SetFinalized registers fn. The node hands what it gets to the query index,
// which would otherwise read the block back from CometBFT's store and parse
// every transaction a second time.
func (s *Application) SetFinalized(fn Finalized) { s.finalized = fn }

// CommittedHeight is the last height whose state the app committed. CometBFT
// saves a height's block before executing it and its results just after, so
// readers of the stores (the query index, the pinner) follow this height,
// not the block store's: at this height the results are always there.
func (s *Application) CommittedHeight() int64 { return s.committed.Load() }

// SetProber makes the node's vote extensions carry the liveness answers p
// collected. Without one, this validator reports no liveness.
func (s *Application) SetProber(p Prober) { s.prober = p }

// ProbeTargets lists the liveness probes to make over the committed state
// (app.ProbeTargets), for the node's prober.
func (s *Application) ProbeTargets() (targets []resource.ProbeTarget, err error) {
	s.locked(func() { targets, err = s.app.ProbeTargets() })
	return targets, err
}

// LiveFiles lists the files of live STOREs in the committed state, for the
// content pinner.
func (s *Application) LiveFiles() (files []string, err error) {
	s.locked(func() { files, err = s.app.LiveFiles() })
	return files, err
}

// SetLogger sets where the adapter reports what the chain does not record
// (refused proposals).
func (s *Application) SetLogger(l cmtlog.Logger) { s.logger = l }

func (s *Application) logRejectedProposal(height int64, err error) {
	rejectedProposals.Inc()
	s.logger.Error("refused a proposal", "height", height, "err", err)
}

func (s *Application) Info(context.Context, *abcitypes.RequestInfo) (*abcitypes.ResponseInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, hash := s.app.LastCommit()
	s.committed.Store(h)
	return &abcitypes.ResponseInfo{
		Data: "alephd", Version: Version, AppVersion: AppVersion,
		LastBlockHeight: h, LastBlockAppHash: hash,
	}, nil
}

func (s *Application) InitChain(_ context.Context, req *abcitypes.RequestInitChain) (*abcitypes.ResponseInitChain, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vals, err := validatorsOf(req.Validators)
	if err != nil {
		return nil, fmt.Errorf("init chain: %w", err)
	}
	ci := app.ChainInfo{ChainID: req.ChainId, Validators: vals}
	if p := req.ConsensusParams; p != nil && p.Abci != nil {
		ci.VoteExtensionsFrom = p.Abci.VoteExtensionsEnableHeight
	}
	hash, validators, err := s.app.InitChain(req.InitialHeight, req.Time.UnixNano(), req.AppStateBytes, ci)
	if err != nil {
		return nil, fmt.Errorf("init chain: %w", err)
	}
	// A set from stake replaces the genesis document's.
	return &abcitypes.ResponseInitChain{AppHash: hash, Validators: validatorUpdatesOf(validators)}, nil
}

func (s *Application) CheckTx(_ context.Context, req *abcitypes.RequestCheckTx) (resp *abcitypes.ResponseCheckTx, err error) {
	defer func() { // no input may crash the node: a panic rejects the tx
		if r := recover(); r != nil {
			resp = &abcitypes.ResponseCheckTx{Code: 1, Codespace: "internal", Log: fmt.Sprintf("transaction crashed the checker: %v", r)}
			err = nil
		}
	}()
	if !s.app.Ready() {
		// State-syncing: a parse now would use unset params, and its
		// cached result would then decide the transaction in a block.
		space, code, log := errs.ABCIInfo(errs.Wrapf(app.ErrNoState, "this node is still syncing its state; submit to a synced node"))
		countRejection(space, code)
		return &abcitypes.ResponseCheckTx{Code: code, Codespace: space, Log: log}, nil
	}
	e := s.txs.entry(s.app, req.Tx)
	if r, done := s.checkBeforeSignature(e); done {
		countRejection(r.Codespace, r.Code)
		return &abcitypes.ResponseCheckTx{Code: r.Code, Codespace: r.Codespace, Log: r.Log}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.app.CheckTx(e.parsed, s.txs.check(e))
	countRejection(r.Codespace, r.Code)
	return &abcitypes.ResponseCheckTx{Code: r.Code, Codespace: r.Codespace, Log: r.Log}, nil
}

// locked runs f holding the app lock, released even if f panics: CheckTx
// and CometBFT's RPC server recover panics, and a lock left held would
// stop the node.
func (s *Application) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// errSignatureLater stops the admission pipeline at its signature step.
var errSignatureLater = errors.New("signature verified outside the app lock")

// checkBeforeSignature runs the pipeline up to the signature step for a
// transaction whose signature the node has not verified yet. If the message
// is refused before that step (malformed, nobody pays), that is the answer
// (done). Otherwise the signature is recovered here, outside the app lock,
// so blocks keep executing meanwhile; the caller then runs the whole pipeline
// again under the lock with the cached verdict, which alone decides.
func (s *Application) checkBeforeSignature(e *txEntry) (r app.TxResult, done bool) {
	if s.txs.verified(e) {
		return r, false
	}
	reached := false
	s.locked(func() { r = s.app.CheckTx(e.parsed, func() error { reached = true; return errSignatureLater }) })
	if !reached {
		return r, true
	}
	// The error is the verdict, and check caches it on e: the pipeline run
	// again under the lock reads it from there, so it is not needed here.
	_ = s.txs.check(e)()
	return r, false
}

func (s *Application) FinalizeBlock(_ context.Context, req *abcitypes.RequestFinalizeBlock) (*abcitypes.ResponseFinalizeBlock, error) {
	entries := s.txs.prepare(s.app, req.Txs)
	s.mu.Lock()
	defer s.mu.Unlock()
	res, err := s.app.FinalizeBlock(
		app.Block{Height: req.Height, TimeUnixNano: req.Time.UnixNano(), Txs: req.Txs,
			LastCommit: lastCommitOf(req.DecidedLastCommit), Misbehavior: misbehaviorOf(req.Misbehavior)},
		func(i int) (*app.Parsed, app.SignatureCheck) { return entries[i].parsed, s.txs.check(entries[i]) },
	)
	s.txs.forget(entries)
	if err != nil {
		// A storage failure or broken invariant: stop before committing a
		// state other validators may not have.
		panic(fmt.Sprintf("alephd: halting at height %d: %v\n%s", req.Height, err, debug.Stack()))
	}
	txResults, events := encodeResults(res)
	resp := &abcitypes.ResponseFinalizeBlock{TxResults: txResults, Events: events, AppHash: res.AppHash,
		ValidatorUpdates: validatorUpdatesOf(res.ValidatorUpdates)}
	if s.finalized != nil {
		// Decoded from the events just encoded: the index reads exactly
		// what a reader of the block store would.
		b := DecidedBlock{Height: req.Height, TimeUnixNano: req.Time.UnixNano(), Txs: req.Txs, Parsed: make([]*app.Parsed, len(entries))}
		b.Results, b.StatusChanges = DecodeResults(txResults, events)
		for i, e := range entries {
			b.Parsed[i] = e.parsed
		}
		s.finalized(b)
	}
	return resp, nil
}

func (s *Application) Commit(context.Context, *abcitypes.RequestCommit) (*abcitypes.ResponseCommit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.app.Commit()
	if err != nil {
		panic(fmt.Sprintf("alephd: commit failed: %v", err))
	}
	s.committed.Store(h)
	s.snaps.maybeTake(s.app, h)
	if s.attester != nil {
		// Start fetching the files of STOREs this block accepted now, not
		// at the next vote: they can then be attested one height sooner.
		if pending, err := s.app.PendingStores(pendingScan); err == nil && len(pending) > 0 {
			go s.attester.Verified(pending)
		}
	}
	return &abcitypes.ResponseCommit{}, nil
}

// ProofOpIAVL is the type of the ICS-23 IAVL proof op in query responses.
const ProofOpIAVL = "ics23:iavl"

func (s *Application) Query(_ context.Context, req *abcitypes.RequestQuery) (*abcitypes.ResponseQuery, error) {
	if req.Path == app.PathEth {
		return s.queryEth(), nil
	}
	var res app.QueryResult
	var err error
	s.locked(func() { res, err = s.app.Query(req.Path, req.Data, req.Height, req.Prove) })
	if err != nil {
		return &abcitypes.ResponseQuery{Code: 1, Codespace: "query", Log: err.Error(), Height: res.Height}, nil
	}
	out := &abcitypes.ResponseQuery{Key: res.Key, Value: res.Value, Height: res.Height}
	if res.Value == nil {
		out.Log = "not found"
	}
	if res.Proof != nil {
		data, err := res.Proof.Marshal()
		if err != nil {
			return &abcitypes.ResponseQuery{Code: 1, Codespace: "query", Log: "encode proof: " + err.Error()}, nil
		}
		out.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: ProofOpIAVL, Key: res.Key, Data: data}}}
	}
	return out, nil
}
