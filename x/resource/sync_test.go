package resource

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/alephd/alephd/state"
)

// TestKeyOrder: SyncFiles merges names in state key order (a uvarint
// length, then the bytes), not Go's string order: a 64-digit sha256 hash
// comes after a 59-character CIDv1 even when it sorts before it as a
// string, and lengths past 127 (two-byte uvarints) order as their keys do.
func TestKeyOrder(t *testing.T) {
	sha := strings.Repeat("0", 64)
	cid := "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
	if keyOrder(cid, sha) >= 0 || sha >= cid {
		t.Fatalf("keyOrder(%s, %s) = %d", cid, sha, keyOrder(cid, sha))
	}
	names := []string{sha, cid, "Qm" + strings.Repeat("a", 44), strings.Repeat("b", 128), strings.Repeat("a", 200), strings.Repeat("c", 256), "z"}
	byKey := slices.Clone(names)
	slices.SortFunc(byKey, func(a, b string) int {
		return bytes.Compare(state.NewKey(0x05, 0x03).String(a).Bytes(), state.NewKey(0x05, 0x03).String(b).Bytes())
	})
	got := slices.Clone(names)
	slices.SortFunc(got, keyOrder)
	if !slices.Equal(got, byKey) {
		t.Fatalf("keyOrder sorts %v, state keys %v", got, byKey)
	}
}
