package networks_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/crn"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/node"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	xnode "github.com/alephd/alephd/x/node"
)

// ownedBy gives validator i's CCN, as node.Testnet writes it (its owner an
// address derived from the chain id, whose key nobody holds), to owners[i]
// instead, with the owner's balance: so a test can sign what only a CCN's
// owner may, such as linking a resource node to it. Every home gets the
// same genesis, before any node starts.
func ownedBy(t *testing.T, owners []*ecdsa.PrivateKey) func([]node.TestnetNode) {
	return func(nodes []node.TestnetNode) {
		t.Helper()
		path := filepath.Join(nodes[0].Home, "config", "genesis.json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc, parts map[string]json.RawMessage
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(doc["app_state"], &parts); err != nil {
			t.Fatal(err)
		}
		var ng xnode.Genesis
		var bg balance.Genesis
		if err := json.Unmarshal(parts["node"], &ng); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(parts["balance"], &bg); err != nil {
			t.Fatal(err)
		}
		moved := map[string]string{} // derived owner -> new owner
		for j, raw := range ng.Nodes {
			var rec pb.NodeRecord
			if err := protojson.Unmarshal(raw, &rec); err != nil {
				t.Fatal(err)
			}
			for i, k := range owners {
				if rec.Name == fmt.Sprintf("node%d", i) && rec.Kind == pb.NodeKind_NODE_KIND_CORE {
					to := crypto.PubkeyToAddress(k.PublicKey).Hex()
					moved[balance.Canonical(rec.Owner)] = to
					rec.Owner = to
				}
			}
			if ng.Nodes[j], err = protojson.Marshal(&rec); err != nil {
				t.Fatal(err)
			}
		}
		if len(moved) != len(owners) {
			t.Fatalf("genesis has %d of the %d validators' CCNs", len(moved), len(owners))
		}
		for j, e := range bg.Balances {
			if to, ok := moved[balance.Canonical(e.Address)]; ok {
				bg.Balances[j].Address = to
			}
		}
		parts["node"], _ = json.Marshal(ng)    // a struct of JSON values
		parts["balance"], _ = json.Marshal(bg) // likewise
		if doc["app_state"], err = json.Marshal(parts); err != nil {
			t.Fatal(err)
		}
		if b, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			if err := os.WriteFile(filepath.Join(n.Home, "config", "genesis.json"), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// crnNode is a resource node: an `alephd crn` home and, while it runs, its
// `alephd crn start` process. It follows validator ccn's API and is
// linked to that validator's CCN.
type crnNode struct {
	t      *testing.T
	name   string
	home   string
	listen string
	hash   string
	ccn    int
	cmd    *exec.Cmd
}

// alephdCmd runs the alephd binary and returns its standard output.
func alephdCmd(t *testing.T, args ...string) []byte {
	t.Helper()
	var stderr strings.Builder
	cmd := exec.Command(testnode.Alephd(t), args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("alephd %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return out
}

// addCRN makes a resource node's home (`alephd crn init`), registers it
// (`alephd crn register`, signed by its own key) and has owner, who owns
// validator ccn's CCN, link it there. It listens on host (a loopback
// address of its own).
func (nw *network) addCRN(name, host string, ccn int, owner *ecdsa.PrivateKey) *crnNode {
	nw.t.Helper()
	// Each on its own loopback address: x/node keeps one resource node's
	// URL per host name (the others' are stored empty, as nodestatus does),
	// and validators probe a node at its URL.
	_, port, err := net.SplitHostPort(testnode.FreeAddr(nw.t))
	if err != nil {
		nw.t.Fatal(err)
	}
	c := &crnNode{t: nw.t, name: name, home: filepath.Join(nw.t.TempDir(), name), listen: net.JoinHostPort(host, port), ccn: ccn}
	alephdCmd(nw.t, "crn", "init", "--home", c.home, "--ccn", "http://"+nw.nodes[ccn].API, "--listen", c.listen)
	var reg client.Result
	out := alephdCmd(nw.t, "crn", "register", "--home", c.home, "--node", "tcp://"+nw.nodes[ccn].RPC, "--capacity", "1073741824", "--name", name)
	if err := json.Unmarshal(out, &reg); err != nil || !reg.OK() {
		nw.t.Fatalf("crn register %s: %s %v", name, out, err)
	}
	c.hash = reg.ItemHash
	nw.nodeOp(ccn, owner, xnode.ActionLink, c.hash, nil)
	return c
}

// start runs `alephd crn start`, syncing with its CCN every 200 ms.
func (c *crnNode) start() {
	c.t.Helper()
	f, err := os.OpenFile(filepath.Join(c.home, "crn.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // the child holds its own descriptor
	c.cmd = exec.Command(testnode.Alephd(c.t), "crn", "start", "--home", c.home, "--interval", "200ms")
	c.cmd.Stdout, c.cmd.Stderr = f, f
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
}

// signal sends sig to the process's pid and waits for it to exit.
func (c *crnNode) signal(sig syscall.Signal) {
	if c.cmd != nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(sig)
		_, _ = c.cmd.Process.Wait()
	}
	c.cmd = nil
}

func (c *crnNode) tail() string {
	b, _ := os.ReadFile(filepath.Join(c.home, "crn.log"))
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// status is the node's /status, and whether it answered.
func (c *crnNode) status() (crn.Status, bool) {
	var s crn.Status
	return s, getJSON("http://"+c.listen+"/status", &s) == http.StatusOK
}

// waitStatus polls /status until ok holds.
func (c *crnNode) waitStatus(timeout time.Duration, what string, ok func(crn.Status) bool) crn.Status {
	c.t.Helper()
	var s crn.Status
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		var up bool
		if s, up = c.status(); up && ok(s) {
			return s
		}
	}
	b, _ := json.MarshalIndent(s, "", " ")
	c.t.Fatalf("%s: never %s:\n%s\n%s", c.name, what, b, c.tail())
	return s
}

// files lists the files the chain assigns node hash, from validator i's
// /api/v0/compute/{hash}/files.
func (nw *network) files(i int, hash string) app.ResourceFilesView {
	nw.t.Helper()
	var v app.ResourceFilesView
	if code := getJSON("http://"+nw.nodes[i].API+"/api/v0/compute/"+hash+"/files", &v); code != http.StatusOK {
		nw.t.Fatalf("compute/%s/files on node %d: %d", hash, i, code)
	}
	return v
}

// challenges lists node hash's open challenges, from validator i.
func (nw *network) challenges(i int, hash string) app.ResourceChallengesView {
	nw.t.Helper()
	var v app.ResourceChallengesView
	if code := getJSON("http://"+nw.nodes[i].API+"/api/v0/compute/"+hash+"/challenges", &v); code != http.StatusOK {
		nw.t.Fatalf("compute/%s/challenges on node %d: %d", hash, i, code)
	}
	return v
}

// score is node hash's score window on validator i (`alephd query
// crn-score`'s answer), or nil before any epoch judged it.
func (nw *network) score(i int, hash string) *app.ResourceScoreView {
	nw.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q, err := nw.rpc[i].Query(ctx, app.PathResourceScore, []byte(hash), 0, false)
	if err != nil {
		return nil // a node busy or restarting: the caller polls
	}
	var v *app.ResourceScoreView
	if err := json.Unmarshal(q.Value, &v); err != nil {
		nw.t.Fatalf("crn-score %s: %s: %v", hash, q.Value, err)
	}
	return v
}

// waitScore polls c's score on its validator until ok holds.
func (nw *network) waitScore(c *crnNode, timeout time.Duration, what string, ok func(*app.ResourceScoreView) bool) *app.ResourceScoreView {
	nw.t.Helper()
	var v *app.ResourceScoreView
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		if v = nw.score(c.ccn, c.hash); v != nil && ok(v) {
			return v
		}
	}
	b, _ := json.Marshal(v)
	nw.t.Fatalf("%s: its score never %s: %s\n%s", c.name, what, b, c.tail())
	return v
}

func getJSON(url string, out any) int {
	res, err := http.Get(url) //nolint:gosec,noctx // a test's own servers
	if err != nil {
		return 0
	}
	defer res.Body.Close() //nolint:errcheck // read only
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return 0
	}
	return res.StatusCode
}
