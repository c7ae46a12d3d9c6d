// Package abci adapts the app to CometBFT's ABCI 2.0. It is the only package
// that imports CometBFT's ABCI types. It keeps a cache of signature verdicts
// so a node checks each transaction's signature once (in CheckTx, or in
// parallel when a block arrives with transactions it never saw), maps
// registered errors to (codespace, code, log), and turns node failures into
// a halt rather than a divergent commit. CometBFT runs it with a
// per-connection local client, so a CheckTx's signature recovery overlaps
// block execution; the adapter's own mutex serializes the app itself.
package abci
