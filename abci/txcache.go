package abci

import (
	"crypto/sha256"
	"runtime"
	"sync"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/errs"
	"github.com/alephd/alephd/x/message"
)

// txCacheSize is how many transactions each generation holds: more than the
// mempool (node.MempoolSize, 10,000), since a block's transactions
// leave the cache once it is applied (forget) and those still in the mempool
// are looked up again at every recheck, which keeps them in the current
// generation. Transactions the mempool refused fill the rest and age out.
const txCacheSize = 16_000

// txEntry is what the node knows of one transaction: its parse and, once
// recovered, its signature verdict. Both are pure functions of the bytes
// (and of params, which change only at genesis), so caching them cannot
// change any outcome.
type txEntry struct {
	hash     [32]byte // sha256 of the transaction bytes, the cache key
	parsed   *app.Parsed
	verdict  error
	verified bool
}

// txCache holds entries by transaction hash, so a node parses each
// transaction and recovers its signature once across CheckTx, recheck and
// the block. Two generations bound memory without tracking recency.
type txCache struct {
	mu       sync.Mutex
	cur, old map[[32]byte]*txEntry
}

func newTxCache() *txCache {
	return &txCache{cur: map[[32]byte]*txEntry{}, old: map[[32]byte]*txEntry{}}
}

func (c *txCache) lookup(h [32]byte) *txEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.cur[h]; ok {
		return e
	}
	if e, ok := c.old[h]; ok {
		c.put(h, e)
		return e
	}
	return nil
}

// put stores e; the caller holds mu.
func (c *txCache) put(h [32]byte, e *txEntry) {
	if len(c.cur) >= txCacheSize {
		c.old, c.cur = c.cur, map[[32]byte]*txEntry{}
	}
	c.cur[h] = e
}

// entry returns tx's entry, parsing it with a if it is new.
func (c *txCache) entry(a *app.App, tx []byte) *txEntry {
	h := sha256.Sum256(tx)
	if e := c.lookup(h); e != nil {
		return e
	}
	e := &txEntry{hash: h, parsed: a.Parse(tx)}
	c.mu.Lock()
	c.put(h, e)
	c.mu.Unlock()
	return e
}

// forget drops the entries of an applied block: their transactions are
// out of the mempool and can never be admitted again (their item_hash is
// taken), so keeping them would only make the heap the GC walks larger.
func (c *txCache) forget(entries []*txEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range entries {
		delete(c.cur, e.hash)
		delete(c.old, e.hash)
	}
}

// verified reports whether e's signature verdict is known.
func (c *txCache) verified(e *txEntry) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.verified
}

// check returns e's SignatureCheck: the cached verdict, or a recovery whose
// result is cached.
func (c *txCache) check(e *txEntry) app.SignatureCheck {
	return func() error {
		c.mu.Lock()
		if e.verified {
			defer c.mu.Unlock()
			return e.verdict
		}
		c.mu.Unlock()
		v := verify(e.parsed)
		c.mu.Lock()
		e.verdict, e.verified = v, true
		c.mu.Unlock()
		return v
	}
}

// verify recovers p's signature. Like a parse, a panic here would be a bug
// in a pure function of the transaction: it rejects it instead of crashing
// the block-preparation goroutine, and with it the node.
func verify(p *app.Parsed) (err error) {
	if p.Msg == nil {
		return p.Err
	}
	defer func() {
		if r := recover(); r != nil {
			err = errs.Wrapf(app.ErrHandlerCrash, "verifying its signature panicked: %v", r)
		}
	}()
	return message.VerifySignature(p.Msg)
}

// prepare parses a block's transactions and recovers the signatures the node
// has not verified yet, on every core, before the block is applied in order.
func (c *txCache) prepare(a *app.App, txs [][]byte) []*txEntry {
	entries := make([]*txEntry, len(txs))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				e := c.entry(a, txs[i])
				if !c.verified(e) && e.parsed.Err == nil {
					// Recovers and caches the verdict on e, which is what the
					// returned error is: FinalizeBlock reads it from the cache.
					_ = c.check(e)()
				}
				entries[i] = e
			}
		}()
	}
	for i := range txs {
		work <- i
	}
	close(work)
	wg.Wait()
	return entries
}
