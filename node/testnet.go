package node

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/probe"
)

// TestnetOptions describe a local multi-validator network.
type TestnetOptions struct {
	Validators int
	ChainID    string
	// BasePort: node i uses P2P BasePort+10i, RPC BasePort+10i+1.
	BasePort int
	// APIBasePort: node i serves its HTTP API on APIBasePort+i.
	APIBasePort   int
	TimeoutCommit time.Duration
	// MempoolSize is each node's mempool (0: TestnetMempoolSize).
	MempoolSize int
	// IPs, if set, gives node i its own address: it listens there on the
	// standard ports (26656 P2P, 26657 RPC, 4024 API), and peers dial it
	// there. For hosts in their own network namespaces.
	IPs []string
	// AppState is the network's app_state; nil is app.DevGenesis(): a test
	// network where every address has free personal storage.
	AppState json.RawMessage
	// Docker lays the network out for containers named node0, node1...:
	// each listens on all its interfaces on the standard ports (26656 P2P,
	// 26657 RPC, 4024 API) and finds its peers by host name.
	Docker bool
}

// TestnetMempoolSize is the mempool of a testnet's nodes, smaller than a
// lone node's (MempoolSize). After every block each node re-checks what is
// left in its mempool, on the consensus path: blocks wait for it. When the
// validators share one machine's cores, under a flood, that re-check of a
// full 10,000-message mempool made blocks several seconds apart; with 3,000
// a 4-validator localnet on 2 cores committed ~8% more (968-999 against
// 870-922 msgs/s over 60 s), with blocks ~2.6 s apart instead of ~7 s.
const TestnetMempoolSize = 3_000

// TestnetGossipPeers is how many of its peers each testnet node gossips
// mempool messages to (CometBFT's
// experimental_max_gossip_connections_to_persistent_peers; 0, its default,
// is all of them). In a full mesh every node otherwise sends each message to
// every peer that has not sent it, so each node receives most messages two or
// three times and pays for every copy: p2p decoding and a mempool cache
// lookup per copy, an encrypted write per frame. With a fan-out of two, a
// message still reaches the node it was sent to and at least two others, and
// commits when any of them proposes. A node that every peer left out (each
// gossips to the first two peers it met) sees others' messages only in
// blocks, and verifies them there, as it would have in CheckTx. On a
// 4-validator localnet on 2 cores,
// under a flood, it committed ~15% more (alternated 30 s floods: 1,107,
// 1,145, 994 against 958, 879, 975 msgs/s with every peer). Messages reach
// the next proposer a little later, so latency rises under a flood (p50
// 5.7-6.2 s against 4.2-5.0 s). A peer that disconnects frees its slot for
// another.
const TestnetGossipPeers = 2

// TestnetNode is one home of a testnet.
type TestnetNode struct {
	Home, P2P, RPC, API string
}

