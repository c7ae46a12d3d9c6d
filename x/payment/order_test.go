package payment

import (
	"slices"
	"testing"

	"github.com/alephd/alephd/state"
)

// TestChargeOrder lists charges out of transaction order (as a genesis
// import does), takes some out, and reads the order back both ways; the
// key of a block goes with its last charge.
func TestChargeOrder(t *testing.T) {
	s, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	kv := s.Working()
	p := payer{kindAddress, "0xabc"}
	for _, c := range []struct {
		height int64
		e      orderEntry
	}{{7, orderEntry{3, "c"}}, {7, orderEntry{1, "a"}}, {7, orderEntry{9, "d"}}, {7, orderEntry{2, "bb"}}, {5, orderEntry{0, "old"}}, {9, orderEntry{4, "new"}}} {
		if err := listCharge(kv, p, c.height, c.e); err != nil {
			t.Fatal(err)
		}
	}
	walk := func(newestFirst bool) []string {
		var got []string
		if err := walkOrder(kv, p, newestFirst, func(h string) bool { got = append(got, h); return true }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got, want := walk(false), []string{"old", "a", "bb", "c", "d", "new"}; !slices.Equal(got, want) {
		t.Fatalf("oldest first: %v, want %v", got, want)
	}
	if got, want := walk(true), []string{"new", "d", "c", "bb", "a", "old"}; !slices.Equal(got, want) {
		t.Fatalf("newest first: %v, want %v", got, want)
	}
	if err := unlistCharge(kv, p, 7, orderEntry{2, "bb"}); err != nil {
		t.Fatal(err)
	}
	if err := unlistCharge(kv, p, 5, orderEntry{0, "old"}); err != nil {
		t.Fatal(err)
	}
	if err := unlistCharge(kv, p, 7, orderEntry{2, "bb"}); err == nil {
		t.Fatal("unlisting a charge twice succeeded")
	}
	if got, want := walk(false), []string{"a", "c", "d", "new"}; !slices.Equal(got, want) {
		t.Fatalf("after unlisting: %v, want %v", got, want)
	}
	if v, _ := kv.Get(orderKey(p, 5)); v != nil {
		t.Fatalf("an emptied block keeps its key: %x", v)
	}
	if _, err := decodeOrder([]byte{1, 2, 3}); err == nil {
		t.Fatal("a corrupt list decoded")
	}
}
