package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	dbm "github.com/cometbft/cometbft-db"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/secp256k1"
	cmtflags "github.com/cometbft/cometbft/libs/cli/flags"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	"github.com/cometbft/cometbft/types"

	"github.com/alephd/alephd/abci"
	"github.com/alephd/alephd/api"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/ethsync"
	"github.com/alephd/alephd/fetch"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/state"
)

// indexPoll is how often the index looks for new committed blocks.
const indexPoll = 50 * time.Millisecond

// pinPoll is how often pins follow the chain.
const pinPoll = 500 * time.Millisecond

// openContent opens the content store and the fetcher that attests its
// files: embedded IPFS, or the kubo daemon app.toml names.
func openContent(home string, ac AppConfig) (*content.Store, *fetch.Fetcher, error) {
	files, err := content.Open(ContentDir(home))
	if err != nil {
		return nil, nil, err
	}
	cfg := fetch.Config{Store: files, Peers: ac.ContentPeers}
	if ac.IPFSAPI != "" {
		k, err := content.NewKubo(ac.IPFSAPI)
		if err != nil {
			return nil, nil, errors.Join(fmt.Errorf("ipfs_api %s: %w", ac.IPFSAPI, err), files.Close())
		}
		cfg.IPFS, cfg.Kubo = k, true
	} else {
		emb, err := files.IPFS()
		if err != nil {
			return nil, nil, errors.Join(err, files.Close())
		}
		cfg.IPFS = emb
	}
	return files, fetch.New(cfg), nil
}

// ContentDir is where the embedded content store keeps files.
func ContentDir(home string) string { return filepath.Join(home, "data", "content") }

// IndexDir is where the query index lives inside a home.
func IndexDir(home string) string { return filepath.Join(home, "data", "index") }

// keepVersions is how many recent heights stay queryable with proofs.
const keepVersions = 10_000

// Node is a running alephd node.
type Node struct {
	Config *cfg.Config
	// App is the state machine. While the node runs, CometBFT calls it from
	// several goroutines through the ABCI adapter's lock: read it directly
	// only once the node is stopped, and otherwise query over RPC.
	App *app.App
	// Index is the query index, fed from committed blocks.
	Index *index.Index
	// RPC calls CometBFT's RPC in-process.
	RPC   *rpclocal.Local
	cmt   *cmtnode.Node
	store *state.Store
	dbs   *openDBs
	stop  context.CancelFunc
	done  chan struct{}
	api   *api.Server
	files *content.Store
	bg    sync.WaitGroup // the fetcher, the pinner and the prober
	// APIAddress is where the HTTP API listens, if it runs.
	APIAddress string
	// Eth is the Ethereum token reader, if the node has an eth_rpc and
	// genesis names a token.
	Eth *ethsync.Reader
}

// openDBs remembers every database CometBFT opens. CometBFT v0.38 leaves the
// tx indexer's open on stop, which keeps its file lock: a node restarted in
// the same process could not open it again.
type openDBs struct {
	mu  sync.Mutex
	dbs []dbm.DB
}

func (o *openDBs) provide(ctx *cfg.DBContext) (dbm.DB, error) {
	db, err := cfg.DefaultDBProvider(ctx)
	if err == nil {
		o.mu.Lock()
		o.dbs = append(o.dbs, db)
		o.mu.Unlock()
	}
	return db, err
}

// closeAll closes what is still open; closing twice is harmless here.
func (o *openDBs) closeAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, db := range o.dbs {
		_ = db.Close()
	}
	o.dbs = nil
}

// DefaultAPIAddr is where the HTTP API listens by default.
const DefaultAPIAddr = "127.0.0.1:4024"

// Options tune a start.
type Options struct {
	// Quiet drops CometBFT's log lines (tests).
	Quiet bool
	// APIAddr is the HTTP API's host:port; empty serves no API.
	APIAddr string
	// IPFSAPI, if set, is a kubo daemon's RPC multiaddr, over app.toml's
	// ipfs_api.
	IPFSAPI string
	// EthRPC, if set, is an Ethereum RPC endpoint, over app.toml's eth_rpc.
	EthRPC string
}

