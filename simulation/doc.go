// Package simulation runs seeded, replayable random histories through the
// app: many accounts sending every message type (posts, amends, aggregates
// in random order, STOREs, FORGETs, delegations, and bad messages), block
// after block, with every invariant checked after each block. The same seed
// always gives the same app hash at every height; a failure names the seed
// that reproduces it.
//
// The resource scenario (TestSimulationResources) runs the same mix with
// x/resource on and resource nodes registered, linked and answering their
// storage challenges through the real transaction path: honest nodes with
// proofs built from files imported into the embedded IPFS store (and
// sha256 files' chunk roots), liars with tampered, misdirected or replayed
// proofs, silent nodes with nothing; their signed liveness answers reach
// the record through the app's own tally. A twin chain that never sees
// the refused proofs must keep the same app hash, so a refused proof
// changes nothing.
package simulation
