package networks_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"gopkg.in/yaml.v3"

	"github.com/alephd/alephd/node"
)

// TestDockerCompose checks the deployment `alephd testnet --docker` writes
// (Docker itself does not run here): one service per validator mounting its
// home, RPC and API published on the host's loopback, every node listening
// on its container's interfaces, peering with the others by host name, and
// all sharing one genesis.
func TestDockerCompose(t *testing.T) {
	dir := t.TempDir()
	const n = 4
	if _, err := node.Testnet(dir, node.TestnetOptions{Validators: n, ChainID: "compose", BasePort: 26600, APIBasePort: 4100, Docker: true}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image    string   `yaml:"image"`
			Hostname string   `yaml:"hostname"`
			Command  []string `yaml:"command"`
			Volumes  []string `yaml:"volumes"`
			Ports    []string `yaml:"ports"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("docker-compose.yml is not YAML: %v", err)
	}
	if len(compose.Services) != n {
		t.Fatalf("%d services, want %d", len(compose.Services), n)
	}
	ids := map[string]string{}
	var genesis []byte
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("node%d", i)
		home := filepath.Join(dir, name)
		c := cfg.DefaultConfig()
		c.SetRoot(home)
		key, err := p2p.LoadNodeKey(c.NodeKeyFile())
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = string(key.ID())
		g, _ := os.ReadFile(c.GenesisFile())
		if genesis == nil {
			genesis = g
		} else if !bytes.Equal(g, genesis) {
			t.Fatalf("%s has another genesis", name)
		}
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("node%d", i)
		svc, ok := compose.Services[name]
		if !ok || svc.Image != "alephd" || svc.Hostname != name {
			t.Fatalf("service %s: %+v", name, svc)
		}
		if len(svc.Volumes) != 1 || svc.Volumes[0] != "./"+name+":/home/alephd" || strings.Join(svc.Command, " ") != "start --home /home/alephd" {
			t.Fatalf("service %s does not run its own home: %+v", name, svc)
		}
		wantPorts := []string{fmt.Sprintf("127.0.0.1:%d:26657", 26600+10*i+1), fmt.Sprintf("127.0.0.1:%d:4024", 4100+i)}
		if strings.Join(svc.Ports, ",") != strings.Join(wantPorts, ",") {
			t.Fatalf("service %s ports %v, want %v", name, svc.Ports, wantPorts)
		}
		c, err := node.LoadConfig(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if c.P2P.ListenAddress != "tcp://0.0.0.0:26656" || c.RPC.ListenAddress != "tcp://0.0.0.0:26657" {
			t.Fatalf("%s listens on %s / %s", name, c.P2P.ListenAddress, c.RPC.ListenAddress)
		}
		var want []string
		for j := 0; j < n; j++ {
			if j != i {
				peer := fmt.Sprintf("node%d", j)
				want = append(want, ids[peer]+"@"+peer+":26656")
			}
		}
		got := strings.Split(c.P2P.PersistentPeers, ",")
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s peers %v, want %v", name, got, want)
		}
		ac, err := node.LoadAppConfig(filepath.Join(dir, name))
		if err != nil || ac.APIAddr != "0.0.0.0:4024" {
			t.Fatalf("%s API %q %v", name, ac.APIAddr, err)
		}
	}
}
