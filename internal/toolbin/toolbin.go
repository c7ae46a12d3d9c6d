// Package toolbin finds the external binaries process-level tests run
// (kubo, geth): the path an environment variable names, or the one a
// script in scripts/ builds once from its Go module and caches. It
// imports nothing of alephd, so any test helper can use it.
package toolbin

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

// Tool is one binary: Env overrides the path, Script (under scripts/)
// builds it and prints its path.
type Tool struct {
	Name, Env, Script string

	once sync.Once
	bin  string
	err  error
}

// Path is the tool's binary, found or built once per test process. A test
// that needs the tool fails rather than skips without it: the real tool is
// the point of such tests.
func (t *Tool) Path(tb testing.TB) string {
	tb.Helper()
	t.once.Do(func() {
		if t.bin = os.Getenv(t.Env); t.bin != "" {
			return
		}
		var stderr bytes.Buffer
		_, self, _, _ := runtime.Caller(0)
		cmd := exec.Command(filepath.Join(filepath.Dir(self), "..", "..", "scripts", t.Script))
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.err, t.bin = err, stderr.String()
			return
		}
		t.bin = strings.TrimSpace(string(out))
	})
	if t.err != nil {
		tb.Fatalf("no %s: set %s or fix scripts/%s: %v\n%s", t.Name, t.Env, t.Script, t.err, t.bin)
	}
	return t.bin
}
