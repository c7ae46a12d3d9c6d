// Package node is the registry of core channel nodes (CCNs) and resource
// nodes (CRNs), and the stakes on CCNs, kept in consensus. On the Aleph
// network one off-chain indexer (aleph-nodestatus) replays the
// `corechan-operation` POSTs and ALEPH balances and publishes the result;
// here every validator applies the same operations, in block order, with
// integer amounts, and agrees on the registry.
//
// Operations are Aleph POSTs of type `corechan-operation` on the node
// channel (FOUNDATION by default), with `content.action` one of
// create-node, create-resource-node, link, unlink, stake, stake-split,
// unstake and drop-node; `ref` names the target node. An operation that its
// rules refuse is rejected with a registered error, as any message is.
//
// Stake never locks tokens: an address's stake on each CCN it stakes is
// floor(balance / number of CCNs it stakes), re-split on every balance
// change. A balance that falls below a threshold loses what the threshold
// gates: a CCN owner its node, a staker its stakes.
//
// A resource node may name the secp256k1 key it signs storage proofs and
// liveness answers with (details.pubkey) and the storage it offers
// (details.capacity, bytes); x/resource reads them through
// ResourceCandidates and unlinks a node whose score stays 0 (Unlink).
package node
