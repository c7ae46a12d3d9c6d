package node_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alephd/alephd/node"
	"github.com/alephd/alephd/probe"
)

// TestAppConfigProbeTimeout: app.toml's probe_timeout is written, read
// back, defaulted and checked.
func TestAppConfigProbeTimeout(t *testing.T) {
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	for saved, want := range map[time.Duration]time.Duration{0: probe.DefaultTimeout, 1500 * time.Millisecond: 1500 * time.Millisecond} {
		if err := node.SaveAppConfig(home, node.AppConfig{ProbeTimeout: saved}); err != nil {
			t.Fatal(err)
		}
		if ac, err := node.LoadAppConfig(home); err != nil || ac.ProbeTimeout != want {
			t.Fatalf("saved %v, read %v, %v", saved, ac.ProbeTimeout, err)
		}
	}
	if err := os.WriteFile(filepath.Join(home, "config", "app.toml"), []byte("probe_timeout = \"soon\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := node.LoadAppConfig(home); err == nil || !strings.Contains(err.Error(), "probe_timeout") {
		t.Fatalf("probe_timeout = \"soon\": %v", err)
	}
}
