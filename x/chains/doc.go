// Package chains verifies Aleph message signatures for every chain pyaleph
// verifies, and says how each chain spells an address.
//
// Each chain has a scheme: the sender format it takes, the bytes the wallet
// signs (pyaleph's verification buffer "{chain}\n{sender}\n{type}\n{item_hash}",
// wrapped as the chain's wallets wrap it) and the curve. The table follows
// pyaleph's src/aleph/chains/signature_verifier.py, which maps aleph-message's
// Chain values to one verifier each. The code is deterministic: no clock, no
// randomness, no floats; a message verifies the same on every validator.
//
// Addresses are per chain: only 0x-prefixed hex addresses (EVM) are one
// account whatever their case; base58, bech32 and SS58 addresses are exact.
// NormalizeAddress is the one place that rule is written.
package chains
