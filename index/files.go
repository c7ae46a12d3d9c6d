package index

import (
	"encoding/binary"
	"fmt"

	"github.com/alephd/alephd/state"
)

// An address's files are its live STOREs, as pyaleph's message file pins:
// ordered by content time, with the attested size, counted and summed per
// owner. A file tag is pyaleph's: a STORE's ref, or its own item hash when
// it has none, under its owner; the newest STORE of a tag is its file.

func fileKey(owner string, ct int64, hash string) []byte {
	return state.NewKey(prefixFile).String(owner).Uint64(uint64(ct)).String(hash).Bytes()
}

func filePrefix(owner string) []byte { return state.NewKey(prefixFile).String(owner).Bytes() }

func tagPrefix(owner, tag string) []byte {
	return state.NewKey(prefixTag).String(owner).String(tag).Bytes()
}

func storeTag(e *Entry) string {
	if e.Ref != "" {
		return e.Ref
	}
	return e.ItemHash
}

func (b *batch) fileBegin(e *Entry) {
	o, ct := lowerAddr(e.Owner), contentTimeOf(e)
	size := b.lists.sizes[e.ItemHash]
	b.markValue(fileKey(o, ct, e.ItemHash), state.NewKey().Uint64(size).String(e.ContentHash).Bytes())
	b.mark(append(tagPrefix(o, storeTag(e)), state.NewKey().Uint64(uint64(ct)).String(e.ItemHash).Bytes()...), true)
	b.counts[string(countKey(dimFiles, []string{o}))]++
	b.counts[string(countKey(dimFileBytes, []string{o}))] += int64(size)
}

func (b *batch) fileEnd(t *Entry) {
	o, ct := lowerAddr(t.Owner), contentTimeOf(t)
	k := fileKey(o, ct, t.ItemHash)
	size, ok := b.lists.sizes[t.ItemHash]
	if v, err := b.x.db.Get(k); err != nil {
		b.lists.fail(err)
	} else if len(v) >= 8 {
		size, ok = binary.BigEndian.Uint64(v), true
	}
	if !ok {
		return // never listed
	}
	b.mark(k, false)
	b.mark(append(tagPrefix(o, storeTag(t)), state.NewKey().Uint64(uint64(ct)).String(t.ItemHash).Bytes()...), false)
	b.counts[string(countKey(dimFiles, []string{o}))]--
	b.counts[string(countKey(dimFileBytes, []string{o}))] -= int64(size)
}

// File is one of an address's files.
type File struct {
	ItemHash, FileHash string
	Size               uint64
	Created            int64 // content time, Unix ns
}

// FilePage is a page of an address's files, with its totals.
type FilePage struct {
	Files     []File
	Count     int64
	TotalSize int64
	Next      *Cursor
}

// Files lists owner's files by content time, newest first unless
// ascending. fileHash, if set, keeps the STOREs of that file only: they are
// found through the index of content hashes, not by walking owner's files.
func (x *Index) Files(owner, fileHash string, ascending bool, offset, limit int, after *Cursor) (FilePage, error) {
	var page FilePage
	o := lowerAddr(owner)
	var err error
	if page.Count, err = x.count(dimFiles, []string{o}); err != nil {
		return page, err
	}
	if page.TotalSize, err = x.count(dimFileBytes, []string{o}); err != nil {
		return page, err
	}
	if after != nil {
		offset = 0
	}
	add := func(key, value []byte, prefixLen int) error {
		r := state.ReadKey(key, prefixLen)
		ct, hash := int64(r.Uint64()), r.String()
		v := state.ReadKey(value, 0)
		size, fh := v.Uint64(), v.String()
		if r.Err() != nil || v.Err() != nil {
			return fmt.Errorf("%w: file key %x", errCorrupt, key)
		}
		page.Files = append(page.Files, File{ItemHash: hash, FileHash: fh, Size: size, Created: ct})
		return nil
	}
	if fileHash != "" {
		f := Filter{ContentHashes: []string{fileHash}, Types: []string{"STORE"}, Owners: []string{owner}}
		var skip int
		err := x.walk(plan{dimContentHash, [][]string{{fileHash}}, false}, f, ascending, 0, func(e *Entry) (bool, error) {
			if !f.Matches(e) {
				return true, nil
			}
			if skip < offset {
				skip++
				return true, nil
			}
			k := fileKey(o, contentTimeOf(e), e.ItemHash)
			v, err := x.db.Get(k)
			if err != nil || v == nil {
				return err == nil, err
			}
			return len(page.Files) < limit, add(k, v, len(filePrefix(o)))
		})
		return page, err
	}
	prefix := filePrefix(o)
	start, end := prefix, state.PrefixEnd(prefix)
	if after != nil {
		at := append(append([]byte{}, prefix...), after.suffix()...)
		if ascending {
			start = append(at, 0)
		} else {
			end = at
		}
	}
	var it interface {
		Valid() bool
		Next()
		Key() []byte
		Value() []byte
		Close() error
		Error() error
	}
	if ascending {
		it, err = x.db.Iterator(start, end)
	} else {
		it, err = x.db.ReverseIterator(start, end)
	}
	if err != nil {
		return page, err
	}
	for skipped := 0; it.Valid() && len(page.Files) < limit; it.Next() {
		if skipped < offset {
			skipped++
			continue
		}
		if err = add(it.Key(), it.Value(), len(prefix)); err != nil {
			break
		}
	}
	err = joinErr(joinErr(err, it.Error()), it.Close())
	if n := len(page.Files); err == nil && n > 0 && n == limit {
		last := page.Files[n-1]
		page.Next = &Cursor{TimeNano: last.Created, Hash: last.ItemHash}
	}
	return page, err
}

// NewestTagged is the newest live STORE of owner under tag (a ref, or the
// item hash of a STORE without one), or nil.
func (x *Index) NewestTagged(owner, tag string) (*Entry, error) {
	prefix := tagPrefix(lowerAddr(owner), tag)
	it, err := x.db.ReverseIterator(prefix, state.PrefixEnd(prefix))
	if err != nil {
		return nil, err
	}
	var hash string
	if it.Valid() {
		r := state.ReadKey(it.Key(), len(prefix))
		r.Uint64()
		hash = r.String()
		err = r.Err()
	}
	if err = joinErr(joinErr(err, it.Error()), it.Close()); err != nil || hash == "" {
		return nil, err
	}
	return x.Get(hash)
}
