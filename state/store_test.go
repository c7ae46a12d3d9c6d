package state

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"testing"
)

func TestStoreCommitReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	kv := s.Working()
	for _, k := range []string{"b", "a", "c"} {
		if err := kv.Set([]byte(k), []byte("v"+k)); err != nil {
			t.Fatal(err)
		}
	}
	hash, v, err := s.Commit()
	if err != nil || v != 1 {
		t.Fatalf("commit: v=%d err=%v", v, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s2.Close(); err != nil {
			t.Error(err)
		}
	}()
	if s2.Version() != 1 || !bytes.Equal(s2.Hash(), hash) {
		t.Fatalf("reopened at v%d hash %X, want v1 %X", s2.Version(), s2.Hash(), hash)
	}
	snap, err := s2.At(0)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := snap.Get([]byte("b"))
	if string(got) != "vb" {
		t.Fatalf("get b = %q", got)
	}
	proof, err := snap.Proof([]byte("b"))
	if err != nil || proof.GetExist() == nil {
		t.Fatalf("membership proof: %v %v", proof, err)
	}
	if err := snap.Set([]byte("x"), []byte("y")); err != ErrReadOnly {
		t.Fatalf("snapshot write: %v", err)
	}
}

// TestCacheMatchesModel drives a Cache and a plain map with the same random
// operations and checks that reads and ordered iteration agree.
func TestCacheMatchesModel(t *testing.T) {
	for seed := int64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewSource(seed))
		s, err := OpenMemory()
		if err != nil {
			t.Fatal(err)
		}
		model := map[string]string{}
		key := func() []byte { return []byte{byte('a' + rng.Intn(12))} }
		for i := 0; i < 8; i++ { // committed base
			k := key()
			if err := s.Working().Set(k, []byte{byte(i)}); err != nil {
				t.Fatal(err)
			}
			model[string(k)] = string([]byte{byte(i)})
		}
		c := NewCache(s.Working())
		// Reads between writes, and after a Write, must see the latest
		// value, never one the cache remembered reading earlier.
		for round := 0; round < 3; round++ {
			if round > 0 {
				if err := c.Write(); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 40; i++ {
				k := key()
				switch rng.Intn(4) {
				case 0:
					if err := c.Delete(k); err != nil {
						t.Fatal(err)
					}
					delete(model, string(k))
				case 1:
					got, _ := c.Get(k)
					if want, ok := model[string(k)]; string(got) != want || (got == nil) == ok {
						t.Fatalf("seed %d round %d: get %s=%q want %q", seed, round, k, got, want)
					}
				default:
					v := []byte{byte(100 + 40*round + i)}
					if err := c.Set(k, v); err != nil {
						t.Fatal(err)
					}
					model[string(k)] = string(v)
				}
			}
		}
		for _, reverse := range []bool{false, true} {
			var got []string
			err := c.Iterate([]byte("b"), []byte("j"), reverse, func(k, v []byte) bool {
				got = append(got, string(k)+"="+string(v))
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for k, v := range model {
				if k >= "b" && k < "j" {
					want = append(want, k+"="+v)
				}
			}
			sort.Strings(want)
			if reverse {
				sort.Sort(sort.Reverse(sort.StringSlice(want)))
			}
			if len(got) != len(want) {
				t.Fatalf("seed %d reverse=%v: got %v want %v", seed, reverse, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("seed %d reverse=%v: got %v want %v", seed, reverse, got, want)
				}
			}
		}
		if err := c.Write(); err != nil {
			t.Fatal(err)
		}
		for k, v := range model {
			got, _ := s.Working().Get([]byte(k))
			cached, _ := c.Get([]byte(k))
			if string(got) != v || string(cached) != v {
				t.Fatalf("seed %d: after write %s=%q (cache %q) want %q", seed, k, got, cached, v)
			}
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	cases := map[string]string{"ab": "ac", "a\xff": "b", "\xff\xff": ""}
	for in, want := range cases {
		if got := string(PrefixEnd([]byte(in))); got != want {
			t.Errorf("PrefixEnd(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestExportImportVersion streams a version out and into an empty store:
// same root hash, same contents; a non-empty store refuses an import.
func TestExportImportVersion(t *testing.T) {
	src, _ := OpenMemory()
	for v := 0; v < 3; v++ {
		for i := 0; i < 200; i++ {
			if err := src.Working().Set([]byte{byte(i), byte(v)}, bytes.Repeat([]byte{byte(i)}, i%17+1)); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := src.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	var stream bytes.Buffer
	if err := src.ExportVersion(2, &stream); err != nil {
		t.Fatal(err)
	}
	dst, _ := OpenMemory()
	hash, err := dst.ImportVersion(2, bytes.NewReader(stream.Bytes()))
	want, _ := src.At(2)
	if err != nil || !bytes.Equal(hash, want.Hash()) || dst.Version() != 2 {
		t.Fatalf("import: hash %X want %X, version %d, %v", hash, want.Hash(), dst.Version(), err)
	}
	got, _ := dst.Working().Get([]byte{7, 1})
	if !bytes.Equal(got, bytes.Repeat([]byte{7}, 8)) {
		t.Fatalf("imported value %v", got)
	}
	if _, err := dst.ImportVersion(2, bytes.NewReader(stream.Bytes())); err != ErrNotEmpty {
		t.Fatalf("import into a non-empty store: %v", err)
	}
	if _, err := (func() ([]byte, error) {
		s, _ := OpenMemory()
		return s.ImportVersion(1, bytes.NewReader([]byte{0, 1, 0xff}))
	})(); err == nil {
		t.Fatal("a truncated stream imported")
	}
}

// TestTrackAbsence: with misses under a prefix answered by Bloom filters,
// every key written there is still found (working tree, committed
// versions, after a reopen and after a snapshot import), keys never
// written are not, and keys outside the prefix are untouched.
func TestTrackAbsence(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte{0x01, 0x01}
	if err := s.TrackAbsence(prefix); err != nil {
		t.Fatal(err)
	}
	key := func(i int) []byte { return append(bytes.Clone(prefix), []byte(fmt.Sprintf("msg-%d", i))...) }
	for i := 0; i < 500; i++ {
		if err := s.Working().Set(key(i), []byte{byte(i) | 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Working().Set([]byte{0x02, 'x'}, []byte{1}); err != nil {
		t.Fatal(err)
	}
	check := func(what string, kv KV, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			if v, err := kv.Get(key(i)); err != nil || len(v) != 1 || v[0] != byte(i)|1 {
				t.Fatalf("%s: key %d reads %v %v", what, i, v, err)
			}
		}
		for i := n; i < n+500; i++ {
			if ok, _ := kv.Has(key(i)); ok {
				t.Fatalf("%s: key %d, never written, is there", what, i)
			}
		}
		if v, _ := kv.Get([]byte{0x02, 'x'}); len(v) != 1 {
			t.Fatalf("%s: a key outside the prefix is lost", what)
		}
	}
	check("working tree", s.Working(), 500)
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	snap, _ := s.At(0)
	check("committed", snap, 500)
	var stream bytes.Buffer
	if err := s.ExportVersion(1, &stream); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	if err := s.TrackAbsence(prefix); err != nil {
		t.Fatal(err)
	}
	check("reopened", s.Working(), 500)

	dst, _ := OpenMemory()
	if err := dst.TrackAbsence(prefix); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.ImportVersion(1, &stream); err != nil {
		t.Fatal(err)
	}
	check("imported", dst.Working(), 500)
}
