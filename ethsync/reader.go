package ethsync

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
)

// Chain is what the reader asks of an Ethereum RPC endpoint; go-ethereum's
// ethclient.Client (and the simulated backend's client) is one.
type Chain interface {
	ChainID(ctx context.Context) (*big.Int, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
}

// Config tunes a reader.
type Config struct {
	// Params are the chain's (genesis) token params.
	Params balance.EthParams
	// Poll is how often the reader looks for newly final blocks (default
	// 2 s; Ethereum makes a block every 12 s).
	Poll time.Duration
	// Ahead is how many ranges past the next one to attest it reads and
	// keeps (default 4), so that the next vote never waits.
	Ahead int
	// CallTimeout bounds each RPC call (default 20 s).
	CallTimeout time.Duration
	// Expire is how many Syncs a cached range is kept before it is read
	// again (default 30, a minute at the default poll). The chain waits
	// on a range until 2/3 of the power read it alike: a range this node
	// read wrong (an endpoint that missed logs for a while) must not be
	// voted for ever.
	Expire int
	// Info and Error log; nil drops the lines.
	Info, Error func(msg string, kv ...any)
	// Endpoint names the RPC in log lines.
	Endpoint string
}

// Reader reads the token's ranges in the background (Run) and answers the
// ABCI adapter from its cache. Safe for concurrent use.
type Reader struct {
	chain Chain
	cfg   Config
	token common.Address
	wake  chan struct{}

	mu     sync.Mutex
	want   uint64            // first block of the next range to attest; 0: not known yet
	ranges map[uint64]*Range // by first block, contiguous from want
	height uint64            // last block of the last range read
	final  uint64            // the endpoint's last final block
	down   error             // the last RPC failure, until a call succeeds
	syncs  int               // Syncs run, the clock of Expire
}

// New returns a reader over chain.
func New(chain Chain, cfg Config) *Reader {
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Ahead <= 0 {
		cfg.Ahead = 4
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 20 * time.Second
	}
	if cfg.Expire <= 0 {
		cfg.Expire = 30
	}
	if cfg.Info == nil {
		cfg.Info = func(string, ...any) {}
	}
	if cfg.Error == nil {
		cfg.Error = func(string, ...any) {}
	}
	registerMetrics()
	return &Reader{chain: chain, cfg: cfg, token: common.HexToAddress(cfg.Params.Token), wake: make(chan struct{}, 1), ranges: map[uint64]*Range{}}
}

// Dial returns a reader of the RPC endpoint at url (http, https, ws, wss
// or an IPC path). It does not connect yet: an endpoint that is down, at
// start or later, is the reader's to report and retry, not the node's to
// fail on. A URL of another scheme is an error.
func Dial(url string, cfg Config) (*Reader, error) {
	if i := strings.Index(url, "://"); i >= 0 {
		switch url[:i] {
		case "http", "https", "ws", "wss":
		default:
			return nil, fmt.Errorf("eth_rpc %q: the scheme must be http, https, ws or wss (or give an IPC path)", url)
		}
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = url
	}
	return New(&lazyClient{url: url}, cfg), nil
}

// lazyClient dials its endpoint at the first call, and again after a
// failed dial: a websocket endpoint that is down when the node starts is
// then read once it is up. (go-ethereum's client reconnects a dropped
// websocket by itself.)
type lazyClient struct {
	url    string
	mu     sync.Mutex
	client *ethclient.Client
}

func (l *lazyClient) get(ctx context.Context) (*ethclient.Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.client == nil {
		c, err := rpc.DialContext(ctx, l.url)
		if err != nil {
			return nil, fmt.Errorf("dial: %w", err)
		}
		l.client = ethclient.NewClient(c)
	}
	return l.client, nil
}

func (l *lazyClient) ChainID(ctx context.Context) (*big.Int, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.ChainID(ctx)
}

func (l *lazyClient) HeaderByNumber(ctx context.Context, n *big.Int) (*types.Header, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.HeaderByNumber(ctx, n)
}

func (l *lazyClient) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	c, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return c.FilterLogs(ctx, q)
}

