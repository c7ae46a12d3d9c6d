package jsonobj_test

import (
	"testing"

	"github.com/alephd/alephd/internal/jsonobj"
)

func TestExactNames(t *testing.T) {
	o, err := jsonobj.Decode([]byte(`{"channel":"SHOWN","CHANNEL":"REAL","n":null,"dup":1,"dup":2}`))
	if err != nil {
		t.Fatal(err)
	}
	var ch string
	if err := o.Get("channel", &ch); err != nil || ch != "SHOWN" {
		t.Fatalf("channel = %q, %v; want the exact-name member SHOWN", ch, err)
	}
	if o.Has("n") || o.Has("missing") {
		t.Fatal("a null or missing member must not count as present")
	}
	var dup int
	if err := o.Get("dup", &dup); err != nil || dup != 2 {
		t.Fatalf("dup = %d, %v; want the last value, as Python keeps", dup, err)
	}
	if err := o.Get("channel", &dup); err == nil || err.Error()[:8] != "channel:" {
		t.Fatalf("a type mismatch must name the member, got %v", err)
	}
}

func TestRefusesNonObjects(t *testing.T) {
	for _, in := range []string{`null`, `[]`, `"x"`, `{} {}`, `{`} {
		if _, err := jsonobj.Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%s) succeeded; want an error", in)
		}
	}
}
