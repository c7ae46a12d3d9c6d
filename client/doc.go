// Package client builds, signs and submits Aleph messages to an alephd node
// over CometBFT RPC, and reads state back through ABCI queries, verifying
// Merkle proofs when asked. The CLI, the tests and the load generator use it.
package client
