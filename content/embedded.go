package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	flatfs "github.com/ipfs/go-ds-flatfs"
	ipld "github.com/ipfs/go-ipld-format"
)

// Embedded is the in-process IPFS store: a flatfs blockstore (kubo's
// default) under the Store's directory, filled by boxo's UnixFS importer.
// Its roots share the Store's pin set and GC.
type Embedded struct {
	s   *Store
	dir string // the flatfs root
	ds  *flatfs.Datastore
	bs  blockstore.Blockstore
	// keys lists blocks and, unlike AllKeysChan, reports a listing cut
	// short, which GC must not mistake for the whole store.
	keys blockstore.AllKeysChanWithErrer
	dag  ipld.DAGService
}

var _ Backend = (*Embedded)(nil)

// IPFS returns the embedded IPFS store, opening it on first use.
func (s *Store) IPFS() (*Embedded, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.ipfs != nil {
		return s.ipfs, nil
	}
	dir := filepath.Join(s.dir, "ipfs", "blocks")
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, err
	}
	// Durability comes from syncFS after each import (see flatfsSync).
	ds, err := flatfs.CreateOrOpen(dir, flatfs.NextToLast(2), flatfsSync)
	if err != nil {
		return nil, fmt.Errorf("open the IPFS blockstore: %w", err)
	}
	// NoPrefix: flatfs holds only blocks, and its keys cannot nest.
	// WriteThrough, here and in the block service: an import writes every
	// block even if present, since a block left by an import that a crash
	// cut short, before its syncfs, may be empty or truncated; skipping it
	// would let a later, acknowledged import depend on it.
	bs := blockstore.NewBlockstore(ds, blockstore.NoPrefix(), blockstore.WriteThrough(true))
	keys, ok := bs.(blockstore.AllKeysChanWithErrer)
	if !ok {
		_ = ds.Close() // the missing interface is the error to report
		return nil, errors.New("boxo's blockstore no longer reports listing errors")
	}
	s.ipfs = &Embedded{
		s:    s,
		dir:  dir,
		ds:   ds,
		bs:   bs,
		keys: keys,
		dag:  merkledag.NewDAGService(blockservice.New(bs, nil, blockservice.WriteThrough(true))), // nil: offline
	}
	return s.ipfs, nil
}

func (e *Embedded) close() error { return e.ds.Close() }

func cidKey(c cid.Cid) string { return "cid-" + c.String() }

// Add imports r and returns once every block is on disk and the root is
// recorded: pinned if asked, otherwise within its grace period from now.
func (e *Embedded) Add(ctx context.Context, r io.Reader, opts AddOptions) (cid.Cid, int64, error) {
	e.s.gc.RLock()
	defer e.s.gc.RUnlock()
	// A buffered DAG hands blocks to flatfs in batches, whose files are
	// written in parallel.
	batch := ipld.NewBufferedDAG(ctx, e.dag)
	root, n, err := importFile(ctx, r, opts, batch)
	if err != nil {
		_ = batch.Commit() // waits for writes in flight; GC collects what they leave; the import's error is the one to report
		return cid.Undef, n, err
	}
	if err := batch.Commit(); err != nil {
		return cid.Undef, n, fmt.Errorf("store blocks: %w", err)
	}
	if err := syncFS(e.dir); err != nil {
		return cid.Undef, n, fmt.Errorf("sync blocks: %w", err)
	}
	if opts.Pin {
		err = e.s.pins.pin(cidKey(root), time.Now())
	} else {
		err = e.s.pins.added(cidKey(root), time.Now())
	}
	return root, n, err
}

// Cat reads the file c through boxo's UnixFS reader, which seeks by
// walking the DAG's recorded sizes rather than reading what it skips.
func (e *Embedded) Cat(ctx context.Context, c cid.Cid) (io.ReadSeekCloser, error) {
	nd, err := e.get(ctx, c)
	if err != nil {
		return nil, err
	}
	return uio.NewDagReader(ctx, nd, e.dag)
}

// Stat returns the size of the file c from its root block alone.
func (e *Embedded) Stat(ctx context.Context, c cid.Cid) (int64, error) {
	nd, err := e.get(ctx, c)
	if err != nil {
		return 0, err
	}
	r, err := uio.NewDagReader(ctx, nd, e.dag)
	if err != nil {
		return 0, err
	}
	defer r.Close() //nolint:errcheck // read only: a failed close loses nothing
	return int64(r.Size()), nil
}

func (e *Embedded) get(ctx context.Context, c cid.Cid) (ipld.Node, error) {
	nd, err := e.dag.Get(ctx, c)
	if ipld.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, c)
	}
	return nd, err
}

// Has reports whether c's root block is present.
func (e *Embedded) Has(ctx context.Context, c cid.Cid) (bool, error) {
	return e.bs.Has(ctx, c)
}

// Pin pins c after checking that every block of its DAG is present, as a
// recursive pin in kubo guarantees: an import cut short by a crash can
// leave a root without all of its leaves.
func (e *Embedded) Pin(ctx context.Context, c cid.Cid) error {
	e.s.gc.RLock()
	defer e.s.gc.RUnlock()
	if err := e.complete(ctx, c); err != nil {
		return err
	}
	return e.s.pins.pin(cidKey(c), time.Now())
}

// Unpin starts c's grace period if it was pinned.
func (e *Embedded) Unpin(ctx context.Context, c cid.Cid) error {
	return e.s.pins.unpin(cidKey(c), time.Now())
}

// complete returns ErrNotFound, naming the block, if any block under c is
// missing.
func (e *Embedded) complete(ctx context.Context, c cid.Cid) error {
	var missing error
	err := e.walk(ctx, c, func(b cid.Cid) {
		if missing != nil || b.Prefix().Codec != cid.Raw {
			return // interior and dag-pb blocks were read by the walk
		}
		if ok, err := e.bs.Has(ctx, b); err != nil || !ok {
			missing = errors.Join(err, fmt.Errorf("%w: block %s of %s", ErrNotFound, b, c))
		}
	})
	if ipld.IsNotFound(err) {
		return fmt.Errorf("%w: %s: %v", ErrNotFound, c, err)
	}
	if err != nil {
		return err
	}
	return missing
}

// walk visits every block of the DAG under root once. Raw blocks have no
// links and are not read, which keeps a walk over CIDv1 content to its few
// interior blocks.
func (e *Embedded) walk(ctx context.Context, root cid.Cid, visit func(cid.Cid), opts ...merkledag.WalkOption) error {
	seen := cid.NewSet()
	links := func(ctx context.Context, c cid.Cid) ([]*ipld.Link, error) {
		if c.Prefix().Codec == cid.Raw {
			return nil, nil
		}
		nd, err := e.dag.Get(ctx, c)
		if err != nil {
			return nil, err
		}
		return nd.Links(), nil
	}
	return merkledag.Walk(ctx, links, root, func(c cid.Cid) bool {
		if !seen.Visit(c) {
			return false
		}
		visit(c)
		return true
	}, opts...)
}
