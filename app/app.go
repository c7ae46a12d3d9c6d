package app

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/payment"
	"github.com/alephd/alephd/x/resource"
)

// AppPrefix is the first byte of keys the app itself owns.
const AppPrefix byte = 0x00

// lastBlockTimeKey holds the time of the last executed block, the clock
// CheckTx judges "too far in the future" against.
var lastBlockTimeKey = []byte{AppPrefix, 0x01}

// App is the state machine. It is not safe for concurrent use; the ABCI
// adapter serializes calls.
type App struct {
	store     *state.Store
	messages  message.Keeper
	balances  balance.Keeper
	payments  *payment.Keeper
	registers *payment.Registers
	attest    *attest.Keeper
	nodes     *node.Keeper
	resource  *resource.Keeper
	// extra are modules after the built-in ones (Options.Modules).
	extra []Module
	// Params change only at genesis; they are read once, at InitChain, at
	// a snapshot's restore or when the app opens. ready is set once they
	// are: before that (a node state-syncing), nothing may be parsed.
	msgParams message.Params
	balParams balance.Params
	ready     atomic.Bool

	// check is the mempool's view: committed state plus the transactions
	// CheckTx accepted since the last commit, so a POST and its amend can
	// wait in the mempool together.
	check         *state.Cache
	lastBlockTime int64
	keepVersions  int64
}

// Options tune what is not consensus.
type Options struct {
	// KeepVersions is how many recent state versions stay queryable (with
	// proofs); 0 keeps all.
	KeepVersions int64
	// Modules run after the built-in modules, in order, with the same
	// hooks. Tests use one to drive what no built-in module does yet, such
	// as changing the validator set.
	Modules []Module
}

// New opens the app over store, at its last committed version.
func New(store *state.Store, opts Options) (*App, error) {
	a := &App{store: store, payments: payment.NewKeeper(message.Keeper{}, balance.Keeper{}), keepVersions: opts.KeepVersions, extra: opts.Modules}
	a.registers = a.payments.Registers()
	a.attest = attest.NewKeeper(a.messages, a.registers, a.balances, a.balancesChanged)
	a.attest.SetAdmit(a.admitFetched)
	a.nodes = node.NewKeeper(a.balances)
	a.resource = resource.NewKeeper(a.nodes, a.messages)
	a.attest.SetLiveness(liveness{a}) // app/live.go
	// Every new message's duplicate check is a miss; keep misses off the tree.
	if err := store.TrackAbsence(message.RecordPrefix); err != nil {
		return nil, err
	}
	if store.Version() > 0 {
		if err := a.loadCommitted(); err != nil {
			return nil, err
		}
	}
	return a, a.resetCheck()
}

func (a *App) loadCommitted() error {
	snap, err := a.store.At(0)
	if err != nil {
		return err
	}
	if err := a.loadParams(snap); err != nil {
		return err
	}
	b, err := snap.Get(lastBlockTimeKey)
	if err != nil {
		return err
	}
	if len(b) == 8 {
		a.lastBlockTime = int64(binary.BigEndian.Uint64(b))
	}
	return nil
}

func (a *App) loadParams(kv state.KV) error {
	for _, m := range a.modules() {
		if m.LoadParams == nil {
			continue
		}
		if err := m.LoadParams(kv); err != nil {
			return fmt.Errorf("params of %s: %w", m.Name, err)
		}
	}
	a.ready.Store(true)
	return nil
}

// Ready reports whether the app has state to judge messages by: after
// InitChain, a snapshot's restore, or an open over committed state. A node
// that state-syncs starts without (CometBFT skips InitChain), and peers
// may gossip it transactions meanwhile.
func (a *App) Ready() bool { return a.ready.Load() }

// ErrNoState refuses a message submitted to a node that has no state yet.
var ErrNoState = errs.Register("app", 3, "the node has no state yet")

func (a *App) resetCheck() error {
	if a.store.Version() == 0 {
		a.check = state.NewCache(a.store.Working())
		return nil
	}
	snap, err := a.store.At(0)
	if err != nil {
		return err
	}
	a.check = state.NewCache(snap)
	return nil
}

// LastBlockTime is the time of the last executed block, in Unix nanoseconds.
func (a *App) LastBlockTime() int64 { return a.lastBlockTime }

// LastCommit returns the last committed height and app hash.
func (a *App) LastCommit() (int64, []byte) { return a.store.Version(), a.store.Hash() }

// ExportVersion streams committed state version v, for a snapshot. It only
// reads an old version, so it may run while blocks execute.
func (a *App) ExportVersion(v int64, w io.Writer) error { return a.store.ExportVersion(v, w) }

