package index

import (
	"reflect"
	"testing"
)

// TestLastOpsKeepsTheLaterOperationInKeyOrder checks what a block writes to
// the secondary keys: one operation per key, the last one made, in key
// order, whatever order the block made them in.
func TestLastOpsKeepsTheLaterOperationInKeyOrder(t *testing.T) {
	ops := []keyOp{
		{[]byte("b"), true, nil},
		{[]byte("a"), true, nil},
		{[]byte("c"), true, nil},
		{[]byte("a"), false, nil}, // a forget in the same block: the delete wins
		{[]byte("b"), false, nil},
		{[]byte("b"), true, nil}, // deleted, then set again: the set wins
		{[]byte("ab"), false, nil},
	}
	want := []keyOp{
		{[]byte("a"), false, nil},
		{[]byte("ab"), false, nil},
		{[]byte("b"), true, nil},
		{[]byte("c"), true, nil},
	}
	if got := lastOps(ops); !reflect.DeepEqual(got, want) {
		t.Fatalf("lastOps = %v, want %v", got, want)
	}
	if got := lastOps(nil); len(got) != 0 {
		t.Fatalf("lastOps(nil) = %v", got)
	}
}
