package app

import "github.com/alephd/alephd/x/balance"

// EthPosition is, in the committed state, where the next Ethereum
// attestation starts: the first block of the next range, and the page of
// that block when it is attested in pages (balance.EthCursor; 0
// otherwise); and whether the chain reads a token at all. The node's
// vote extensions read it.
func (a *App) EthPosition() (next uint64, page uint32, on bool, err error) {
	if a.store.Version() == 0 {
		return 0, 0, false, nil
	}
	snap, err := a.store.At(0)
	if err != nil {
		return 0, 0, false, err
	}
	if next, on, err = a.balances.EthNext(snap); err != nil || !on {
		return 0, 0, on, err
	}
	cur, err := balance.EthCursor(snap)
	if err != nil || cur == nil {
		return next, 0, on, err
	}
	return cur.Block, cur.Next, on, nil
}
