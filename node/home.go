package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
	"github.com/spf13/viper"

	"github.com/alephd/alephd/app"
)

// DefaultHome is where a node lives without --home: $ALEPHD_HOME, or ~/.alephd.
func DefaultHome() string {
	if h := os.Getenv("ALEPHD_HOME"); h != "" {
		return h
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".alephd"
	}
	return filepath.Join(home, ".alephd")
}

// AppDBDir is where the state tree lives inside a home.
func AppDBDir(home string) string { return filepath.Join(home, "data", "app") }

// InitOptions shape a new home.
type InitOptions struct {
	ChainID string
	Moniker string
	// Genesis, if set, is an existing genesis document to join or restart
	// from (an `alephd export`); otherwise a new one is written with this
	// node as the only validator.
	Genesis string
	// PrivValidatorKey, if set, is a priv_validator_key.json to use instead
	// of a new key: a validator restarting from an export keeps its key.
	PrivValidatorKey string
	// RPCListen and P2PListen override the default loopback addresses.
	RPCListen, P2PListen string
	// TimeoutCommit overrides CometBFT's pause after each block (1s).
	TimeoutCommit time.Duration
	// MempoolSize overrides how many messages the mempool holds (0:
	// MempoolSize).
	MempoolSize int
	// PersistentPeers ("id@host:port,...") are the nodes to join.
	PersistentPeers string
	// AppState is the app_state of a new chain; nil is app.DefaultGenesis().
	AppState json.RawMessage
	// StakedValidator makes a new chain's validator a stake-backed core
	// channel node (WithStakedValidators), as the dev chain's is.
	StakedValidator bool
}

// IsInitialized reports whether home has a config and a genesis.
func IsInitialized(home string) bool {
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	_, err1 := os.Stat(filepath.Join(home, "config", "config.toml"))
	_, err2 := os.Stat(c.GenesisFile())
	return err1 == nil && err2 == nil
}

// InUse explains err when it is a database another process holds locked:
// Pebble takes an exclusive lock on each store a node opens.
func InUse(home string, err error) error {
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return fmt.Errorf("%s is in use: is another alephd running on this home? Stop it first (%w)", home, err)
	}
	return err
}

// MempoolSize is how many messages a node's mempool holds.
const MempoolSize = 10_000

// maxPacketPayload is the largest p2p packet payload a node sends and reads
// (CometBFT's default is 1,024 bytes).
const maxPacketPayload = 10 << 10

// DefaultConfig is CometBFT's default with alephd's choices: loopback only,
// room for thousands of messages per block, and 1 MiB transactions.
func DefaultConfig(home, moniker string) *cfg.Config {
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	c.Moniker = moniker
	c.LogLevel = "state:info,*:error"
	c.RPC.ListenAddress = "tcp://127.0.0.1:26657"
	c.RPC.MaxBodyBytes = 4 << 20
	c.P2P.ListenAddress = "tcp://127.0.0.1:26656"
	// CometBFT's 5 MB/s per connection cannot carry a full 4 MB block to
	// three peers within a round while the mempool gossips as much; at
	// 1,000 messages/s a 4-validator localnet stalled for seconds at a time.
	c.P2P.SendRate = 20 << 20
	c.P2P.RecvRate = 20 << 20
	// Packets of up to 10 KB instead of 1 KB: a 64 KB block part goes in 7
	// packets, not 64, and a flooded 4-validator localnet committed ~6%
	// more (alternated runs). A node reads packets only up to its own size,
	// so every node of a network needs at least the largest any peer sends.
	c.P2P.MaxPacketMsgPayloadSize = maxPacketPayload
	// The mempool holds a few seconds of full load. A deeper one only
	// stores a backlog the chain cannot work off: under a flood, every
	// validator re-checks all of it after each block and gossips it to every
	// peer, and a 4-validator localnet stalled with 40,000 waiting. Full,
	// the mempool refuses new messages, which tells senders to slow down.
	c.Mempool.Size = MempoolSize
	c.Mempool.CacheSize = 200_000
	c.Mempool.MaxTxBytes = app.MaxTxBytes
	c.Mempool.MaxTxsBytes = 1 << 30
	// CometBFT's metrics are served by the API at /metrics; no server of its own.
	c.Instrumentation.PrometheusListenAddr = "127.0.0.1:26660"
	return c
}

