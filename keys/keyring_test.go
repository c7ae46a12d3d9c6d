package keys_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/alephd/alephd/keys"
)

// TestAddNeverOverwrites: of several processes adding the same name at once,
// one wins and the others get ErrExists; the file holds the winner's key,
// readable by its owner only, and no temporary file is left behind.
func TestAddNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	var wg sync.WaitGroup
	added := make([]*keys.Key, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			added[i], errs[i] = keys.Open(dir).Add("alice", "")
		}()
	}
	wg.Wait()
	var winner *keys.Key
	for i := range n {
		switch {
		case errs[i] == nil && winner == nil:
			winner = added[i]
		case errs[i] == nil:
			t.Fatalf("two adds of alice succeeded: %s and %s", winner.Address, added[i].Address)
		case !errors.Is(errs[i], keys.ErrExists):
			t.Fatalf("add %d: %v", i, errs[i])
		}
	}
	if winner == nil {
		t.Fatal("no add of alice succeeded")
	}
	got, err := keys.Open(dir).Get("alice")
	if err != nil || got.Address != winner.Address {
		t.Fatalf("alice is %v (%v), the winner %s", got, err, winner.Address)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("keyring holds %d files, want 1", len(entries))
	}
	if st, err := os.Stat(filepath.Join(dir, "alice.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("alice.json: %v %v", st.Mode(), err)
	}
}
