package node_test

import (
	"bytes"
	"slices"
	"testing"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/node"
)

// TestTestnetConfigs: every home `alephd testnet` writes holds what a
// loopback network needs, and the same p2p packet size (a node reads packets
// only up to its own size), larger than CometBFT's 1,024-byte default.
func TestTestnetConfigs(t *testing.T) {
	nodes, configs := writeTestnet(t, 3)
	for i, n := range nodes {
		c := configs[i]
		if !c.P2P.AllowDuplicateIP || c.P2P.AddrBookStrict {
			t.Errorf("%s: allow_duplicate_ip %v, addr_book_strict %v: loopback peers would be refused", n.Home, c.P2P.AllowDuplicateIP, c.P2P.AddrBookStrict)
		}
		if c.P2P.MaxPacketMsgPayloadSize != 10<<10 {
			t.Errorf("%s: max_packet_msg_payload_size %d, want 10240 on every node", n.Home, c.P2P.MaxPacketMsgPayloadSize)
		}
		if c.Mempool.Size != node.TestnetMempoolSize {
			t.Errorf("%s: mempool size %d, want %d", n.Home, c.Mempool.Size, node.TestnetMempoolSize)
		}
		if c.P2P.ListenAddress != "tcp://"+n.P2P || c.RPC.ListenAddress != "tcp://"+n.RPC {
			t.Errorf("%s: listens on %s and %s, want %s and %s", n.Home, c.P2P.ListenAddress, c.RPC.ListenAddress, n.P2P, n.RPC)
		}
	}
}

// TestTestnetGossipFanOut: a node with more peers than TestnetGossipPeers
// gossips mempool messages to only that many; with fewer it gossips to all
// (0, CometBFT's "no limit"), so a small network is never left with a peer
// that no one gossips to.
func TestTestnetGossipFanOut(t *testing.T) {
	for _, tc := range []struct{ validators, want int }{
		{3, 0},
		{4, node.TestnetGossipPeers},
		{6, node.TestnetGossipPeers},
	} {
		nodes, configs := writeTestnet(t, tc.validators)
		for i, n := range nodes {
			if got := configs[i].Mempool.ExperimentalMaxGossipConnectionsToPersistentPeers; got != tc.want {
				t.Errorf("%d validators, %s: gossips to %d persistent peers, want %d", tc.validators, n.Home, got, tc.want)
			}
		}
	}
}

// writeTestnet writes a testnet of n validators and loads each home's config.
func writeTestnet(t *testing.T, n int) ([]node.TestnetNode, []*cfg.Config) {
	t.Helper()
	nodes, err := node.Testnet(t.TempDir(), node.TestnetOptions{Validators: n, ChainID: "alephd-test", BasePort: 36000, APIBasePort: 36090})
	if err != nil {
		t.Fatal(err)
	}
	var configs []*cfg.Config
	for _, nd := range nodes {
		c, err := node.LoadConfig(nd.Home)
		if err != nil {
			t.Fatal(err)
		}
		configs = append(configs, c)
	}
	return nodes, configs
}

// TestTestnetValidatorsAreStakeBacked: every validator `alephd testnet`
// writes is a CCN that names its key and is staked past activation, so the
// set stake gives at InitChain is the genesis document's, each with the
// power of its stake.
func TestTestnetValidatorsAreStakeBacked(t *testing.T) {
	nodes, configs := writeTestnet(t, 3)
	doc, err := types.GenesisDocFromFile(configs[0].GenesisFile())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := apptest.Open(t)
	var genesis []app.Validator
	for _, v := range doc.Validators {
		genesis = append(genesis, app.Validator{Address: v.Address, PubKeyType: v.PubKey.Type(), PubKey: v.PubKey.Bytes(), Power: v.Power})
	}
	_, vals, err := a.InitChain(1, doc.GenesisTime.UnixNano(), doc.AppState, app.ChainInfo{ChainID: doc.ChainID, Validators: genesis})
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != len(nodes) {
		t.Fatalf("stake gives %d validators; the network has %d", len(vals), len(nodes))
	}
	for _, v := range doc.Validators {
		at := slices.IndexFunc(vals, func(s app.Validator) bool { return bytes.Equal(s.PubKey, v.PubKey.Bytes()) })
		if at < 0 || vals[at].Power != 500_000 {
			t.Errorf("validator %s: not in the set stake gives, or not with its stake's power: %+v", v.Name, vals)
		}
	}
}
