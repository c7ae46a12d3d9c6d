// Package message is the Aleph message module: it validates message
// envelopes (structure, item hash, time, and the signature by its chain's
// rule, see package chains) and applies the
// POST, AGGREGATE, STORE, FORGET, PROGRAM and INSTANCE semantics of pyaleph
// to the replicated state, including amends, order-independent aggregate
// merges, forgetting, and delegation through the owner's `security` aggregate.
package message
