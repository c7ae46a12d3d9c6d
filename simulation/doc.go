// Package simulation runs seeded, replayable random histories through the
// app: many accounts sending every message type (posts, amends, aggregates
// in random order, STOREs, FORGETs, delegations, and bad messages), block
// after block, with every invariant checked after each block. The same seed
// always gives the same app hash at every height; a failure names the seed
// that reproduces it.
package simulation
