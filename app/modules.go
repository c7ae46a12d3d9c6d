package app

import (
	"encoding/json"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/payment"
)

// Module is one module as the app composes it: every hook it has. Each hook
// is optional; the app runs every kind of hook over the module list, in the
// list's order.
type Module struct {
	Name string

	// DefaultGenesis is the module's part of a new chain's app_state.
	DefaultGenesis func() any
	// ValidateGenesis decodes and checks the module's part of app_state
	// without writing it; raw may be empty (the default).
	ValidateGenesis func(raw json.RawMessage) error
	// InitGenesis decodes, checks and writes it.
	InitGenesis func(kv state.KV, raw json.RawMessage) error
	// ExportGenesis reads the module's state back as its part of app_state.
	ExportGenesis func(kv state.KV) (any, error)

	// LoadParams caches the module's params, which change only at genesis:
	// at InitChain, at a snapshot's restore and when the app opens.
	LoadParams func(kv state.KV) error
	// Params are the cached params, for the params query.
	Params func() any

	// BeginBlock runs before a block's transactions, EndBlock after them.
	BeginBlock func(kv state.KV, b Block, out *BlockEffects) error
	EndBlock   func(kv state.KV, b Block, out *BlockEffects) error

	// Invariants checks the module's state; an error is a broken invariant.
	Invariants func(kv state.KV) error

	// Validators is the validator set the module's state gives, empty when
	// it has no say (yet). InitChain asks it: a set replaces the genesis
	// document's.
	Validators func(kv state.KV) ([]Validator, error)

	// Queries are the module's query paths.
	Queries []Query
}

// BlockEffects is what block hooks did beyond state: messages whose status
// moved (for the query index) and changes to the validator set.
type BlockEffects struct {
	message.Effects
	// ValidatorUpdates change the validator set from two heights on, as
	// CometBFT applies them: an update of power 0 removes a validator.
	ValidatorUpdates []Validator
	// ValidatorSet, when set, is the whole set wanted from two heights on:
	// the app turns it into the updates from the latest set.
	ValidatorSet []Validator
}

// Query is one query path. A raw query names one key, whose stored bytes
// answer it (with an ICS-23 proof on request); any other answers JSON.
type Query struct {
	Path string
	// Key is the key a raw query reads.
	Key func(data []byte) ([]byte, error)
	// Answer answers any other query over committed state kv.
	Answer func(kv state.KV, data []byte) ([]byte, error)
}

