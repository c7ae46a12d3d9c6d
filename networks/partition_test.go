package networks_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/node"
)

// hosts builds the project's own test hosts in network namespaces: nodes
// 0-1 on bridge A (10.77.1.0/24), nodes 2-3 on bridge B (10.77.2.0/24), a
// router namespace forwarding between the bridges, and this process on both
// bridges to reach every node's RPC. Turning the router's forwarding off
// splits the network 2/2.
type hosts struct {
	t      *testing.T
	tag    string
	router string
	ips    []string
}

func (h *hosts) ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

func (h *hosts) must(args ...string) {
	h.t.Helper()
	if err := h.ip(args...); err != nil {
		h.t.Fatal(err)
	}
}

// newHosts returns nil, and says why, where namespaces cannot be made.
func newHosts(t *testing.T) *hosts {
	b := make([]byte, 3)
	rand.Read(b)
	h := &hosts{t: t, tag: "al" + hex.EncodeToString(b)}
	if os.Geteuid() != 0 {
		t.Logf("network namespaces need root")
		return nil
	}
	if err := h.ip("netns", "add", h.tag+"r"); err != nil {
		t.Logf("network namespaces are unavailable here: %v", err)
		return nil
	}
	h.router = h.tag + "r"
	t.Cleanup(h.cleanup)
	for side := 1; side <= 2; side++ {
		br := fmt.Sprintf("%sb%d", h.tag, side)
		h.must("link", "add", br, "type", "bridge")
		h.must("addr", "add", fmt.Sprintf("10.77.%d.254/24", side), "dev", br)
		h.must("link", "set", br, "up")
		// the router's leg on this bridge
		veth := fmt.Sprintf("%sr%d", h.tag, side)
		h.must("link", "add", veth, "type", "veth", "peer", "name", veth+"p")
		h.must("link", "set", veth+"p", "netns", h.router)
		h.must("link", "set", veth, "master", br, "up")
		h.must("-n", h.router, "addr", "add", fmt.Sprintf("10.77.%d.1/24", side), "dev", veth+"p")
		h.must("-n", h.router, "link", "set", veth+"p", "up")
	}
	h.forward(true)
	for i := 0; i < 4; i++ {
		side := 1 + i/2
		ns := fmt.Sprintf("%sn%d", h.tag, i)
		ip := fmt.Sprintf("10.77.%d.%d", side, 10+i)
		h.must("netns", "add", ns)
		h.must("-n", ns, "link", "set", "lo", "up")
		veth := fmt.Sprintf("%sv%d", h.tag, i)
		h.must("link", "add", veth, "type", "veth", "peer", "name", veth+"p")
		h.must("link", "set", veth+"p", "netns", ns)
		h.must("link", "set", veth, "master", fmt.Sprintf("%sb%d", h.tag, side), "up")
		h.must("-n", ns, "addr", "add", ip+"/24", "dev", veth+"p")
		h.must("-n", ns, "link", "set", veth+"p", "up")
		h.must("-n", ns, "route", "add", "default", "via", fmt.Sprintf("10.77.%d.1", side))
		h.ips = append(h.ips, ip)
	}
	return h
}

// forward turns the router on (one network) or off (partitioned).
func (h *hosts) forward(on bool) {
	h.t.Helper()
	v := "0"
	if on {
		v = "1"
	}
	out, err := exec.Command("ip", "netns", "exec", h.router, "sysctl", "-w", "net.ipv4.ip_forward="+v).CombinedOutput()
	if err != nil {
		h.t.Fatalf("router forwarding: %v: %s", err, out)
	}
}

func (h *hosts) cleanup() {
	// Best effort: a setup that failed halfway made only some of these.
	for i := 0; i < 4; i++ {
		_ = h.ip("netns", "del", fmt.Sprintf("%sn%d", h.tag, i))
	}
	_ = h.ip("netns", "del", h.router)
	for side := 1; side <= 2; side++ {
		_ = h.ip("link", "del", fmt.Sprintf("%sb%d", h.tag, side))
		_ = h.ip("link", "del", fmt.Sprintf("%sr%d", h.tag, side))
	}
	for i := 0; i < 4; i++ {
		_ = h.ip("link", "del", fmt.Sprintf("%sv%d", h.tag, i))
	}
}

// TestPartition splits a 4-validator network 2/2 with network namespaces:
// neither side commits; healed, the chain commits again and every node
// agrees. Where namespaces cannot be made, this case alone is skipped.
func TestPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a network of alephd processes; make test runs it")
	}
	h := newHosts(t)
	if h == nil {
		t.Skip("network namespaces (ip netns, veth, bridges) are unavailable on this machine: the partition case needs them")
	}
	nodes, err := node.Testnet(t.TempDir(), node.TestnetOptions{Validators: 4, ChainID: "partition",
		IPs: h.ips, TimeoutCommit: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	nw := &network{t: t, nodes: nodes, procs: make([]*exec.Cmd, 4)}
	for _, n := range nodes {
		c, err := client.New("tcp://" + n.RPC)
		if err != nil {
			t.Fatal(err)
		}
		nw.rpc = append(nw.rpc, c)
	}
	for i := range nodes { // each node runs inside its namespace
		nw.startIn(i, fmt.Sprintf("%sn%d", h.tag, i))
	}
	t.Cleanup(func() {
		for i := range nw.procs {
			nw.signal(i, syscall.SIGKILL)
		}
	})
	nw.waitHeight(3, 60*time.Second, all(4)...)

	h.forward(false) // split 2/2
	time.Sleep(time.Second)
	stuck := [4]int64{}
	for i := range stuck {
		stuck[i] = nw.height(i)
	}
	time.Sleep(4 * time.Second)
	for i := range stuck {
		if got := nw.height(i); got > stuck[i]+1 {
			t.Fatalf("node %d committed while partitioned: %d -> %d", i, stuck[i], got)
		}
	}

	h.forward(true) // heal
	top := stuck[0]
	for _, s := range stuck {
		top = max(top, s)
	}
	nw.waitHeight(top+3, 90*time.Second, all(4)...)
	nw.agree(top+2, all(4)...)
}
