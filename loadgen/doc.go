// Package loadgen sends signed Aleph messages to alephd nodes over CometBFT
// RPC, at a target rate or as fast as they are taken, and measures what
// commits: committed messages per second and the submit-to-commit latency.
// Messages are signed before the clock starts so the generator's own
// signing does not compete with the node it measures.
package loadgen
