// Package state keeps the replicated state in a versioned IAVL tree on Pebble.
// Each committed block saves one version; the tree's root hash is the app hash,
// so every byte a module writes is covered by consensus. Modules see the tree
// through KV, usually behind a Cache so that a rejected transaction leaves no
// trace and writes reach the tree in sorted key order.
package state
