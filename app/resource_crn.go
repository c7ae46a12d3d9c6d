package app

import (
	"encoding/hex"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource/proof"
)

// PathResourceFiles answers the files assigned to a resource node: data is
// the node's hash, the answer a ResourceFilesView (no files on a chain that
// does not enable x/resource). A resource node reads it to know what to
// fetch and what to drop.
const PathResourceFiles = "/resource/files"

// PathResourceChallenges answers a resource node's open challenges: data
// is the node's hash, the answer a ResourceChallengesView. A resource node
// reads it to know what to prove, and by when.
const PathResourceChallenges = "/resource/challenges"

// ResourceFilesView is what a resource node holds, at Height of ChainID.
type ResourceFilesView struct {
	Node    string             `json:"node_id"`
	ChainID string             `json:"chain_id"`
	Height  int64              `json:"height"`
	Files   []ResourceFileView `json:"files"`
}

// ResourceFileView is one assigned file: its hash, engine ("storage" for a
// sha256 file, "ipfs" for a CID), attested size and, for a sha256 file,
// its attested chunk root (hex).
type ResourceFileView struct {
	Hash      string `json:"hash"`
	Type      string `json:"type"`
	Size      uint64 `json:"size"`
	ChunkRoot string `json:"chunk_root,omitempty"`
}

// ResourceChallengesView is a node's open challenges at Height, with what
// a proof needs beside them: the chain id its signature binds, and the
// chain's proof limits (a proof above them is refused, so a node checks
// its proofs against them before sending).
type ResourceChallengesView struct {
	Node       string                  `json:"node_id"`
	ChainID    string                  `json:"chain_id"`
	Height     int64                   `json:"height"`
	Epoch      uint64                  `json:"epoch"`
	Limits     ResourceProofLimits     `json:"limits"`
	Challenges []ResourceChallengeView `json:"challenges"`
}

// ResourceProofLimits are the resource params bounding one proof
// (proof.Limits): its encoded bytes (blocks, or chunk and path hashes),
// an IPFS proof's blocks and one block's bytes.
type ResourceProofLimits struct {
	MaxProofBytes int `json:"max_proof_bytes"`
	MaxProofDepth int `json:"max_proof_depth"`
	MaxBlockBytes int `json:"max_block_bytes"`
}

// Limits are l as proof.Limits; all zero (a CCN that predates them) is
// proof.DefaultLimits, which every chain had until its params said
// otherwise.
func (l ResourceProofLimits) Limits() proof.Limits {
	if l == (ResourceProofLimits{}) {
		return proof.DefaultLimits()
	}
	return proof.Limits{MaxBytes: l.MaxProofBytes, MaxDepth: l.MaxProofDepth, MaxBlockBytes: l.MaxBlockBytes}
}

// ResourceChallengeView is one challenge: chunk Index of File (ChunkSize
// bytes a chunk, the file Size bytes), to be proven by height Deadline.
// Passed is set once a proof has been accepted.
type ResourceChallengeView struct {
	Epoch     uint64 `json:"epoch"`
	Slot      uint32 `json:"slot"`
	File      string `json:"file"`
	Type      string `json:"type"`
	Index     uint64 `json:"index"`
	Size      uint64 `json:"size"`
	ChunkSize uint64 `json:"chunk_size"`
	ChunkRoot string `json:"chunk_root,omitempty"`
	Deadline  int64  `json:"deadline"`
	Passed    bool   `json:"passed"`
}

// fileType names a file's engine from its hash, as the API does.
func fileType(hash string) string {
	if content.ValidHash(hash) {
		return "storage"
	}
	return "ipfs"
}

// versionOf is the height of committed state kv (a query's snapshot).
func versionOf(kv state.KV) int64 {
	if v, ok := kv.(interface{ Version() int64 }); ok {
		return v.Version()
	}
	return 0
}

// resourceFiles lists node's assigned files.
func (a *App) resourceFiles(kv state.KV, node string) (*ResourceFilesView, error) {
	chainID, err := kv.Get(chainIDKey)
	if err != nil {
		return nil, err
	}
	v := &ResourceFilesView{Node: node, ChainID: string(chainID), Height: versionOf(kv), Files: []ResourceFileView{}}
	if !a.resource.Params().Enabled {
		return v, nil
	}
	files, err := a.resource.NodeFiles(kv, node) // the node's prefix only: its cost does not grow with other nodes' files
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		v.Files = append(v.Files, ResourceFileView{Hash: f.Hash, Type: fileType(f.Hash), Size: f.Size, ChunkRoot: hex.EncodeToString(f.ChunkRoot)})
	}
	return v, nil
}

// resourceChallenges lists node's challenges of the epoch open at the
// committed height, while its proof window lasts (past it, they are
// closed and deleted).
func (a *App) resourceChallenges(kv state.KV, node string) (*ResourceChallengesView, error) {
	chainID, err := kv.Get(chainIDKey)
	if err != nil {
		return nil, err
	}
	h := versionOf(kv)
	p := a.resource.Params()
	v := &ResourceChallengesView{Node: node, ChainID: string(chainID), Height: h, Challenges: []ResourceChallengeView{},
		Limits: ResourceProofLimits{MaxProofBytes: p.MaxProofBytes, MaxProofDepth: p.MaxProofDepth, MaxBlockBytes: p.MaxBlockBytes}}
	if !p.Enabled || h < 1 {
		return v, nil
	}
	epoch, _ := p.Epoch(h)
	v.Epoch = epoch
	if h > p.Deadline(epoch) {
		return v, nil
	}
	cs, err := a.resource.NodeChallenges(kv, epoch, node)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		v.Challenges = append(v.Challenges, ResourceChallengeView{Epoch: epoch, Slot: c.Slot, File: c.File, Type: fileType(c.File), Index: c.Index,
			Size: c.Size, ChunkSize: p.FileChunkSize(c.File), ChunkRoot: hex.EncodeToString(c.ChunkRoot), Deadline: p.Deadline(epoch), Passed: c.Passed})
	}
	return v, nil
}
