package abci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"

	abcitypes "github.com/cometbft/cometbft/abci/types"

	"github.com/alephd/alephd/state"
)

// snapshotFormat 1 is the state package's node stream, cut into chunks.
const snapshotFormat = 1

// chunkSize is the size of a snapshot chunk.
const chunkSize = 4 << 20

// snapshotMeta travels in abcitypes.Snapshot.Metadata: the sha256 of every
// chunk, so a restoring node checks each chunk as it arrives.
type snapshotMeta struct {
	ChunkHashes [][]byte `json:"chunk_hashes"`
}

// Snapshots configures state-sync snapshots.
type Snapshots struct {
	// Dir holds one folder per snapshot height.
	Dir string
	// Interval takes a snapshot every Interval heights; 0 takes none.
	Interval int64
	// Keep is how many recent snapshots are kept.
	Keep int
}

// snapshots serves and restores state-sync snapshots.
type snapshots struct {
	cfg     Snapshots
	mu      sync.Mutex
	taking  bool
	restore *restore
}

type restore struct {
	snapshot *abcitypes.Snapshot
	appHash  []byte
	meta     snapshotMeta
	chunks   [][]byte
	received int
}

func (s *snapshots) path(h int64, parts ...string) string {
	return filepath.Join(append([]string{s.cfg.Dir, strconv.FormatInt(h, 10)}, parts...)...)
}

// maybeTake snapshots version h in the background when h is on the interval;
// exporting reads an old version, so blocks keep executing.
func (s *snapshots) maybeTake(a exporter, h int64) {
	if s.cfg.Interval <= 0 || h%s.cfg.Interval != 0 {
		return
	}
	s.mu.Lock()
	if s.taking {
		s.mu.Unlock()
		return // the previous one is still being written: skip this height
	}
	s.taking = true
	s.mu.Unlock()
	go func() {
		defer func() { s.mu.Lock(); s.taking = false; s.mu.Unlock() }()
		if err := s.take(a, h); err != nil {
			// Only the unfinished folder goes: a snapshot already complete
			// at this height (a replayed height) stays listed and whole.
			rmErr := os.RemoveAll(s.path(h) + ".tmp")
			fmt.Fprintf(os.Stderr, "alephd: snapshot at height %d failed: %v\n", h, err)
			if rmErr != nil {
				fmt.Fprintf(os.Stderr, "alephd: removing the failed snapshot at height %d: %v\n", h, rmErr)
			}
		}
	}()
}

type exporter interface {
	ExportVersion(v int64, w io.Writer) error
}

func (s *snapshots) take(a exporter, h int64) error {
	tmp := s.path(h) + ".tmp"
	// An earlier attempt's leftovers must go, or they would end up in this
	// snapshot's folder.
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	// Chunks go to a temporary folder renamed into place when complete, so
	// a listed snapshot is always whole.
	tw := &chunkWriter{dir: tmp}
	if err := a.ExportVersion(h, tw); err != nil {
		return err
	}
	if err := tw.close(); err != nil {
		return err
	}
	meta, _ := json.Marshal(snapshotMeta{ChunkHashes: tw.hashes})
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), meta, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.path(h)); err != nil {
		return err
	}
	s.prune()
	return nil
}

// chunkWriter cuts a stream into chunk files in dir, hashing each.
type chunkWriter struct {
	dir    string
	buf    bytes.Buffer
	hashes [][]byte
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	for w.buf.Len() >= chunkSize {
		if err := w.flush(w.buf.Next(chunkSize)); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (w *chunkWriter) flush(chunk []byte) error {
	sum := sha256.Sum256(chunk)
	w.hashes = append(w.hashes, sum[:])
	return os.WriteFile(filepath.Join(w.dir, fmt.Sprintf("chunk-%06d", len(w.hashes)-1)), chunk, 0o644)
}

func (w *chunkWriter) close() error {
	if w.buf.Len() > 0 || len(w.hashes) == 0 {
		return w.flush(w.buf.Next(w.buf.Len()))
	}
	return nil
}

// heights lists the complete snapshots, newest first.
func (s *snapshots) heights() []int64 {
	entries, _ := os.ReadDir(s.cfg.Dir)
	var hs []int64
	for _, e := range entries {
		if h, err := strconv.ParseInt(e.Name(), 10, 64); err == nil && e.IsDir() {
			hs = append(hs, h)
		}
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i] > hs[j] })
	return hs
}

func (s *snapshots) prune() {
	keep := s.cfg.Keep
	if keep <= 0 {
		keep = 2
	}
	for i, h := range s.heights() {
		if i >= keep {
			// The new snapshot is in place: a failure leaves an old one on
			// disk, perhaps in part, and the next prune tries again.
			if err := os.RemoveAll(s.path(h)); err != nil {
				fmt.Fprintf(os.Stderr, "alephd: removing the snapshot at height %d: %v\n", h, err)
			}
		}
	}
}

