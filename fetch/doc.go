// Package fetch gets the files of pending STOREs so this node's validator
// can attest them, and keeps pinned the files of processed ones.
//
// It is outside consensus: each node fetches on its own, from its own
// content store, from peer nodes' HTTP APIs (`GET /api/v0/storage/raw/H`,
// every byte checked against the hash: sha256 recomputed, or the CID
// recomputed by importing the bytes as `ipfs add` would), or through kubo
// when one is configured. What it verified reaches the chain only through
// vote extensions, where it counts once more than 2/3 of the voting power
// report the same size (abci/availability.go).
//
// When the chain's x/resource is on, the claim carries what resource
// nodes need: a sha256 file's chunk root (roots.go) and an IPFS file's DAG
// size, the bytes of its distinct blocks walked as a resource node fetches
// them, capped just past resource.MaxDAGBytes (dag.go).
//
// Pins follow the chain: after each block, a STORE that became processed
// pins its file (fetching it first if this node did not), and one that was
// forgotten or removed unpins it once no live message keeps the file. The
// content of a non-inline message (item_type storage or ipfs, named by its
// item_hash) is kept the same way while the message is processed or
// removing; a node without the uploaded copy writes it from the bytes the
// state holds (checked against the item_hash), so every node serves it at
// /api/v0/storage/raw. This is node-side only: that content is not in the
// file index (`01 06`), which x/resource's storage challenges read. The
// last height followed is kept in the content directory, so pins catch up
// after a restart. Unpinned content is garbage-collected after a grace
// period well beyond the attestation window.
package fetch