// Start opens home's state and starts CometBFT on it. On a restart the
// CometBFT handshake replays any block the app had not committed.
func Start(home string, o Options) (*Node, error) {
	c, err := LoadConfig(home)
	if err != nil {
		return nil, err
	}
	logger := cmtlog.NewTMLogger(cmtlog.NewSyncWriter(os.Stdout))
	if o.Quiet {
		logger = cmtlog.NewNopLogger()
	} else if logger, err = cmtflags.ParseLogLevel(c.LogLevel, logger, cfg.DefaultLogLevel); err != nil {
		return nil, fmt.Errorf("log_level: %w", err)
	}
	store, err := state.Open(AppDBDir(home))
	if err != nil {
		return nil, InUse(home, err)
	}
	a, err := app.New(store, app.Options{KeepVersions: keepVersions})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open the state in %s: %w (a home written by an older alephd may not open with this one: "+
			"export it with the binary that wrote it and init a new home from that genesis, or remove it to start over)", AppDBDir(home), err),
			store.Close())
	}
	nodeKey, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		return nil, errors.Join(fmt.Errorf("node key: %w", err), store.Close())
	}
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	ac, err := LoadAppConfig(home)
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	snaps := abci.Snapshots{Dir: filepath.Join(home, "data", "snapshots"), Interval: ac.SnapshotInterval, Keep: 2}
	if o.IPFSAPI != "" {
		ac.IPFSAPI = o.IPFSAPI
	}
	files, fetcher, err := openContent(home, ac)
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	if o.EthRPC != "" {
		ac.EthRPC = o.EthRPC
	}
	eth, err := openEthReader(c.GenesisFile(), ac.EthRPC, logger.With("module", "alephd"))
	if err != nil {
		return nil, errors.Join(err, files.Close(), store.Close())
	}
	abciApp := abci.New(a, snaps)
	abciApp.SetAttester(fetcher)
	if eth != nil {
		abciApp.SetEthReader(eth)
		// Read from where the committed state waits, before the first vote.
		if next, on, err := a.EthNext(); err == nil && on {
			eth.Want(next)
		}
	}
	abciApp.SetLogger(logger.With("module", "alephd"))
	prober := &laterProber{} // runs once the chain turns out to enable liveness
	abciApp.SetProber(prober)
	var recent *recentBlocks // the index's hand-off; only a node with an API has an index to feed
	if o.APIAddr != "" {
		recent = newRecentBlocks()
		abciApp.SetFinalized(recent.add)
	}
	dbs := &openDBs{}
	n, err := cmtnode.NewNode(c, pv, nodeKey,
		abci.ClientCreator(abciApp),
		cmtnode.DefaultGenesisDocProviderFunc(c),
		dbs.provide,
		metricsProvider(c.Instrumentation),
		logger)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("create CometBFT node: %w", err), files.Close(), store.Close())
	}
	idx, err := index.Open(IndexDir(home))
	if err != nil {
		return nil, errors.Join(err, files.Close(), store.Close())
	}
	if idx.Rebuilding {
		logger.Info("the query index was in an older format: rebuilding it from the block store")
	}
	if err := n.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("start CometBFT node: %w", err), idx.Close(), files.Close(), store.Close())
	}
	ctx, stop := context.WithCancel(context.Background())
	node := &Node{Config: c, App: a, Index: idx, RPC: rpclocal.New(n), cmt: n, store: store, dbs: dbs, stop: stop, done: make(chan struct{})}
	node.files = files
	pinner := fetch.NewPinner(fetcher, rpcChain{rpc: node.RPC, app: abciApp}, ContentDir(home))
	node.bg.Add(2)
	go func() { defer node.bg.Done(); fetcher.Run(ctx) }()
	if eth != nil {
		node.Eth = eth
		node.bg.Add(1)
		go func() { defer node.bg.Done(); eth.Run(ctx) }()
	}
	go func() {
		defer node.bg.Done()
		pinner.Run(ctx, pinPoll, func(msg string, kv ...any) { logger.Error(msg, kv...) })
	}()
	node.bg.Add(1)
	go func() {
		defer node.bg.Done()
		runProber(ctx, prober, abciApp, node.RPC, n.GenesisDoc().ChainID, ac, logger.With("module", "probe"))
	}()
	if o.APIAddr != "" {
		node.api = api.New(idx, apiBackend{node}, files)
		node.api.SetIPFS(fetcher.IPFS())
		node.APIAddress, err = node.api.Start(o.APIAddr)
		if err != nil {
			stop()
			node.bg.Wait()
			stopErr := n.Stop()
			n.Wait()
			dbs.closeAll()
			// Arguments are evaluated in order: the index, the content store, then the state.
			return nil, errors.Join(fmt.Errorf("start the HTTP API on %s: %w", o.APIAddr, err), stopErr, idx.Close(), files.Close(), store.Close())
		}
	}
	go func() { // catches up from the block store first, then follows
		defer close(node.done)
		if o.APIAddr == "" {
			return // the index serves the API only: a node without one skips the work
		}
		idx.Follow(ctx, blockSource{rpc: node.RPC, blocks: n.BlockStore(), app: abciApp, recent: recent}, indexPoll,
			func(msg string, kv ...any) { logger.Error(msg, kv...) })
	}()
	return node, nil
}