// modules is the only definition of module order: genesis, params, block
// hooks, invariants and queries all run over it. A module that another
// reads at genesis comes after it (payment reads messages and balances).
func (a *App) modules() []Module {
	return append([]Module{
		{
			Name:            "message",
			DefaultGenesis:  func() any { return message.DefaultGenesis() },
			ValidateGenesis: validateWith(message.DefaultGenesis, message.Genesis.Validate),
			InitGenesis:     initWith(message.DefaultGenesis, a.messages.Init),
			ExportGenesis:   func(kv state.KV) (any, error) { return a.messages.Export(kv) },
			LoadParams: func(kv state.KV) (err error) {
				a.msgParams, err = a.messages.Params(kv)
				return err
			},
			Params:     func() any { return a.msgParams },
			Invariants: a.messages.Invariants,
			Queries: []Query{
				{Path: PathMessage, Key: func(d []byte) ([]byte, error) { return message.StoreKey(string(d)), nil }},
				{Path: PathAggregate, Key: aggregateKey},
				{Path: PathAggregates, Answer: a.queryAggregates},
				{Path: PathPost, Answer: a.queryPost},
				{Path: PathFile, Answer: a.queryFile},
			},
		},
		{
			// attest has no genesis of its own: a STORE's limits and
			// deadline are message params, and what waits for attestation
			// is the waiting module's state.
			Name:       "attest",
			LoadParams: a.attest.LoadParams,
			EndBlock: func(kv state.KV, b Block, out *BlockEffects) error {
				return a.attest.EndBlock(kv, b.Height, &out.Effects)
			},
		},
		{
			Name:            "balance",
			DefaultGenesis:  func() any { return balance.DefaultGenesis() },
			ValidateGenesis: validateWith(balance.DefaultGenesis, balance.Genesis.Validate),
			InitGenesis:     initWith(balance.DefaultGenesis, a.balances.Init),
			ExportGenesis:   func(kv state.KV) (any, error) { return a.balances.Export(kv) },
			LoadParams: func(kv state.KV) (err error) {
				a.balParams, err = a.balances.Params(kv)
				return err
			},
			Params:     func() any { return a.balParams },
			Invariants: a.balances.Invariants,
			Queries:    []Query{{Path: PathBalance, Answer: a.queryBalance}, {Path: PathBalances, Answer: a.queryBalances}},
		},
		{
			// node reads balances (thresholds, shares) at genesis.
			Name:            "node",
			DefaultGenesis:  func() any { return node.DefaultGenesis() },
			ValidateGenesis: validateWith(node.DefaultGenesis, node.Genesis.Validate),
			InitGenesis:     initWith(node.DefaultGenesis, a.nodes.Init),
			ExportGenesis:   func(kv state.KV) (any, error) { return a.nodes.Export(kv) },
			LoadParams:      a.nodes.LoadParams,
			Params:          func() any { return a.nodes.Params() },
			Invariants:      a.nodes.Invariants,
			Queries: []Query{
				{Path: PathNode, Key: func(d []byte) ([]byte, error) { return node.NodeKey(string(d)), nil }},
				{Path: PathNodeView, Answer: jsonAnswer(a.nodeView)},                                                         // with scores (resource_view.go)
				{Path: PathNodes, Answer: func(kv state.KV, _ []byte) ([]byte, error) { return jsonOf(a.registryView(kv)) }}, // with scores
				{Path: PathStakes, Answer: jsonAnswer(a.nodes.StakesOf)},
				{Path: PathValidators, Answer: a.queryValidators},
			},
			Validators: a.stakeValidators,
			BeginBlock: a.nodeFaults,
			EndBlock: func(kv state.KV, b Block, out *BlockEffects) error {
				if !a.nodes.EpochEnd(b.Height) {
					return nil
				}
				vals, err := a.stakeValidators(kv)
				if len(vals) > 0 {
					out.ValidatorSet = vals
				}
				return err
			},
		},
		{
			Name:            "payment",
			DefaultGenesis:  func() any { return payment.DefaultGenesis() },
			ValidateGenesis: validateWith(payment.DefaultGenesis, payment.Genesis.Validate),
			InitGenesis:     initWith(payment.DefaultGenesis, a.payments.Init),
			ExportGenesis:   func(kv state.KV) (any, error) { return a.payments.Export(kv) },
			LoadParams:      a.payments.Load,
			Params:          func() any { return a.payments.Params() },
			EndBlock: func(kv state.KV, b Block, out *BlockEffects) error {
				return a.payments.EndBlock(kv, b.Height, &out.Effects)
			},
			Invariants: a.payments.Invariants,
			Queries: []Query{
				{Path: PathAccount, Answer: jsonAnswer(a.payments.Account)},
				{Path: PathChannel, Answer: jsonAnswer(a.payments.Channel)},
			},
		},
		a.resourceModule(), // app/resource.go: storage proofs and scores, off unless enabled
	}, a.extra...)
}

// initWith decodes a module's genesis over its default and hands it to
// init, which checks and writes it.
func initWith[G any](def func() G, init func(state.KV, G) error) func(state.KV, json.RawMessage) error {
	return func(kv state.KV, raw json.RawMessage) error {
		g := def()
		if err := decodeGenesis(raw, &g); err != nil {
			return err
		}
		return init(kv, g)
	}
}

// validateWith decodes a module's genesis over its default and checks it.
func validateWith[G any](def func() G, validate func(G) error) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		g := def()
		if err := decodeGenesis(raw, &g); err != nil {
			return err
		}
		return validate(g)
	}
}

func jsonOf(v any, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// jsonAnswer answers a query with a view's JSON.
func jsonAnswer[V any](view func(state.KV, string) (V, error)) func(state.KV, []byte) ([]byte, error) {
	return func(kv state.KV, data []byte) ([]byte, error) {
		v, err := view(kv, string(data))
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	}
}
