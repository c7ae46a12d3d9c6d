package pebbledb

import (
	"bytes"
	"fmt"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
	iavldb "github.com/cosmos/iavl/db"
)

func put(t *testing.T, db iavldb.DB, kv ...string) {
	t.Helper()
	b := db.NewBatch()
	defer func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}()
	for i := 0; i < len(kv); i += 2 {
		if err := b.Set([]byte(kv[i]), []byte(kv[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.WriteSync(); err != nil {
		t.Fatal(err)
	}
}

func keys(t *testing.T, db iavldb.DB, reverse bool, start, end string) string {
	t.Helper()
	bound := func(s string) []byte {
		if s == "" {
			return nil
		}
		return []byte(s)
	}
	open := db.Iterator
	if reverse {
		open = db.ReverseIterator
	}
	it, err := open(bound(start), bound(end))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := it.Close(); err != nil {
			t.Error(err)
		}
	}()
	var out []string
	for ; it.Valid(); it.Next() {
		out = append(out, fmt.Sprintf("%s=%s", it.Key(), it.Value()))
	}
	if err := it.Error(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(out)
}

func TestBatchesGetsAndIterators(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, "a", "1", "b", "2", "c", "3", "d", "4")
	b := db.NewBatch()
	if err := b.Delete([]byte("b")); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	if err := b.Set([]byte("x"), []byte("y")); err == nil {
		t.Fatal("a written batch accepted another write")
	}
	if v, err := db.Get([]byte("b")); err != nil || v != nil {
		t.Fatalf("deleted key: %q %v", v, err)
	}
	if v, _ := db.Get([]byte("c")); !bytes.Equal(v, []byte("3")) {
		t.Fatalf("Get c = %q", v)
	}
	if ok, _ := db.Has([]byte("zz")); ok {
		t.Fatal("Has of an absent key")
	}
	if _, err := db.Get(nil); err == nil {
		t.Fatal("an empty key was accepted")
	}
	for _, c := range []struct {
		got, want string
	}{
		{keys(t, db, false, "", ""), "[a=1 c=3 d=4]"},
		{keys(t, db, false, "b", "d"), "[c=3]"},
		{keys(t, db, true, "", ""), "[d=4 c=3 a=1]"},
		{keys(t, db, true, "a", "d"), "[c=3 a=1]"},
		{keys(t, db, false, "e", ""), "[]"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if got := keys(t, db, false, "", ""); got != "[a=1 c=3 d=4]" {
		t.Fatalf("after reopening: %s", got)
	}
}

// Homes made before this package opened their databases through cosmos-db,
// with Pebble's defaults: they must open with ours, data intact.
func TestOpensCosmosDBDatabases(t *testing.T) {
	dir := t.TempDir()
	old, err := dbm.NewPebbleDB("state", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if err := old.SetSync([]byte(fmt.Sprintf("k%04d", i)), []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir, "state")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if v, _ := db.Get([]byte("k0999")); string(v) != "999" {
		t.Fatalf("k0999 = %q", v)
	}
	it, err := db.Iterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ; it.Valid(); it.Next() {
		n++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 1000 {
		t.Fatalf("%d keys after reopening, want 1000", n)
	}
}
