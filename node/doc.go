// Package node lays out an alephd home and runs a node in it: a real
// CometBFT node in-process, talking to the app through a local ABCI client.
// cmd/alephd and the tests both start nodes through it.
package node