// RestoreVersion fills an empty app from a snapshot stream at version v and
// returns the root hash; the caller compares it with the trusted app hash.
func (a *App) RestoreVersion(v int64, r io.Reader) ([]byte, error) {
	hash, err := a.store.ImportVersion(v, r)
	if err != nil {
		return nil, err
	}
	if err := a.loadCommitted(); err != nil {
		return nil, err
	}
	return hash, a.resetCheck()
}

// Invariants checks every module's invariants on the committed state.
func (a *App) Invariants() error {
	snap, err := a.store.At(0)
	if err != nil {
		return err
	}
	for _, m := range a.modules() {
		if m.Invariants == nil {
			continue
		}
		if err := m.Invariants(snap); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return nil
}

// InitChain writes genesis and returns the genesis app hash. The genesis
// time is the chain's clock until the first block. When a module's state
// gives a validator set (stake, in x/node), that set replaces the genesis
// document's, and InitChain returns it for CometBFT; otherwise validators
// is nil and the document's set stands.
func (a *App) InitChain(initialHeight, genesisTimeUnixNano int64, appState json.RawMessage, ci ChainInfo) (hash []byte, validators []Validator, err error) {
	if initialHeight > 1 {
		a.store.SetInitialVersion(initialHeight)
	}
	cache := state.NewCache(a.store.Working())
	if err := a.InitGenesis(cache, appState); err != nil {
		return nil, nil, err
	}
	for _, m := range a.modules() {
		if m.Validators == nil {
			continue
		}
		vals, err := m.Validators(cache)
		if err != nil {
			return nil, nil, fmt.Errorf("genesis validators of %s: %w", m.Name, err)
		}
		if len(vals) > 0 && ci.ChainID != "" {
			ci.Validators, validators = vals, vals
		}
	}
	if err := writeChainInfo(cache, initialHeight, ci); err != nil {
		return nil, nil, err
	}
	if err := a.setBlockTime(cache, genesisTimeUnixNano); err != nil {
		return nil, nil, err
	}
	if err := cache.Write(); err != nil {
		return nil, nil, err
	}
	if err := a.loadParams(a.store.Working()); err != nil {
		return nil, nil, err
	}
	return a.store.WorkingHash(), validators, a.resetCheck()
}

func (a *App) setBlockTime(kv state.KV, t int64) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(t))
	a.lastBlockTime = t
	return kv.Set(lastBlockTimeKey, b[:])
}

// Block is what consensus decided: the txs to run at a height and time,
// and what it says of the validators.
type Block struct {
	Height       int64
	TimeUnixNano int64
	Txs          [][]byte
	// LastCommit is who signed the previous block, by consensus address.
	LastCommit []Vote
	// Misbehavior is the evidence of double signing this block carries.
	Misbehavior []Misbehavior
}

// Vote is one validator's part in a commit.
type Vote struct {
	Address []byte
	Signed  bool // its precommit for the block is in the commit
}

// Misbehavior is proof that a validator signed two blocks at one height.
type Misbehavior struct {
	Address []byte
	Height  int64
}

// TxResult is the outcome of one transaction.
type TxResult struct {
	Codespace string
	Code      uint32
	Log       string
	ItemHash  string
	Type      string
	// Forgotten lists the messages an accepted FORGET forgot.
	Forgotten []string
	// StatusChanges lists other messages whose status the transaction
	// moved (garbage collection after a balance or endorsement change).
	StatusChanges []message.StatusChange
}

// BlockResult is the outcome of a block.
type BlockResult struct {
	Txs []TxResult
	// StatusChanges are the block hooks' (end-of-block removals and
	// expiries), after the transactions.
	StatusChanges []message.StatusChange
	// ValidatorUpdates change the validator set from two heights on.
	ValidatorUpdates []Validator
	AppHash          []byte
}

func resultOf(p *Parsed, err error) TxResult {
	r := TxResult{}
	if p.Msg != nil {
		r.ItemHash, r.Type = p.Msg.ItemHash, p.Msg.Type
	}
	r.Codespace, r.Code, r.Log = errs.ABCIInfo(err)
	return r
}

// Prepared gives, for tx i of a block, its parse and its signature check;
// the ABCI adapter serves both from its per-transaction cache.
type Prepared func(i int) (*Parsed, SignatureCheck)