// Want says the next range to attest starts at from. Ranges before it are
// dropped; the reader reads from there at once.
func (r *Reader) Want(from uint64) {
	r.mu.Lock()
	changed := from != r.want
	if changed {
		r.want = from
		for f := range r.ranges {
			if f < from {
				delete(r.ranges, f)
			}
		}
	}
	r.mu.Unlock()
	if changed {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// Vote is the reader's vote on the range that starts at from (on page of
// it, when that block alone is in pages); nil if it has not read it.
func (r *Reader) Vote(from uint64, page uint32) *pb.EthVote {
	r.mu.Lock()
	defer r.mu.Unlock()
	if g := r.ranges[from]; g != nil {
		v, _ := g.Page(page)
		return v
	}
	return nil
}

// Changes are the changes of range from..to (of its page), if the reader
// read it with that digest.
func (r *Reader) Changes(from, to uint64, digest []byte) ([]*pb.EthChange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.ranges[from]
	if g == nil || g.To != to {
		return nil, false
	}
	for i := uint32(0); ; i++ {
		v, changes := g.Page(i)
		switch {
		case v == nil:
			return nil, false
		case string(v.Digest) == string(digest):
			return changes, true
		}
	}
}

// Range is the range read from from, if any.
func (r *Reader) Range(from uint64) *Range {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ranges[from]
}

// Height is the last block of the last range read (0 before any).
func (r *Reader) Height() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.height
}

// Final is the endpoint's last final block, as last seen.
func (r *Reader) Final() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.final
}

// Run reads until ctx ends: at every poll, and as soon as Want moves.
func (r *Reader) Run(ctx context.Context) {
	t := time.NewTicker(r.cfg.Poll)
	defer t.Stop()
	for {
		r.step(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.wake:
		}
	}
}

// step is one Sync, with its failure logged once while it lasts.
func (r *Reader) step(ctx context.Context) {
	err := r.Sync(ctx)
	if ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	wasDown := r.down
	r.down = err
	r.mu.Unlock()
	switch {
	case err != nil && wasDown == nil:
		r.cfg.Error("Ethereum RPC failing: this node attests no Ethereum range until it answers (logged once)", "eth_rpc", r.cfg.Endpoint, "err", err)
	case err == nil && wasDown != nil:
		r.cfg.Info("Ethereum RPC answers again", "eth_rpc", r.cfg.Endpoint)
	}
}

// Sync reads what is final and not read yet: up to Ahead ranges from the
// one Want named. Every Sync checks the endpoint's chain id again (a URL
// may come to serve another network), and the last block of every cached
// range: one that is no longer the chain's (a reorg deeper than the
// finality rule, or a proxy that lied) is dropped with the ranges after
// it, and read again. A range cached Expire Syncs ago is read again too.
// It returns the first RPC failure.
func (r *Reader) Sync(ctx context.Context) error {
	r.mu.Lock()
	from := r.want
	r.syncs++
	r.mu.Unlock()
	if from == 0 {
		return nil
	}
	if err := r.checkChain(ctx); err != nil {
		return r.failed(err)
	}
	final, err := r.finalHead(ctx)
	if err != nil {
		return r.failed(err)
	}
	r.mu.Lock()
	r.final = final
	r.mu.Unlock()
	metricFinal.Set(float64(final))
	if err := r.recheck(ctx, from); err != nil {
		return r.failed(err)
	}
	p := r.cfg.Params
	for i := 0; i <= r.cfg.Ahead; i++ {
		old := r.Range(from)
		if old != nil && !r.expired(old) {
			from = old.To + 1
			continue
		}
		end := p.RangeEnd(from)
		if end > final {
			break
		}
		g, err := r.read(ctx, from, end)
		if err != nil {
			return r.failed(err)
		}
		r.mu.Lock()
		if from < r.want { // the chain moved past it meanwhile
			r.mu.Unlock()
			break
		}
		if old != nil && (old.To != g.To || string(old.Digest) != string(g.Digest)) {
			r.cfg.Info("Ethereum range read again differs from the one cached; voting the new one", "from", from, "to", g.To, "was_to", old.To)
			r.dropFrom(from)
		}
		g.read = r.syncs
		r.ranges[from] = g
		if g.To > r.height {
			r.height = g.To
		}
		r.mu.Unlock()
		metricTransfers.Add(float64(g.Transfers))
		from = g.To + 1
	}
	r.mu.Lock()
	h := r.height
	r.mu.Unlock()
	metricHeight.Set(float64(h))
	if final > h {
		metricLag.Set(float64(final - h))
	} else {
		metricLag.Set(0)
	}
	return nil
}

func (r *Reader) failed(err error) error {
	metricErrors.Inc()
	return err
}

// expired reports whether g was read Expire Syncs ago or more.
func (r *Reader) expired(g *Range) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.syncs-g.read >= r.cfg.Expire
}

// dropFrom forgets the cached ranges from block from on, and the height
// read; r.mu is held.
func (r *Reader) dropFrom(from uint64) {
	for f := range r.ranges {
		if f >= from {
			delete(r.ranges, f)
		}
	}
	r.height = 0
	for _, g := range r.ranges {
		r.height = max(r.height, g.To)
	}
}

