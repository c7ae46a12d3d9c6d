package state

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cosmos/iavl"
)

// The export stream is IAVL's export order, one node after another:
// height (1 byte), version (uvarint), key and value (uvarint length, then
// bytes; inner nodes have no value, marked by length 0 and height > 0).

// ExportVersion streams committed version v to w, for a state-sync snapshot.
func (s *Store) ExportVersion(v int64, w io.Writer) error {
	t, err := s.tree.GetImmutable(v)
	if err != nil {
		return fmt.Errorf("export version %d: %w", v, err)
	}
	ex, err := t.Export()
	if err != nil {
		return fmt.Errorf("export version %d: %w", v, err)
	}
	defer ex.Close()
	bw := bufio.NewWriter(w)
	var buf []byte
	for {
		n, err := ex.Next()
		if errors.Is(err, iavl.ErrorExportDone) {
			return bw.Flush()
		}
		if err != nil {
			return fmt.Errorf("export version %d: %w", v, err)
		}
		buf = append(buf[:0], byte(n.Height))
		buf = binary.AppendUvarint(buf, uint64(n.Version))
		buf = binary.AppendUvarint(buf, uint64(len(n.Key)))
		buf = append(buf, n.Key...)
		buf = binary.AppendUvarint(buf, uint64(len(n.Value)))
		buf = append(buf, n.Value...)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
}

// ErrNotEmpty is returned when importing into a store that has state.
var ErrNotEmpty = errors.New("state is not empty")

// maxNodeField bounds a key or value read from a snapshot stream.
const maxNodeField = 16 << 20

// ImportVersion fills an empty store from an export stream as version v and
// returns the resulting root hash, which the caller checks against the app
// hash the snapshot claimed.
func (s *Store) ImportVersion(v int64, r io.Reader) ([]byte, error) {
	if s.tree.Version() != 0 {
		return nil, ErrNotEmpty
	}
	s.tree.Rollback() // nothing uncommitted (such as a genesis) may mix in
	im, err := s.tree.Import(v)
	if err != nil {
		return nil, fmt.Errorf("import version %d: %w", v, err)
	}
	defer im.Close()
	br := bufio.NewReader(r)
	field := func() ([]byte, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, err
		}
		if n > maxNodeField {
			return nil, fmt.Errorf("snapshot node field of %d bytes", n)
		}
		b := make([]byte, n)
		_, err = io.ReadFull(br, b)
		return b, err
	}
	for {
		h, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		ver, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, fmt.Errorf("snapshot stream: %w", err)
		}
		key, err := field()
		if err != nil {
			return nil, fmt.Errorf("snapshot stream: %w", err)
		}
		val, err := field()
		if err != nil {
			return nil, fmt.Errorf("snapshot stream: %w", err)
		}
		node := &iavl.ExportNode{Height: int8(h), Version: int64(ver), Key: key}
		if h == 0 {
			node.Value = val
		}
		if err := im.Add(node); err != nil {
			return nil, fmt.Errorf("import node: %w", err)
		}
	}
	if err := im.Commit(); err != nil {
		return nil, fmt.Errorf("import commit: %w", err)
	}
	if _, err := s.tree.LoadVersion(v); err != nil {
		return nil, fmt.Errorf("load imported version %d: %w", v, err)
	}
	if s.absent != nil { // the import wrote the tree directly: learn its keys
		if err := s.TrackAbsence(s.absent.prefix); err != nil {
			return nil, err
		}
	}
	return s.tree.Hash(), nil
}

// StreamHash imports an export stream into a scratch in-memory store and
// returns its root hash, to check a snapshot before importing it for real.
func StreamHash(v int64, r io.Reader) ([]byte, error) {
	scratch, err := OpenMemory()
	if err != nil {
		return nil, err
	}
	defer scratch.Close() //nolint:errcheck // an in-memory tree, dropped: nothing to lose
	return scratch.ImportVersion(v, r)
}