// FinalizeBlock runs a block on the working tree: the modules' begin-block
// hooks, its transactions in order, then the end-block hooks, and returns
// the results and the resulting app hash. An error is a node failure
// (storage, broken invariant): the caller must halt, never commit.
func (a *App) FinalizeBlock(b Block, prep Prepared) (BlockResult, error) {
	// The block's writes gather in one cache and reach the tree once, in
	// key order, at the end: a key written by many transactions (a payer's
	// usage, an aggregate) costs one tree update, not one per transaction.
	working := state.NewCache(a.store.Working())
	if err := a.setBlockTime(working, b.TimeUnixNano); err != nil {
		return BlockResult{}, err
	}
	var hooks BlockEffects
	if err := a.runBlockHooks(working, b, &hooks, func(m Module) func(state.KV, Block, *BlockEffects) error { return m.BeginBlock }); err != nil {
		return BlockResult{}, err
	}
	out := BlockResult{Txs: make([]TxResult, len(b.Txs))}
	for i := range b.Txs {
		p, verify := prep(i)
		env := a.env(b.Height, uint32(i), b.TimeUnixNano)
		cache := state.NewCache(working)
		var fx message.Effects
		var err error
		if i == 0 && p.Attestation != nil {
			err = a.attest.Apply(cache, env, p.Attestation, &fx)
		} else {
			fx, err = a.Deliver(cache, env, p, verify)
		}
		if err == nil {
			err = cache.Write()
		}
		if err != nil && !errs.IsRegistered(err) {
			return BlockResult{}, fmt.Errorf("tx %d of block %d: %w", i, b.Height, err)
		}
		out.Txs[i] = resultOf(p, err)
		if err == nil {
			out.Txs[i].Forgotten, out.Txs[i].StatusChanges = fx.Forgotten, fx.StatusChanges
		}
	}
	if err := a.runBlockHooks(working, b, &hooks, func(m Module) func(state.KV, Block, *BlockEffects) error { return m.EndBlock }); err != nil {
		return BlockResult{}, err
	}
	if hooks.ValidatorSet != nil {
		diff, err := validatorDiff(working, hooks.ValidatorSet)
		if err != nil {
			return BlockResult{}, fmt.Errorf("end of block %d: %w", b.Height, err)
		}
		hooks.ValidatorUpdates = append(hooks.ValidatorUpdates, diff...)
	}
	if len(hooks.ValidatorUpdates) > 0 {
		updates, err := updateValidators(working, b.Height, hooks.ValidatorUpdates)
		if err != nil {
			return BlockResult{}, fmt.Errorf("end of block %d: %w", b.Height, err)
		}
		out.ValidatorUpdates = updates
	}
	if err := working.Write(); err != nil {
		return BlockResult{}, fmt.Errorf("write block %d: %w", b.Height, err)
	}
	out.StatusChanges, out.AppHash = hooks.StatusChanges, a.store.WorkingHash()
	return out, nil
}

// runBlockHooks runs one kind of block hook over the module list.
func (a *App) runBlockHooks(kv state.KV, b Block, out *BlockEffects, hook func(Module) func(state.KV, Block, *BlockEffects) error) error {
	for _, m := range a.modules() {
		if h := hook(m); h != nil {
			if err := h(kv, b, out); err != nil {
				return fmt.Errorf("block %d, %s: %w", b.Height, m.Name, err)
			}
		}
	}
	return nil
}

// env is what a message's handler knows of its place in the chain.
func (a *App) env(height int64, txIndex uint32, blockTime int64) message.Env {
	return message.Env{Height: height, TxIndex: txIndex, BlockTimeUnixNano: blockTime,
		StoreAttestBlocks: a.msgParams.StoreAttestBlocks, MaxAggregateBytes: a.msgParams.MaxAggregateBytes}
}

// Commit saves the working tree as the block's version, prunes old
// versions and resets the mempool view.
func (a *App) Commit() (int64, error) {
	_, v, err := a.store.Commit()
	if err != nil {
		return 0, err
	}
	if a.keepVersions > 0 && v > a.keepVersions {
		if err := a.store.Prune(v - a.keepVersions); err != nil {
			return 0, err
		}
	}
	return v, a.resetCheck()
}

// CheckTx admits a parsed transaction into the mempool view. Code 0 means
// the mempool may keep it.
func (a *App) CheckTx(p *Parsed, verify SignatureCheck) TxResult {
	env := a.env(a.store.Version()+1, 0, a.lastBlockTime)
	cache := state.NewCache(a.check)
	_, err := a.Deliver(cache, env, p, verify)
	if err == nil {
		err = cache.Write()
	}
	return resultOf(p, err)
}
