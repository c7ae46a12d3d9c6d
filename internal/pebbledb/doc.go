// Package pebbledb opens the node's own Pebble databases (the IAVL state and
// the query index) with options fitted to how alephd writes, and serves them
// through iavl's db.DB interface.
//
// cosmos-db opens Pebble with its defaults (4 MB memtables, no Bloom
// filters) and takes no options. Under load a block writes tens of thousands
// of IAVL nodes and index keys, so small memtables meant many small L0
// files, each merged again and again into the level below; compactions took
// about a seventh of a loaded dev node's CPU. The options here are in Open.
package pebbledb
