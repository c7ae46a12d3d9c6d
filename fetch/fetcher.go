package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// Size caps of what the fetcher downloads, the message params' defaults
// (pyaleph's limits): a larger file could not be processed anyway.
const (
	maxStorageBytes = 100 << 20
	maxIPFSBytes    = 1 << 30
)

// Config says where files come from.
type Config struct {
	Store *content.Store
	// IPFS is the IPFS backend: the store's embedded one, or kubo.
	IPFS content.Backend
	// Kubo is set when IPFS is a kubo daemon, which may also fetch from
	// the IPFS network.
	Kubo bool
	// Peers are other nodes' API base URLs, e.g. http://127.0.0.1:4025.
	Peers []string
	// Timeout bounds one download from one source.
	Timeout time.Duration
	// Workers is how many files download at once.
	Workers int
}

// Fetcher verifies pending STOREs' files and remembers their sizes.
type Fetcher struct {
	cfg    Config
	client *http.Client
	work   chan message.PendingStore

	mu       sync.Mutex
	verified map[string]verifiedFile // STORE item_hash -> its file
	queued   map[string]bool         // waiting or downloading
	retryAt  map[string]time.Time    // a failed fetch waits before the next try
	// working cancels the work on a STORE a worker holds, once the STORE
	// is no longer pending: a large file, or a DAG of millions of tiny
	// blocks, must not keep a worker after its STORE was decided.
	working map[string]context.CancelFunc

	roots rootCache // sha256 files' chunk roots, by file and chunk size (roots.go)
	dags  rootCache // IPFS files' DAG sizes, by file and size (dag.go)
}

// verifiedFile is a file this node holds and verified: a STORE's, or the
// content of a non-inline message (with its sha256 and engine, which the
// proposer reads it back with).
type verifiedFile struct {
	size     uint64
	sha256   []byte
	fileType string
	// chunkRoot is a sha256 file's x/resource/proof ChunkRoot, when the
	// chain asks for one (PendingStore.RootChunkSize).
	chunkRoot []byte
	// dagBytes is an IPFS file's DAG size (DAGBytes), when the chain asks
	// for it (PendingStore.DAGBytes).
	dagBytes uint64
}

// retryAfter paces attempts at a file no source has yet.
const retryAfter = 2 * time.Second

// New returns a fetcher; Run starts its workers.
func New(cfg Config) *Fetcher {
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Workers == 0 {
		cfg.Workers = 4
	}
	return &Fetcher{
		cfg: cfg, client: &http.Client{Timeout: cfg.Timeout},
		work:     make(chan message.PendingStore, 1024),
		verified: map[string]verifiedFile{}, queued: map[string]bool{}, retryAt: map[string]time.Time{},
		working: map[string]context.CancelFunc{},
	}
}

// IPFS is the IPFS backend files are fetched into: uploads through the API
// go to the same one.
func (f *Fetcher) IPFS() content.Backend { return f.cfg.IPFS }

// Run downloads queued files until ctx ends.
func (f *Fetcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < f.cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case p := <-f.work:
					f.work1(ctx, p)
				}
			}
		}()
	}
	wg.Wait()
}

// work1 fetches and verifies one pending STORE's file, and what the chain
// asks with it, until done or until the STORE is no longer pending
// (Verified cancels it).
func (f *Fetcher) work1(ctx context.Context, p message.PendingStore) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f.mu.Lock()
	f.working[p.ItemHash] = cancel
	f.mu.Unlock()
	size, err := f.Fetch(ctx, p.FileType, p.FileHash)
	v := verifiedFile{size: uint64(size), fileType: p.FileType}
	if err == nil && p.Content {
		v.sha256, err = f.digest(ctx, p.FileType, p.FileHash)
	}
	if err == nil && p.RootChunkSize > 0 && !p.Content && p.FileType == message.ItemStorage {
		v.chunkRoot, err = f.ChunkRoot(p.FileHash, p.RootChunkSize)
	}
	if err == nil && p.DAGBytes && !p.Content && p.FileType == message.ItemIPFS {
		v.dagBytes, err = f.DAGBytes(ctx, p.FileHash, v.size)
	}
	f.mu.Lock()
	delete(f.queued, p.ItemHash)
	delete(f.working, p.ItemHash)
	if err == nil {
		f.verified[p.ItemHash] = v
	} else {
		f.retryAt[p.ItemHash] = time.Now().Add(retryAfter)
	}
	f.mu.Unlock()
}

