// Package kubotest runs a real kubo daemon for tests: offline, on loopback,
// in a temporary repo, stopped by its pid when the test ends. The binary is
// $ALEPHD_KUBO or the one scripts/kubo.sh builds from kubo's Go module and
// caches.
package kubotest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/internal/toolbin"
)

var kubo = &toolbin.Tool{Name: "kubo", Env: "ALEPHD_KUBO", Script: "kubo.sh"}

// Binary is the ipfs binary the tests compare against: $ALEPHD_KUBO, or
// the one scripts/kubo.sh builds (a few minutes, the first time on a
// machine) and caches. A test that needs kubo fails rather than skips
// without it: its comparisons are the point of these tests.
func Binary(t testing.TB) string { return kubo.Path(t) }

// Daemon is a kubo daemon of the test's own, offline, on loopback ports
// that the kernel picks (the "test" profile).
type Daemon struct {
	Bin, Repo string
	API       string // multiaddr, from $IPFS_PATH/api
}

// Start inits a repo in a temp dir, applies config (key, JSON value)
// pairs, starts `ipfs daemon --offline` and stops it, by its pid, at the
// end of the test.
func Start(t *testing.T, config ...string) *Daemon {
	t.Helper()
	d := &Daemon{Bin: Binary(t), Repo: t.TempDir()}
	d.Run(t, "init", "--profile=test")
	for i := 0; i+1 < len(config); i += 2 {
		d.Run(t, "config", "--json", config[i], config[i+1])
	}
	log, err := os.Create(filepath.Join(d.Repo, "daemon.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(d.Bin, "daemon", "--offline")
	cmd.Env = d.env()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited closes when the daemon has exited; waitErr is read only after.
	// A closed channel, unlike a sent value, can be waited on twice: by the
	// start-up loop below and by the cleanup.
	var waitErr error
	exited := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		_ = log.Close() // read by name, after a failure
		close(exited)
	}()
	t.Cleanup(func() {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Logf("interrupt kubo: %v", err) // it may have exited already
		}
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			if err := cmd.Process.Kill(); err != nil {
				t.Logf("kill kubo: %v", err)
			}
			<-exited
		}
	})
	// The daemon writes $IPFS_PATH/api once its API listens.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(d.Repo, "api")); err == nil && len(b) > 0 {
			d.API = strings.TrimSpace(string(b))
			return d
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("kubo daemon exited: %v\n%s", waitErr, b)
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("kubo daemon not ready after 60 s:\n%s", b)
		}
	}
}

func (d *Daemon) env() []string {
	return append(os.Environ(), "IPFS_PATH="+d.Repo, "IPFS_TELEMETRY=off", "DO_NOT_TRACK=1")
}

// Run runs the ipfs CLI against the daemon's repo and returns its stdout.
func (d *Daemon) Run(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(d.Bin, args...)
	cmd.Env = d.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ipfs %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}
