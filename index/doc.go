// Package index is alephd's query index: a Pebble database of its own, built
// only from committed blocks, in height order, that answers the API's
// filtered, paged message listings without scanning. It is not consensus
// state: it can be dropped and rebuilt from the block store at any time, and
// it records the last height it indexed so that a node killed between a
// commit and its indexing catches up on start.
package index