// Testnet writes one home per validator under dir: a shared genesis naming
// every validator, each node's peers, and distinct loopback ports, with what
// loopback networks need (allow_duplicate_ip, addr_book_strict off).
func Testnet(dir string, o TestnetOptions) ([]TestnetNode, error) {
	if o.Validators < 1 {
		return nil, fmt.Errorf("a testnet needs at least one validator")
	}
	mempoolSize := o.MempoolSize
	if mempoolSize <= 0 {
		mempoolSize = TestnetMempoolSize
	}
	var nodes []TestnetNode
	var vals []types.GenesisValidator
	var peers, urls []string
	for i := 0; i < o.Validators; i++ {
		n := TestnetNode{
			Home: filepath.Join(dir, fmt.Sprintf("node%d", i)),
			P2P:  fmt.Sprintf("127.0.0.1:%d", o.BasePort+10*i),
			RPC:  fmt.Sprintf("127.0.0.1:%d", o.BasePort+10*i+1),
			API:  fmt.Sprintf("127.0.0.1:%d", o.APIBasePort+i),
		}
		peerAddr := n.P2P
		if i < len(o.IPs) {
			n.P2P, n.RPC, n.API = o.IPs[i]+":26656", o.IPs[i]+":26657", o.IPs[i]+":4024"
			peerAddr = n.P2P
		}
		if o.Docker {
			n.P2P, n.RPC, n.API = "0.0.0.0:26656", "0.0.0.0:26657", "0.0.0.0:4024"
			peerAddr = fmt.Sprintf("node%d:26656", i)
		}
		if _, err := Init(n.Home, InitOptions{ChainID: o.ChainID, Moniker: fmt.Sprintf("node%d", i),
			RPCListen: "tcp://" + n.RPC, P2PListen: "tcp://" + n.P2P, TimeoutCommit: o.TimeoutCommit,
			MempoolSize: mempoolSize}); err != nil {
			return nil, err
		}
		c := cfg.DefaultConfig()
		c.SetRoot(n.Home)
		key, err := p2p.LoadNodeKey(c.NodeKeyFile())
		if err != nil {
			return nil, err
		}
		pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
		pub, err := pv.GetPubKey()
		if err != nil {
			return nil, err
		}
		vals = append(vals, types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 10, Name: fmt.Sprintf("node%d", i)})
		peers = append(peers, fmt.Sprintf("%s@%s", key.ID(), peerAddr))
		nodes = append(nodes, n)
		urls = append(urls, "http://"+dialable(n.API, i, o.Docker))
	}
	for i, n := range nodes {
		var others []string
		for j, u := range urls {
			if j != i {
				others = append(others, u)
			}
		}
		if err := SaveAppConfig(n.Home, AppConfig{APIAddr: n.API, SnapshotInterval: DefaultSnapshotInterval, ContentPeers: others}); err != nil {
			return nil, err
		}
	}
	doc := &types.GenesisDoc{
		ChainID: o.ChainID, GenesisTime: cmttime.Now().Truncate(time.Second), InitialHeight: 1,
		ConsensusParams: consensusParams(), Validators: vals, AppState: o.AppState,
	}
	if doc.AppState == nil {
		doc.AppState = app.DevGenesis()
	}
	// Each validator is a stake-backed CCN, so the set that stake gives
	// (x/node) is this one until stake moves it.
	var err error
	if doc.AppState, err = WithStakedValidators(doc.AppState, o.ChainID, vals); err != nil {
		return nil, err
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, err
	}
	for i, n := range nodes {
		c, err := LoadConfig(n.Home)
		if err != nil {
			return nil, err
		}
		var others []string
		for j, p := range peers {
			if j != i {
				others = append(others, p)
			}
		}
		c.P2P.PersistentPeers = strings.Join(others, ",")
		c.P2P.AllowDuplicateIP = true
		c.P2P.AddrBookStrict = false
		if len(others) > TestnetGossipPeers {
			c.Mempool.ExperimentalMaxGossipConnectionsToPersistentPeers = TestnetGossipPeers
		}
		cfg.WriteConfigFile(filepath.Join(n.Home, "config", "config.toml"), c)
		if err := doc.SaveAs(c.GenesisFile()); err != nil {
			return nil, err
		}
	}
	if o.Docker {
		if err := writeCompose(dir, nodes, o); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}

// writeCompose writes DIR/docker-compose.yml: one service per node, each
// with its home mounted, its RPC and API published on the host's loopback.
func writeCompose(dir string, nodes []TestnetNode, o TestnetOptions) error {
	var b strings.Builder
	b.WriteString("# Written by `alephd testnet --docker`. Build the image first:\n")
	b.WriteString("#   docker build -t alephd -f networks/Dockerfile .\n")
	b.WriteString("services:\n")
	for i := range nodes {
		fmt.Fprintf(&b, "  node%d:\n", i)
		b.WriteString("    image: alephd\n")
		fmt.Fprintf(&b, "    hostname: node%d\n", i)
		fmt.Fprintf(&b, "    command: [\"start\", \"--home\", \"/home/alephd\"]\n")
		fmt.Fprintf(&b, "    volumes: [\"./node%d:/home/alephd\"]\n", i)
		fmt.Fprintf(&b, "    ports: [\"127.0.0.1:%d:26657\", \"127.0.0.1:%d:4024\"]\n", o.BasePort+10*i+1, o.APIBasePort+i)
		b.WriteString("    networks: [alephd]\n")
	}
	b.WriteString("networks:\n  alephd: {}\n")
	return os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(b.String()), 0o644)
}

