// Package api serves pyaleph's HTTP API (/api/v0, /api/v1, /api/ws0) with
// gin, so the official Aleph SDKs work against alephd unchanged. Listings
// come from the query index, state (aggregates, posts' latest amends) from
// ABCI queries on committed state, and submissions go through the local
// node's mempool like any other transaction. Bad input gets a 4xx with a
// message; nothing a client sends reaches a 500 or a panic.
package api
