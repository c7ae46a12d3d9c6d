package node

import "github.com/alephd/alephd/content"

// ContentStore is the node's content store, for tests that collect it.
func (n *Node) ContentStore() *content.Store { return n.files }
