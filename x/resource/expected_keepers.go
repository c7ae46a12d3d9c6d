package resource

import (
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/node"
)

// NodeKeeper is what the module reads of the node registry: which resource
// nodes are linked to active CCNs. x/node's Keeper is one.
type NodeKeeper interface {
	Registry(kv state.KV) (node.CoreChannel, error)
}
