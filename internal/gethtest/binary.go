package gethtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var geth struct {
	once sync.Once
	bin  string
	err  error
}

// Binary is the geth binary tests run: $ALEPHD_GETH, or the one
// scripts/geth.sh builds (about 5 minutes, the first time on a machine) and
// caches. A test that needs geth fails rather than skips without it: a real
// chain is the point of these tests.
func Binary(tb testing.TB) string {
	tb.Helper()
	geth.once.Do(func() {
		if geth.bin = os.Getenv("ALEPHD_GETH"); geth.bin != "" {
			return
		}
		var stderr bytes.Buffer
		_, self, _, _ := runtime.Caller(0)
		cmd := exec.Command(filepath.Join(filepath.Dir(self), "..", "..", "scripts", "geth.sh"))
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			geth.err = err
			geth.bin = stderr.String()
			return
		}
		geth.bin = strings.TrimSpace(string(out))
	})
	if geth.err != nil {
		tb.Fatalf("no geth: set ALEPHD_GETH or fix scripts/geth.sh: %v\n%s", geth.err, geth.bin)
	}
	return geth.bin
}
