// Package ethsync is a validator node's reader of the ALEPH token on
// Ethereum, outside the state machine. In a background goroutine it asks
// its own Ethereum RPC endpoint (go-ethereum's ethclient) for the token's
// Transfer logs over bounded ranges of blocks that are final by the
// chain's rule (the `finalized` tag, or N confirmations), contiguous from
// the last range the chain attested, and keeps in a cache each range's net
// balance changes per address and their digest (x/balance.EthDigest); a
// block that alone passes max_changes is a range of its own, in pages.
// Every poll re-checks the endpoint's chain id and the hash of each cached
// range's last block, and reads a range again when its block is no longer
// the chain's or it has waited too long for the chain to attest it. The
// ABCI adapter reads that cache when it extends a vote or builds a
// proposal: no RPC ever runs inside an ABCI call, and a node whose RPC is
// down, slow or lying votes nothing, or a digest the others outvote.
package ethsync
