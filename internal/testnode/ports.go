package testnode

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// FreeAddr returns a loopback host:port nobody listens on right now, below
// the kernel's ephemeral range (see FreePorts).
func FreeAddr(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("127.0.0.1:%d", FreePorts(t, 1))
}

// FreePorts returns the first of n consecutive loopback ports nobody listens
// on right now and no other test holds; the first is a multiple of 10.
//
// They are taken below the kernel's ephemeral range: a node started as a
// separate process binds its ports seconds later, while nodes already running
// dial each other, and an outgoing connection's source port, drawn from that
// range, could take one first (a CI run lost a 4-validator test so).
//
// A port is free when drawn, but its node binds it later, so two draws in that
// gap could pick the same port: two addresses of one node, or two test
// binaries of `go test ./...` running side by side (a CI run lost a test so).
// Each port handed out is therefore reserved until its test ends: in this
// process, and across processes by a file in the temporary directory.
func FreePorts(t testing.TB, n int) int {
	t.Helper()
	const lowest = 10000
	top := ephemeralStart() - n
	if top <= lowest {
		t.Fatalf("no room for %d ports below the ephemeral port range", n)
	}
	for try := 0; try < 100; try++ {
		base := lowest + rand.Intn(top-lowest)/10*10
		if !free(base, n) {
			continue
		}
		if release, ok := reserve(base, n); ok {
			t.Cleanup(release)
			return base
		}
	}
	t.Fatalf("no %d free loopback ports", n)
	return 0
}

func free(base, n int) bool {
	for p := base; p < base+n; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		_ = l.Close() // only a probe that the port is free
	}
	return true
}

var (
	reservedMu sync.Mutex
	reserved   = map[int]bool{} // ports this process handed out to running tests
)

// staleReservation is the age past which another process's reservation is
// taken to be left over from a test binary that was killed.
const staleReservation = time.Hour

// reserve claims ports base..base+n-1 for this process and returns what
// gives them back; false if any is held already.
func reserve(base, n int) (release func(), ok bool) {
	reservedMu.Lock()
	defer reservedMu.Unlock()
	dir := filepath.Join(os.TempDir(), "alephd-test-ports")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, false
	}
	var files []string
	undo := func() {
		for _, f := range files {
			_ = os.Remove(f) // best effort: a stale reservation is taken over later
		}
	}
	for p := base; p < base+n; p++ {
		f := filepath.Join(dir, strconv.Itoa(p))
		if reserved[p] || !claim(f) {
			undo()
			return nil, false
		}
		files = append(files, f)
	}
	for p := base; p < base+n; p++ {
		reserved[p] = true
	}
	return func() {
		reservedMu.Lock()
		defer reservedMu.Unlock()
		undo()
		for p := base; p < base+n; p++ {
			delete(reserved, p)
		}
	}, true
}

// claim creates the reservation file f, or takes it over when it is stale.
func claim(f string) bool {
	h, err := os.OpenFile(f, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err == nil {
		_ = h.Close() // an empty file: its name is the reservation
		return true
	}
	if !errors.Is(err, fs.ErrExist) {
		return false
	}
	info, err := os.Stat(f)
	if err != nil || time.Since(info.ModTime()) < staleReservation {
		return false
	}
	now := time.Now()
	return os.Chtimes(f, now, now) == nil
}

// ephemeralStart is the first port of the kernel's ephemeral range, from
// which outgoing connections take their source ports (Linux's default start
// where it cannot be read).
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil || lo <= 0 {
		return 32768
	}
	return lo
}
