package testnode

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// alephdPkg is what Alephd builds.
const alephdPkg = "github.com/alephd/alephd/cmd/alephd"

var alephd struct {
	once sync.Once
	dir  string // the temporary directory holding the binary
	bin  string
	err  error
	out  []byte // go build's output when it failed
}

// Alephd returns the path of an alephd binary for tests that run it as a
// process. It is built from this module's cmd/alephd on the first call, into
// a temporary directory shared by the package's tests; a package that calls
// Alephd runs its tests through Main, which removes the directory. Nothing
// is built when no test asks, as under -short, where such tests skip.
func Alephd(t testing.TB) string {
	t.Helper()
	alephd.once.Do(func() {
		if alephd.dir, alephd.err = os.MkdirTemp("", "alephd-bin"); alephd.err != nil {
			return
		}
		bin := filepath.Join(alephd.dir, "alephd")
		if alephd.out, alephd.err = exec.Command("go", "build", "-o", bin, alephdPkg).CombinedOutput(); alephd.err == nil {
			alephd.bin = bin
		}
	})
	if alephd.err != nil {
		t.Fatalf("build alephd: %v\n%s", alephd.err, alephd.out)
	}
	return alephd.bin
}

// Main is the TestMain of a package whose tests call Alephd: it runs the
// tests, removes the binary if one was built and returns m.Run's code.
//
//	func TestMain(m *testing.M) { os.Exit(testnode.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if alephd.dir != "" {
		_ = os.RemoveAll(alephd.dir) // a temporary build directory: best effort
	}
	return code
}
