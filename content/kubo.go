package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ipfs/boxo/files"
	"github.com/ipfs/boxo/path"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/ipfs/kubo/client/rpc"
	caopts "github.com/ipfs/kubo/core/coreiface/options"
	ma "github.com/multiformats/go-multiaddr"
)

// Kubo is a kubo daemon reached through its RPC API. It keeps nothing
// itself: content, pins and GC are the daemon's.
type Kubo struct {
	api *rpc.HttpApi
}

var _ Backend = (*Kubo)(nil)

// NewKubo returns the backend for the kubo RPC API at addr, a multiaddr
// such as /ip4/127.0.0.1/tcp/5001. It does not connect yet.
func NewKubo(addr string) (*Kubo, error) {
	a, err := ma.NewMultiaddr(addr)
	if err != nil {
		return nil, fmt.Errorf("kubo API address %q: %w", addr, err)
	}
	api, err := rpc.NewApi(a)
	if err != nil {
		return nil, fmt.Errorf("kubo API address %q: %w", addr, err)
	}
	return &Kubo{api: api}, nil
}

// Add sends r to the daemon and imports the same bytes locally without
// storing them, as they stream past. The daemon's CID must equal the local
// one: the RPC client forwards only some import options (not
// max-file-links, for one) and the daemon's Import.* configuration fills
// the rest, so its answer alone does not prove which DAG it built.
func (k *Kubo) Add(ctx context.Context, r io.Reader, opts AddOptions) (cid.Cid, int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	type result struct {
		c   cid.Cid
		err error
	}
	local := make(chan result, 1)
	go func() {
		c, _, err := importFile(ctx, pr, AddOptions{CIDv1: opts.CIDv1}, discardDAG{})
		pr.CloseWithError(err) // on error, fails the upload's next write
		local <- result{c, err}
	}()

	version := 0
	if opts.CIDv1 {
		version = 1
	}
	up := &upload{cr: &countingReader{ctx: ctx, r: r, limit: opts.Limit}, w: pw}
	p, err := k.api.Unixfs().Add(ctx, files.NewReaderFile(up),
		caopts.Unixfs.CidVersion(version),
		caopts.Unixfs.RawLeaves(opts.CIDv1),
		caopts.Unixfs.Chunker(fmt.Sprintf("size-%d", chunkSize)),
		caopts.Unixfs.Layout(caopts.BalancedLayout),
		caopts.Unixfs.Pin(opts.Pin, ""),
	)
	n, readErr := up.finish()
	pw.CloseWithError(errors.Join(err, io.ErrUnexpectedEOF)) // a no-op after EOF
	want := <-local
	switch {
	case readErr != nil: // too large, cancelled, or the caller's reader failed
		return cid.Undef, n, readErr
	case err != nil:
		return cid.Undef, n, fmt.Errorf("kubo add: %w", err)
	case want.err != nil:
		return cid.Undef, n, fmt.Errorf("local import: %w", want.err)
	}
	got := p.RootCid()
	if !got.Equals(want.c) {
		err := fmt.Errorf("%w: kubo stored the upload as %s, but its local import is %s", ErrCIDMismatch, got, want.c)
		if opts.Pin { // do not leave the daemon pinning a DAG nobody will name
			err = errors.Join(err, k.Unpin(context.WithoutCancel(ctx), got))
		}
		return cid.Undef, n, err
	}
	return got, n, nil
}

// upload is the body that the RPC client streams: the caller's bytes,
// counted and copied to the local import, whose pipe it closes at their
// end. The HTTP transport may still be reading it when Add has its answer
// (after an early error response), hence the lock and finish.
type upload struct {
	mu   sync.Mutex
	cr   *countingReader
	w    *io.PipeWriter
	done bool
}

func (u *upload) Read(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return 0, io.ErrClosedPipe
	}
	n, err := u.cr.Read(p)
	if n > 0 {
		if _, werr := u.w.Write(p[:n]); werr != nil {
			return 0, werr // the local import failed: stop the upload too
		}
	}
	if err == io.EOF {
		_ = u.w.Close() // a pipe's Close always returns nil
	}
	return n, err
}

// finish stops further reads and returns the count and the read error.
func (u *upload) finish() (int64, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.done = true
	return u.cr.n, u.cr.err
}

// Cat reads the file c. Seeking far ahead starts a new request at that
// offset.
func (k *Kubo) Cat(ctx context.Context, c cid.Cid) (io.ReadSeekCloser, error) {
	nd, err := k.api.Unixfs().Get(ctx, path.FromCid(c))
	if err != nil {
		return nil, fmt.Errorf("kubo cat %s: %w", c, err)
	}
	f, ok := nd.(io.ReadSeekCloser) // the RPC client's files seek
	if !ok {
		_ = nd.Close() // not a file is the error to report
		return nil, fmt.Errorf("kubo cat %s: not a file", c)
	}
	return f, nil
}

// Stat returns the UnixFS size of c.
func (k *Kubo) Stat(ctx context.Context, c cid.Cid) (int64, error) {
	var out struct {
		Type string
		Size int64
	}
	if err := k.api.Request("files/stat", path.FromCid(c).String()).Exec(ctx, &out); err != nil {
		return 0, fmt.Errorf("kubo stat %s: %w", c, err)
	}
	if out.Type != "file" {
		return 0, fmt.Errorf("kubo stat %s: a %s, not a file", c, out.Type)
	}
	return out.Size, nil
}

// Has asks the daemon offline, so that it answers from its own blocks
// instead of searching the network.
func (k *Kubo) Has(ctx context.Context, c cid.Cid) (bool, error) {
	offline, err := k.api.WithOptions(caopts.Api.Offline(true))
	if err != nil {
		return false, err
	}
	_, err = offline.Block().Stat(ctx, path.FromCid(c))
	if err == nil {
		return true, nil
	}
	if ipld.IsNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("kubo block stat %s: %w", c, err)
}

// Pin pins c recursively on the daemon.
func (k *Kubo) Pin(ctx context.Context, c cid.Cid) error {
	if err := k.api.Pin().Add(ctx, path.FromCid(c), caopts.Pin.Recursive(true)); err != nil {
		return fmt.Errorf("kubo pin add %s: %w", c, err)
	}
	return nil
}

// Unpin removes c's recursive pin; it is not an error if there is none.
func (k *Kubo) Unpin(ctx context.Context, c cid.Cid) error {
	err := k.api.Pin().Rm(ctx, path.FromCid(c), caopts.Pin.RmRecursive(true))
	if err == nil {
		return nil
	}
	if _, pinned, perr := k.api.Pin().IsPinned(ctx, path.FromCid(c)); perr == nil && !pinned {
		return nil
	}
	return fmt.Errorf("kubo pin rm %s: %w", c, err)
}