// dialable is where other nodes reach an API listening on addr.
func dialable(addr string, i int, docker bool) string {
	if docker {
		return fmt.Sprintf("node%d:4024", i)
	}
	return addr
}

// AppConfig is alephd's own part of a home's configuration (config/app.toml).
type AppConfig struct {
	// APIAddr is the HTTP API's host:port.
	APIAddr string
	// SnapshotInterval takes a state-sync snapshot every so many heights; 0
	// takes none.
	SnapshotInterval int64
	// IPFSAPI is a kubo daemon's RPC multiaddr; empty uses the embedded
	// IPFS store.
	IPFSAPI string
	// ContentPeers are other nodes' API base URLs, where this node fetches
	// the files of STOREs it does not hold, to attest them.
	ContentPeers []string
	// EthRPC is this validator's Ethereum RPC endpoint, where it reads the
	// ALEPH token genesis names; empty: the node attests no Ethereum range.
	EthRPC string
	// ProbeTimeout bounds one liveness probe of a resource node, answer
	// included, when the chain enables x/resource and this node validates
	// (0: probe.DefaultTimeout).
	ProbeTimeout time.Duration
}

// DefaultSnapshotInterval is how often a node snapshots its state by default.
const DefaultSnapshotInterval = 1000

func appConfigPath(home string) string { return filepath.Join(home, "config", "app.toml") }

// SaveAppConfig writes config/app.toml.
func SaveAppConfig(home string, c AppConfig) error {
	body := "# alephd settings (CometBFT's are in config.toml)\n" +
		"# HTTP API listen address; `alephd start --api-addr` overrides it.\n" +
		fmt.Sprintf("api_addr = %q\n", c.APIAddr) +
		"# Take a state-sync snapshot every N heights (0: none); new nodes restore from them.\n" +
		fmt.Sprintf("snapshot_interval = %d\n", c.SnapshotInterval) +
		"# A kubo daemon's RPC address (e.g. /ip4/127.0.0.1/tcp/5001) for IPFS content; empty: the embedded store.\n" +
		fmt.Sprintf("ipfs_api = %q\n", c.IPFSAPI) +
		"# Other nodes' API base URLs, comma-separated: where files of STOREs this node lacks are fetched.\n" +
		fmt.Sprintf("content_peers = %q\n", strings.Join(c.ContentPeers, ",")) +
		"# This validator's Ethereum RPC endpoint (http, ws or ipc), where it reads the ALEPH token genesis names\n" +
		"# (balance.params.ethereum); empty: it attests no Ethereum balances. `alephd start --eth-rpc` overrides it.\n" +
		fmt.Sprintf("eth_rpc = %q\n", c.EthRPC) +
		"# How long this validator waits for a resource node's signed answer to a liveness probe\n" +
		"# (chains with x/resource on); a node slower than this is not seen up by this validator.\n" +
		fmt.Sprintf("probe_timeout = %q\n", cmp.Or(c.ProbeTimeout, probe.DefaultTimeout).String())
	return os.WriteFile(appConfigPath(home), []byte(body), 0o644)
}

// LoadAppConfig reads config/app.toml; a home without one gets defaults.
func LoadAppConfig(home string) (AppConfig, error) {
	c := AppConfig{APIAddr: DefaultAPIAddr, SnapshotInterval: DefaultSnapshotInterval, ProbeTimeout: probe.DefaultTimeout}
	b, err := os.ReadFile(appConfigPath(home))
	if os.IsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch strings.TrimSpace(k) {
		case "api_addr":
			c.APIAddr = v
		case "ipfs_api":
			c.IPFSAPI = v
		case "eth_rpc":
			c.EthRPC = v
		case "content_peers":
			c.ContentPeers = nil
			for _, u := range strings.Split(v, ",") {
				if u = strings.TrimSpace(u); u != "" {
					c.ContentPeers = append(c.ContentPeers, u)
				}
			}
		case "snapshot_interval":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return c, fmt.Errorf("%s: snapshot_interval %q is not a number of heights", appConfigPath(home), v)
			}
			c.SnapshotInterval = n
		case "probe_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return c, fmt.Errorf("%s: probe_timeout %q is not a duration such as \"3s\"", appConfigPath(home), v)
			}
			c.ProbeTimeout = d
		}
	}
	return c, nil
}
