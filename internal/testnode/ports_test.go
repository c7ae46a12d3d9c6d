package testnode

import (
	"testing"
)

// TestFreePortsNeverHandsOutAPortTwice: ports drawn while earlier ones are
// still held (drawn, not yet bound by their node) are all distinct. Without
// reservations, 300 draws among ~2,300 candidate ports repeat one almost
// surely.
func TestFreePortsNeverHandsOutAPortTwice(t *testing.T) {
	seen := map[int]bool{}
	for range 300 {
		p := FreePorts(t, 1)
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
}

// TestReservationHoldsAcrossProcesses: a port another process reserved (its
// file in the temporary directory, not this process's memory) is not
// handed out, and is free again once released.
func TestReservationHoldsAcrossProcesses(t *testing.T) {
	base := FreePorts(t, 3)
	// Forget this process's own record: only the files remain, as another
	// test binary would see them.
	reservedMu.Lock()
	for p := base; p < base+3; p++ {
		delete(reserved, p)
	}
	reservedMu.Unlock()
	if _, ok := reserve(base+1, 1); ok {
		t.Fatalf("port %d reserved by another process was handed out", base+1)
	}
	release, ok := reserve(base+5, 2) // next to the held ones: not held
	if !ok {
		t.Fatalf("ports %d-%d, held by no one, were refused", base+5, base+6)
	}
	release()
	if release, ok = reserve(base+5, 2); !ok {
		t.Fatalf("ports %d-%d were not free again after their release", base+5, base+6)
	}
	release()
}