// Init creates home: config.toml, node and validator keys, and genesis.
func Init(home string, o InitOptions) (*types.GenesisDoc, error) {
	if IsInitialized(home) {
		return nil, fmt.Errorf("%s is already initialized; choose another --home or remove it", home)
	}
	if o.Moniker == "" {
		o.Moniker = "alephd"
	}
	c := DefaultConfig(home, o.Moniker)
	if o.RPCListen != "" {
		c.RPC.ListenAddress = o.RPCListen
	}
	if o.P2PListen != "" {
		c.P2P.ListenAddress = o.P2PListen
	}
	if o.TimeoutCommit > 0 {
		c.Consensus.TimeoutCommit = o.TimeoutCommit
	}
	if o.MempoolSize > 0 {
		c.Mempool.Size = o.MempoolSize
	}
	if o.PersistentPeers != "" {
		c.P2P.PersistentPeers = o.PersistentPeers
		c.P2P.AllowDuplicateIP = true // peers on one host, as in a local network
		c.P2P.AddrBookStrict = false
	}
	for _, dir := range []string{filepath.Join(home, "config"), filepath.Join(home, "data"), KeyringDir(home)} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), c)
	if _, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile()); err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	var pv *privval.FilePV
	if o.PrivValidatorKey != "" {
		key, err := os.ReadFile(o.PrivValidatorKey)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(c.PrivValidatorKeyFile(), key, 0o600); err != nil {
			return nil, err
		}
		// A fresh signing state: the new chain has signed nothing yet.
		pv = privval.LoadFilePVEmptyState(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
		pv.Save()
	} else {
		pv = privval.LoadOrGenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	}

	if o.Genesis != "" {
		doc, err := types.GenesisDocFromFile(o.Genesis)
		if err != nil {
			return nil, fmt.Errorf("read genesis %s: %w", o.Genesis, err)
		}
		// Refuse now what InitChain would refuse at the first start.
		if err := app.ValidateGenesis(doc.AppState); err != nil {
			return nil, fmt.Errorf("genesis %s: app_state: %w", o.Genesis, err)
		}
		return doc, doc.SaveAs(c.GenesisFile())
	}
	if o.ChainID == "" {
		return nil, errors.New("a new chain needs --chain-id")
	}
	pub, err := pv.GetPubKey()
	if err != nil {
		return nil, err
	}
	doc := &types.GenesisDoc{
		ChainID:         o.ChainID,
		GenesisTime:     cmttime.Now().Truncate(time.Second),
		InitialHeight:   1,
		ConsensusParams: consensusParams(),
		Validators:      []types.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: o.Moniker}},
		AppState:        o.AppState,
	}
	if doc.AppState == nil {
		doc.AppState = app.DefaultGenesis()
	}
	if o.StakedValidator {
		var err error
		if doc.AppState, err = WithStakedValidators(doc.AppState, o.ChainID, doc.Validators); err != nil {
			return nil, err
		}
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, err
	}
	return doc, doc.SaveAs(c.GenesisFile())
}

// maxBlockBytes caps a block at about 6,000 messages: CometBFT's 21 MB
// default lets a proposer under load build blocks that a network of several
// validators cannot gossip within a round, and consensus stalls.
const maxBlockBytes = app.MaxBlockBytes

// consensusParams are CometBFT's defaults with alephd's block size, and vote
// extensions from the first height.
func consensusParams() *types.ConsensusParams {
	p := types.DefaultConsensusParams()
	p.Block.MaxBytes = maxBlockBytes
	// Validators attest STORE files in their vote extensions (abci/availability.go).
	p.ABCI.VoteExtensionsEnableHeight = 1
	return p
}

// LoadConfig reads home's config.toml.
func LoadConfig(home string) (*cfg.Config, error) {
	if !IsInitialized(home) {
		return nil, fmt.Errorf("%s is not an alephd home: run `alephd init --home %s --chain-id ID` (or `alephd start --dev`)", home, home)
	}
	v := viper.New()
	v.SetConfigFile(filepath.Join(home, "config", "config.toml"))
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c := cfg.DefaultConfig()
	if err := v.Unmarshal(c); err != nil {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	c.SetRoot(home)
	if err := c.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("config %s: %w", v.ConfigFileUsed(), err)
	}
	return c, nil
}
