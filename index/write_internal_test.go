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
		{[]byte("b"), true},
		{[]byte("a"), true},
		{[]byte("c"), true},
		{[]byte("a"), false}, // a forget in the same block: the delete wins
		{[]byte("b"), false},
		{[]byte("b"), true}, // deleted, then set again: the set wins
		{[]byte("ab"), false},
	}
	want := []keyOp{
		{[]byte("a"), false},
		{[]byte("ab"), false},
		{[]byte("b"), true},
		{[]byte("c"), true},
	}
	if got := lastOps(ops); !reflect.DeepEqual(got, want) {
		t.Fatalf("lastOps = %v, want %v", got, want)
	}
	if got := lastOps(nil); len(got) != 0 {
		t.Fatalf("lastOps(nil) = %v", got)
	}
}
