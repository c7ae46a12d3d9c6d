// Package dagtest builds UnixFS DAGs for tests with boxo's importer and
// any chunk size, layout and CID version, as `ipfs add --chunker=size-N
// [--trickle] [--cid-version=1]` does, and keeps their blocks in memory:
// the files a resource node must hold whatever tool added them.
package dagtest
