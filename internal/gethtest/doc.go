// Package gethtest gives tests a real Ethereum chain with ALEPH's stand-in
// token on it: geth --dev as a process on loopback (Start), go-ethereum's
// in-process simulated backend for fast unit tests (NewSim), the test ERC-20
// of contracts/token deployed and moved on either (DeployToken, Transfer,
// MultiTransfer), and an RPC proxy that can go down or lie (NewProxy).
//
// The geth binary is $ALEPHD_GETH or the one scripts/geth.sh builds from
// go-ethereum's Go module (about 5 minutes the first time) and caches.
//
// Facts about geth --dev v1.17.10 these helpers rely on, checked here:
//   - The developer account is fixed (cmd/utils.DeveloperKey), pre-funded in
//     the dev genesis and unlocked; chain id 1337. Tests sign with its key
//     (DevKey) through go-ethereum's bind, so nothing depends on the unlock.
//   - The `finalized` tag is the highest multiple of 32 at or below the head
//     (eth/catalyst/simulated_beacon.go, devEpochLength = 32, a constant: no
//     flag changes it). With --dev.period 1 it moves every 32 s.
//   - With --dev.period 0 geth seals a block when a transaction or a
//     withdrawal arrives. The dev_addWithdrawal RPC (a zero-amount
//     withdrawal) therefore seals an empty block on demand: Chain.Mine makes
//     32 blocks, and so moves `finalized`, in about a second. WithOnDemand
//     selects that mode; WithBlockInterval adds a goroutine that seals a
//     block every interval, for a chain that moves by itself faster than
//     --dev.period's 1-second floor.
//   - debug_setHead rewinds the head; the next sealed blocks build a new
//     branch on it, so blocks above the new head get new hashes: a reorg
//     (Chain.SetHead). Transactions of the dropped blocks are not
//     re-included by the dev sealer.
//   - With --http.port 0 geth binds a port the kernel picks and logs it; in
//     dev mode it opens no P2P or engine-API listener.
package gethtest
