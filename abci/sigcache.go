package abci

import (
	"crypto/sha256"
	"runtime"
	"sync"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/x/message"
)

// sigCacheSize is how many verdicts each generation holds: several blocks'
// worth of mempool at thousands of messages per second.
const sigCacheSize = 200_000

// sigCache remembers signature verdicts by transaction hash. A verdict is a
// pure function of the tx bytes, so caching it cannot change any outcome.
// Two generations bound memory without tracking recency per entry.
type sigCache struct {
	mu       sync.Mutex
	cur, old map[[32]byte]error
}

func newSigCache() *sigCache {
	return &sigCache{cur: map[[32]byte]error{}, old: map[[32]byte]error{}}
}

func (c *sigCache) get(h [32]byte) (error, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[h]; ok {
		return v, true
	}
	v, ok := c.old[h]
	return v, ok
}

func (c *sigCache) put(h [32]byte, verdict error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cur) >= sigCacheSize {
		c.old, c.cur = c.cur, map[[32]byte]error{}
	}
	c.cur[h] = verdict
}

// verifyTx decodes tx and verifies its signature.
func verifyTx(tx []byte) error {
	m, err := app.DecodeTx(tx)
	if err != nil {
		return err
	}
	return message.VerifySignature(m)
}

// check returns the SignatureCheck for tx: the cached verdict, or a fresh
// verification whose result is cached.
func (c *sigCache) check(tx []byte) app.SignatureCheck {
	return func() error {
		h := sha256.Sum256(tx)
		if v, ok := c.get(h); ok {
			return v
		}
		v := verifyTx(tx)
		c.put(h, v)
		return v
	}
}

// prefetch verifies, on every core, the signatures of block transactions
// the node has no verdict for, before the block is applied in order.
func (c *sigCache) prefetch(txs [][]byte) {
	var missing []int
	hashes := make([][32]byte, len(txs))
	for i, tx := range txs {
		hashes[i] = sha256.Sum256(tx)
		if _, ok := c.get(hashes[i]); !ok {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				c.put(hashes[i], verifyTx(txs[i]))
			}
		}()
	}
	for _, i := range missing {
		work <- i
	}
	close(work)
	wg.Wait()
}