func (s *snapshots) list() []*abcitypes.Snapshot {
	var out []*abcitypes.Snapshot
	for _, h := range s.heights() {
		raw, err := os.ReadFile(s.path(h, "meta.json"))
		var meta snapshotMeta
		if err != nil || json.Unmarshal(raw, &meta) != nil {
			continue
		}
		var all []byte
		for _, c := range meta.ChunkHashes {
			all = append(all, c...)
		}
		sum := sha256.Sum256(all)
		out = append(out, &abcitypes.Snapshot{Height: uint64(h), Format: snapshotFormat,
			Chunks: uint32(len(meta.ChunkHashes)), Hash: sum[:], Metadata: raw})
	}
	return out
}

func (s *Application) ListSnapshots(context.Context, *abcitypes.RequestListSnapshots) (*abcitypes.ResponseListSnapshots, error) {
	return &abcitypes.ResponseListSnapshots{Snapshots: s.snaps.list()}, nil
}

func (s *Application) LoadSnapshotChunk(_ context.Context, req *abcitypes.RequestLoadSnapshotChunk) (*abcitypes.ResponseLoadSnapshotChunk, error) {
	if req.Format != snapshotFormat {
		return &abcitypes.ResponseLoadSnapshotChunk{}, nil
	}
	b, err := os.ReadFile(s.snaps.path(int64(req.Height), fmt.Sprintf("chunk-%06d", req.Chunk)))
	if err != nil {
		return &abcitypes.ResponseLoadSnapshotChunk{}, nil // CometBFT asks another peer
	}
	return &abcitypes.ResponseLoadSnapshotChunk{Chunk: b}, nil
}

func (s *Application) OfferSnapshot(_ context.Context, req *abcitypes.RequestOfferSnapshot) (*abcitypes.ResponseOfferSnapshot, error) {
	if req.Snapshot == nil || req.Snapshot.Format != snapshotFormat {
		return &abcitypes.ResponseOfferSnapshot{Result: abcitypes.ResponseOfferSnapshot_REJECT_FORMAT}, nil
	}
	var meta snapshotMeta
	if json.Unmarshal(req.Snapshot.Metadata, &meta) != nil || len(meta.ChunkHashes) != int(req.Snapshot.Chunks) || req.Snapshot.Chunks == 0 {
		return &abcitypes.ResponseOfferSnapshot{Result: abcitypes.ResponseOfferSnapshot_REJECT}, nil
	}
	s.snaps.mu.Lock()
	s.snaps.restore = &restore{snapshot: req.Snapshot, appHash: req.AppHash, meta: meta, chunks: make([][]byte, req.Snapshot.Chunks)}
	s.snaps.mu.Unlock()
	return &abcitypes.ResponseOfferSnapshot{Result: abcitypes.ResponseOfferSnapshot_ACCEPT}, nil
}

func (s *Application) ApplySnapshotChunk(_ context.Context, req *abcitypes.RequestApplySnapshotChunk) (*abcitypes.ResponseApplySnapshotChunk, error) {
	s.snaps.mu.Lock()
	r := s.snaps.restore
	s.snaps.mu.Unlock()
	if r == nil || int(req.Index) >= len(r.chunks) {
		return &abcitypes.ResponseApplySnapshotChunk{Result: abcitypes.ResponseApplySnapshotChunk_ABORT}, nil
	}
	sum := sha256.Sum256(req.Chunk)
	if !bytes.Equal(sum[:], r.meta.ChunkHashes[req.Index]) {
		return &abcitypes.ResponseApplySnapshotChunk{Result: abcitypes.ResponseApplySnapshotChunk_RETRY,
			RefetchChunks: []uint32{req.Index}, RejectSenders: []string{req.Sender}}, nil
	}
	if r.chunks[req.Index] == nil {
		r.chunks[req.Index] = req.Chunk
		r.received++
	}
	if r.received < len(r.chunks) {
		return &abcitypes.ResponseApplySnapshotChunk{Result: abcitypes.ResponseApplySnapshotChunk_ACCEPT}, nil
	}
	stream := bytes.Join(r.chunks, nil)
	// Check the root hash on a scratch store first: an import cannot be
	// undone, and a rejected snapshot must leave the node empty for the next.
	hash, err := state.StreamHash(int64(r.snapshot.Height), bytes.NewReader(stream))
	if err == nil && !bytes.Equal(hash, r.appHash) {
		err = fmt.Errorf("the snapshot hashes to %X, the trusted app hash is %X", hash, r.appHash)
	}
	if err == nil {
		s.locked(func() { _, err = s.app.RestoreVersion(int64(r.snapshot.Height), bytes.NewReader(stream)) })
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "alephd: snapshot at height %d rejected: %v\n", r.snapshot.Height, err)
		return &abcitypes.ResponseApplySnapshotChunk{Result: abcitypes.ResponseApplySnapshotChunk_REJECT_SNAPSHOT}, nil
	}
	return &abcitypes.ResponseApplySnapshotChunk{Result: abcitypes.ResponseApplySnapshotChunk_ACCEPT}, nil
}