// RPCAddress is the CometBFT RPC listen address.
func (n *Node) RPCAddress() string { return n.Config.RPC.ListenAddress }

// Stop stops consensus and the index, and closes the state. A failure to
// stop the HTTP API or to close a store does not stop the rest of the
// shutdown; Stop returns every such error, joined.
func (n *Node) Stop() error {
	var apiErr error
	if n.api != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := n.api.Stop(ctx); err != nil {
			apiErr = fmt.Errorf("stop the HTTP API: %w", err)
		}
		cancel()
	}
	n.stop()
	<-n.done
	n.bg.Wait()
	if err := n.cmt.Stop(); err != nil {
		// Consensus may still be running on the stores: they stay open.
		return errors.Join(apiErr, err)
	}
	var idxErr, filesErr error
	if err := n.Index.Close(); err != nil {
		idxErr = fmt.Errorf("close the query index: %w", err)
	}
	n.cmt.Wait()
	n.dbs.closeAll()
	if err := n.files.Close(); err != nil {
		filesErr = fmt.Errorf("close the content store: %w", err)
	}
	return errors.Join(apiErr, idxErr, filesErr, n.store.Close())
}

// ExportGenesis opens a stopped node's home and returns its committed state
// as a genesis document that `alephd init --genesis` starts a chain from: same
// chain id and validators, starting at the next height.
func ExportGenesis(home string) (out *types.GenesisDoc, err error) {
	c, err := LoadConfig(home)
	if err != nil {
		return nil, err
	}
	doc, err := types.GenesisDocFromFile(c.GenesisFile())
	if err != nil {
		return nil, err
	}
	store, err := state.Open(AppDBDir(home))
	if err != nil {
		return nil, fmt.Errorf("open state (is the node still running?): %w", err)
	}
	defer func() { // a state that does not close cleanly is the caller's to know about
		if cerr := store.Close(); cerr != nil {
			out, err = nil, errors.Join(err, fmt.Errorf("close the state: %w", cerr))
		}
	}()
	a, err := app.New(store, app.Options{})
	if err != nil {
		return nil, err
	}
	appState, height, err := a.ExportGenesis()
	if err != nil {
		return nil, err
	}
	doc.AppState = appState
	doc.InitialHeight = height + 1
	// The validators are the set that signs the next height, which block
	// hooks may have changed since genesis.
	ci, err := a.ChainInfo(height + 1)
	if err != nil {
		return nil, err
	}
	if len(ci.Validators) > 0 {
		if doc.Validators, err = genesisValidators(ci.Validators, doc.Validators); err != nil {
			return nil, err
		}
	}
	if t := a.LastBlockTime(); t > 0 {
		doc.GenesisTime = time.Unix(0, t).UTC()
	}
	return doc, doc.ValidateAndComplete()
}

// genesisValidators is vals as a genesis document lists them, keeping the
// names the previous document gave them.
func genesisValidators(vals []app.Validator, previous []types.GenesisValidator) ([]types.GenesisValidator, error) {
	names := map[string]string{}
	for _, v := range previous {
		names[string(v.Address)] = v.Name
	}
	out := make([]types.GenesisValidator, len(vals))
	for i, v := range vals {
		var pk crypto.PubKey
		switch v.PubKeyType {
		case ed25519.KeyType:
			pk = ed25519.PubKey(v.PubKey)
		case secp256k1.KeyType:
			pk = secp256k1.PubKey(v.PubKey)
		default:
			return nil, fmt.Errorf("validator %X: key type %q", v.Address, v.PubKeyType)
		}
		out[i] = types.GenesisValidator{Address: pk.Address(), PubKey: pk, Power: v.Power, Name: names[string(v.Address)]}
	}
	return out, nil
}