// Verified returns, among pending, the STOREs whose file this node holds
// and verified, with sizes, and queues the others for download. It never
// waits: it is called while the validator votes.
func (f *Fetcher) Verified(pending []message.PendingStore) []*pb.AttestedFile {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*pb.AttestedFile
	live := make(map[string]bool, len(pending))
	now := time.Now()
	for _, p := range pending {
		live[p.ItemHash] = true
		if v, ok := f.verified[p.ItemHash]; ok {
			out = append(out, &pb.AttestedFile{ItemHash: p.ItemHash, Size: v.size, Sha256: v.sha256, ChunkRoot: v.chunkRoot, DagBytes: v.dagBytes})
			continue
		}
		if f.queued[p.ItemHash] || now.Before(f.retryAt[p.ItemHash]) {
			continue
		}
		select {
		case f.work <- p:
			f.queued[p.ItemHash] = true
		default: // busy: asked again at the next vote
		}
	}
	// STOREs no longer pending (processed, rejected, forgotten) are done.
	for h := range f.verified {
		if !live[h] {
			delete(f.verified, h)
		}
	}
	for h := range f.retryAt {
		if !live[h] {
			delete(f.retryAt, h)
		}
	}
	for h, cancel := range f.working {
		if !live[h] {
			cancel()
		}
	}
	return out
}

// Fetch makes sure this node holds a file, verified, and returns its size.
func (f *Fetcher) Fetch(ctx context.Context, fileType, hash string) (int64, error) {
	if fileType == "ipfs" {
		return f.fetchIPFS(ctx, hash)
	}
	return f.fetchStorage(ctx, hash)
}

func (f *Fetcher) fetchStorage(ctx context.Context, hash string) (int64, error) {
	if size, err := f.cfg.Store.Size(hash); err == nil {
		return size, nil // stored under the sha256 Put computed
	}
	var errs []error
	for _, peer := range f.cfg.Peers {
		size, err := f.fromPeer(ctx, peer, hash, func(r io.Reader) (int64, error) {
			got, n, err := f.cfg.Store.Put(r, maxStorageBytes)
			if err == nil && got != hash {
				err = fmt.Errorf("served bytes hash to %s", got)
			}
			return n, err
		})
		if err == nil {
			return size, nil
		}
		errs = append(errs, err)
	}
	return 0, fmt.Errorf("file %s: %w", hash, errors.Join(append(errs, content.ErrNotFound)...))
}

func (f *Fetcher) fetchIPFS(ctx context.Context, hash string) (int64, error) {
	c, err := cid.Decode(hash)
	if err != nil {
		return 0, err
	}
	if ok, err := f.cfg.IPFS.Has(ctx, c); err == nil && ok {
		return f.cfg.IPFS.Stat(ctx, c)
	}
	if f.cfg.Kubo { // the daemon may find it on the IPFS network
		sctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
		size, err := f.cfg.IPFS.Stat(sctx, c)
		cancel()
		if err == nil {
			return size, nil
		}
	}
	var errs []error
	for _, peer := range f.cfg.Peers {
		size, err := f.fromPeer(ctx, peer, hash, func(r io.Reader) (int64, error) {
			got, n, err := f.cfg.IPFS.Add(ctx, r, content.AddOptions{CIDv1: c.Version() == 1, Limit: maxIPFSBytes})
			if err == nil && !got.Equals(c) {
				err = fmt.Errorf("served bytes import as %s", got)
			}
			return n, err
		})
		if err == nil {
			return size, nil
		}
		errs = append(errs, err)
	}
	return 0, fmt.Errorf("file %s: %w", hash, errors.Join(append(errs, content.ErrNotFound)...))
}

// fromPeer streams a peer's copy into keep, which checks it.
func (f *Fetcher) fromPeer(ctx context.Context, peer, hash string, keep func(io.Reader) (int64, error)) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	url := strings.TrimRight(peer, "/") + "/api/v0/storage/raw/" + hash
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return keep(resp.Body)
}
