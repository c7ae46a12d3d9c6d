package content

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// GCStats says what one GC removed.
type GCStats struct {
	Files  int   // sha256 files
	Blocks int   // IPFS blocks
	Bytes  int64 // of both
}

// GC deletes what is neither pinned nor within its grace period: sha256
// files whose pin record and mtime are both older than grace, and IPFS
// blocks that no pinned root and no root added or unpinned less than grace
// ago reaches. Writes wait while it runs. Wall-clock time is fine here: the
// store is local to each node and never decides consensus state.
func (s *Store) GC(ctx context.Context, grace time.Duration) (GCStats, error) {
	s.gc.Lock()
	defer s.gc.Unlock()
	recs, err := s.pins.all()
	if err != nil {
		return GCStats{}, err
	}
	cutoff := time.Now().Add(-grace)
	var st GCStats
	if err := s.gcFiles(ctx, recs, cutoff, &st); err != nil {
		return st, err
	}
	if _, err := os.Stat(filepath.Join(s.dir, "ipfs")); errors.Is(err, os.ErrNotExist) {
		return st, nil // never used: nothing to open
	}
	e, err := s.IPFS()
	if err != nil {
		return st, err
	}
	return st, e.gc(ctx, recs, cutoff, &st)
}

// gcFiles sweeps the sha256 files. A file's time is the later of its mtime
// (the last upload of these bytes) and its record's (the last unpin).
func (s *Store) gcFiles(ctx context.Context, recs map[string]record, cutoff time.Time, st *GCStats) error {
	shards, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, shard := range shards {
		if !shard.IsDir() || len(shard.Name()) != 2 || strings.Trim(shard.Name(), "0123456789abcdef") != "" {
			continue // tmp, pins, ipfs
		}
		files, err := os.ReadDir(filepath.Join(s.dir, shard.Name()))
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			hash := f.Name()
			if !ValidHash(hash) {
				continue
			}
			info, err := f.Info()
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			r := recs[sha256Key(hash)]
			if r.Pinned || info.ModTime().After(cutoff) || r.Since.After(cutoff) {
				continue
			}
			if err := os.Remove(s.path(hash)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			if err := s.pins.remove(sha256Key(hash)); err != nil {
				return err
			}
			st.Files++
			st.Bytes += info.Size()
		}
	}
	return nil
}

// gc marks every block reachable from a live root, then deletes the rest:
// first the root blocks of expired records, so that a GC cut short never
// leaves a root that looks whole but has lost leaves, then everything else
// unmarked (blocks of expired roots, and of imports that never finished).
func (e *Embedded) gc(ctx context.Context, recs map[string]record, cutoff time.Time, st *GCStats) error {
	live := make(map[string]struct{}) // by multihash: the blockstore's key
	var expired []cid.Cid
	for key, r := range recs {
		c, ok := parseCIDKey(key)
		if !ok {
			continue
		}
		if !r.Pinned && !r.Since.After(cutoff) {
			expired = append(expired, c)
			continue
		}
		// A live root with missing blocks (it was pinned, then its disk
		// lost data) keeps what it still reaches; other errors stop GC.
		err := e.walk(ctx, c, func(b cid.Cid) { live[string(b.Hash())] = struct{}{} }, merkledag.IgnoreMissing())
		if err != nil {
			return fmt.Errorf("gc: walk %s: %w", c, err)
		}
	}
	for _, c := range expired {
		if _, ok := live[string(c.Hash())]; !ok {
			if err := e.remove(ctx, c, st); err != nil {
				return err
			}
		}
	}
	// Deleting only after the listing ends keeps the directory walk simple.
	keys, listErr, err := e.keys.AllKeysChanWithErr(ctx)
	if err != nil {
		return err
	}
	var dead []cid.Cid
	for c := range keys { // a v1 raw CID per block: only the multihash counts
		if _, ok := live[string(c.Hash())]; !ok {
			dead = append(dead, c)
		}
	}
	if err := listErr(); err != nil {
		return fmt.Errorf("gc: list blocks: %w", err)
	}
	for _, c := range dead {
		if err := e.remove(ctx, c, st); err != nil {
			return err
		}
	}
	for _, c := range expired {
		if err := e.s.pins.remove(cidKey(c)); err != nil {
			return err
		}
	}
	return nil
}

func (e *Embedded) remove(ctx context.Context, c cid.Cid, st *GCStats) error {
	size, err := e.bs.GetSize(ctx, c)
	if ipld.IsNotFound(err) {
		return nil // an expired root also reached from the listing
	}
	if err != nil {
		return err
	}
	if err := e.bs.DeleteBlock(ctx, c); err != nil {
		return fmt.Errorf("gc: delete %s: %w", c, err)
	}
	st.Blocks++
	st.Bytes += int64(size)
	return nil
}

func parseCIDKey(key string) (cid.Cid, bool) {
	s, ok := strings.CutPrefix(key, "cid-")
	if !ok {
		return cid.Undef, false
	}
	c, err := cid.Decode(s)
	return c, err == nil
}