// recheck drops the cached ranges, from the one starting at from on,
// whose last block the endpoint no longer has with the hash it had when
// read: at most Ahead+1 header calls.
func (r *Reader) recheck(ctx context.Context, from uint64) error {
	for range r.cfg.Ahead + 1 {
		g := r.Range(from)
		if g == nil {
			return nil
		}
		h, err := r.header(ctx, g.To)
		if err != nil {
			return err
		}
		if h.Hash() != g.hash {
			r.cfg.Error("Ethereum blocks this node read are no longer the chain's (a reorg past the finality rule, or an endpoint that answered otherwise); reading them again", "from", g.From, "to", g.To, "hash_read", g.hash, "hash_now", h.Hash())
			r.mu.Lock()
			r.dropFrom(from)
			r.mu.Unlock()
			return nil
		}
		from = g.To + 1
	}
	return nil
}

// header is the header of block n.
func (r *Reader) header(ctx context.Context, n uint64) (*types.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	defer cancel()
	h, err := r.chain.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
	if err != nil {
		return nil, fmt.Errorf("read block %d: %w", n, err)
	}
	if h == nil || h.Number == nil || !h.Number.IsUint64() || h.Number.Uint64() != n {
		return nil, fmt.Errorf("the endpoint answered another header for block %d", n)
	}
	return h, nil
}

// checkChain refuses an endpoint of another chain than the params name.
func (r *Reader) checkChain(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	defer cancel()
	id, err := r.chain.ChainID(ctx)
	if err != nil {
		return fmt.Errorf("eth_chainId: %w", err)
	}
	if !id.IsUint64() || id.Uint64() != r.cfg.Params.ChainID {
		return fmt.Errorf("the endpoint serves chain id %s; genesis names %d", id, r.cfg.Params.ChainID)
	}
	return nil
}

// finalHead is the last block final by the params' rule.
func (r *Reader) finalHead(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	defer cancel()
	var tag *big.Int // the head
	if r.cfg.Params.Finality == balance.FinalityTag {
		tag = big.NewInt(int64(rpc.FinalizedBlockNumber))
	}
	h, err := r.chain.HeaderByNumber(ctx, tag)
	if err != nil {
		return 0, fmt.Errorf("read the %s block: %w", r.cfg.Params.Finality, err)
	}
	if h == nil || h.Number == nil || !h.Number.IsUint64() {
		return 0, errors.New("the endpoint answered no block number")
	}
	n := h.Number.Uint64()
	if tag == nil {
		if n < r.cfg.Params.Confirmations {
			return 0, nil
		}
		n -= r.cfg.Params.Confirmations
	}
	return n, nil
}

// read reads blocks from..end into a range (which may end earlier, at
// max_changes), with the hash of its last block. That hash is read before
// the logs: if a reorg replaces the blocks meanwhile, the next recheck
// sees another hash and reads the range again.
func (r *Reader) read(ctx context.Context, from, end uint64) (*Range, error) {
	last, err := r.header(ctx, end)
	if err != nil {
		return nil, err
	}
	logs, err := r.logs(ctx, from, end, 0)
	if err != nil {
		return nil, err
	}
	ts, err := decodeTransfers(logs, r.token, from, end)
	if err != nil {
		return nil, err
	}
	g, err := buildRange(ts, from, end, r.cfg.Params.MaxChanges)
	if err != nil {
		return nil, err
	}
	g.hash = last.Hash()
	if g.To != end { // cut at max_changes: hash its own last block, then make sure end did not move
		h, err := r.header(ctx, g.To)
		if err != nil {
			return nil, err
		}
		if again, err := r.header(ctx, end); err != nil {
			return nil, err
		} else if again.Hash() != last.Hash() {
			return nil, fmt.Errorf("blocks %d-%d changed while read (a reorg): read again at the next poll", from, end)
		}
		g.hash = h.Hash()
	}
	return g, nil
}

// maxSplits bounds how many times a query is halved: 2^16 queries at most
// for one range.
const maxSplits = 16

// logs asks for the token's Transfer logs of blocks from..end. An endpoint
// that answers a query with an error of its own (public providers cap a
// query's results or its span: "query returned more than 10000 results")
// is asked again in two halves; a transport failure is returned as is.
func (r *Reader) logs(ctx context.Context, from, end uint64, depth int) ([]types.Log, error) {
	callCtx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	logs, err := r.chain.FilterLogs(callCtx, ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(from), ToBlock: new(big.Int).SetUint64(end),
		Addresses: []common.Address{r.token}, Topics: [][]common.Hash{{TransferTopic}},
	})
	cancel()
	var answered rpc.Error
	if err != nil && errors.As(err, &answered) && end > from && depth < maxSplits && ctx.Err() == nil {
		mid := from + (end-from)/2
		first, err := r.logs(ctx, from, mid, depth+1)
		if err != nil {
			return nil, err
		}
		second, err := r.logs(ctx, mid+1, end, depth+1)
		if err != nil {
			return nil, err
		}
		return append(first, second...), nil
	}
	if err != nil {
		return nil, fmt.Errorf("eth_getLogs of blocks %d-%d: %w", from, end, err)
	}
	return logs, nil
}
