package gethtest

import (
	"testing"

	"github.com/alephd/alephd/internal/toolbin"
)

var geth = &toolbin.Tool{Name: "geth", Env: "ALEPHD_GETH", Script: "geth.sh"}

// Binary is the geth binary tests run: $ALEPHD_GETH, or the one
// scripts/geth.sh builds (about 5 minutes, the first time on a machine) and
// caches. A test that needs geth fails rather than skips without it: a real
// chain is the point of these tests.
func Binary(tb testing.TB) string { return geth.Path(tb) }
