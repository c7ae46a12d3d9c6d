package resource

import (
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// NodeKeeper is what the module reads of the node registry, which
// resource nodes are linked to active CCNs and what they declare, and the
// one change it makes there: unlinking a node whose score stays 0. x/node's
// Keeper is one.
type NodeKeeper interface {
	ResourceCandidates(kv state.KV) ([]*pb.NodeRecord, error)
	Unlink(kv state.KV, hash string) error
	// Node returns a node's record (nil if none): its registered key
	// checks the signatures of its proofs.
	Node(kv state.KV, hash string) (*pb.NodeRecord, error)
}

// MessageKeeper is what the module reads of messages: the files live
// STOREs name, and their attested sizes. x/message's Keeper is one.
type MessageKeeper interface {
	LiveFiles(kv state.KV) ([]string, error)
	FileStores(kv state.KV, fileHash string) ([]string, error)
	GetMessage(kv state.KV, hash string) (*pb.MessageRecord, error)
}
