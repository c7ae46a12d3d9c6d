package resource

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/alephd/alephd/x/resource/proof"
)

// Params are the storage-proof rules, as genesis sets them.
type Params struct {
	// Enabled turns the module on. Off (the default), it writes nothing
	// and refuses proofs, so a chain that predates it keeps its app hash.
	Enabled bool `json:"enabled"`
	// Replicas is how many resource nodes each file is assigned to.
	Replicas uint32 `json:"replicas"`
	// ChunkSize is the offset granularity of IPFS challenges: a challenge
	// of index i on an IPFS file asks for the leaf covering byte
	// i·chunk_size, whatever the leaf's size. At 1 (the default) the
	// challenged byte is uniform over the file, so every leaf is challenged
	// in proportion to its bytes, whatever chunker and layout built the
	// DAG; a larger value leaves unchallenged the leaves that cover no
	// multiple of it. sha256 files are challenged in root_chunk_size
	// chunks instead (Params.FileChunkSize).
	ChunkSize uint64 `json:"chunk_size"`
	// ChallengesPerEpoch is K, the (file, chunk) pairs drawn per node and
	// epoch.
	ChallengesPerEpoch uint32 `json:"challenges_per_epoch"`
	// EpochBlocks is an epoch's length; epoch e starts at height
	// e·epoch_blocks + 1.
	EpochBlocks int64 `json:"epoch_blocks"`
	// ProofWindowBlocks is how long after its epoch starts a challenge may
	// be answered: its deadline is the epoch's first height plus this,
	// minus one. 2 to epoch_blocks: a proof enters a block after the
	// one that drew its challenge.
	ProofWindowBlocks int64 `json:"proof_window_blocks"`
	// ScoreWindowEpochs is how many of its last epochs a node's score
	// counts.
	ScoreWindowEpochs uint32 `json:"score_window_epochs"`
	// ZeroScoreEpochs unlinks a resource node from its CCN once its score
	// has closed at 0 this many judged epochs in a row (0: never).
	ZeroScoreEpochs uint32 `json:"zero_score_epochs"`
	// RootChunkSize is the chunk size of a sha256 file's chunk root, which
	// validators attest with the file (AttestedFile.chunk_root): chunk i of
	// a sha256 file is its bytes from i·root_chunk_size, and a proof is one
	// such chunk and its audit path. 0 leaves sha256 files unassigned.
	RootChunkSize uint64 `json:"root_chunk_size"`
	// ProbesPerEpoch is how many liveness slots an epoch has: slot s of
	// epoch e starts at its first height plus s·(epoch_blocks /
	// probes_per_epoch). Validators probe every member once a slot; 0 turns
	// liveness off (nodes are judged on proofs alone).
	ProbesPerEpoch uint32 `json:"probes_per_epoch"`
	// MaxWeight caps a node's assignment weight, in GiB of declared
	// capacity (0: no cap). Capacity is declared, not proven: the cap
	// bounds the share of files one node can claim by overstating it.
	MaxWeight uint64 `json:"max_weight"`
	// MaxProofBytes, MaxProofDepth and MaxBlockBytes bound one proof
	// (proof.Limits).
	MaxProofBytes int `json:"max_proof_bytes"`
	MaxProofDepth int `json:"max_proof_depth"`
	MaxBlockBytes int `json:"max_block_bytes"`
}

// DefaultParams: off; when on, 2 replicas, IPFS challenges at any byte
// (chunk_size 1) and 4 KiB chunk roots for sha256 files, 4 challenges per node in
// each 600-block epoch, answered within 300 blocks, 10 liveness slots an
// epoch, weights capped at 64 TiB, and scores over 30 epochs
// (research-proofs.md's candidate design).
func DefaultParams() Params {
	l := proof.DefaultLimits()
	return Params{
		Replicas:           2,
		ChunkSize:          1,
		ChallengesPerEpoch: 4,
		EpochBlocks:        600,
		ProofWindowBlocks:  300,
		RootChunkSize:      4096,
		ProbesPerEpoch:     10,
		MaxWeight:          64 << 10,
		ScoreWindowEpochs:  30,
		ZeroScoreEpochs:    10,
		MaxProofBytes:      l.MaxBytes,
		MaxProofDepth:      l.MaxDepth,
		MaxBlockBytes:      l.MaxBlockBytes,
	}
}

// Limits are the proof bounds the params set.
func (p Params) Limits() proof.Limits {
	return proof.Limits{MaxBytes: p.MaxProofBytes, MaxDepth: p.MaxProofDepth, MaxBlockBytes: p.MaxBlockBytes}
}

// Validate checks the params.
func (p Params) Validate() error {
	switch {
	case p.Replicas == 0:
		return errors.New("replicas must be at least 1")
	case p.ChunkSize == 0 || p.ChunkSize > uint64(p.MaxProofBytes):
		return errors.New("chunk_size must be at least 1 and fit in max_proof_bytes")
	case p.ChallengesPerEpoch == 0 || p.ChallengesPerEpoch > 64:
		return errors.New("challenges_per_epoch must be 1 to 64")
	case p.EpochBlocks < 2:
		return errors.New("epoch_blocks must be at least 2 (a proof window needs 2 blocks)")
	// A challenge drawn at the epoch's first height is in committed state
	// only after that block: its proof can be in the next one at the
	// earliest, so a window of 1 block fails every challenge.
	case p.ProofWindowBlocks < 2 || p.ProofWindowBlocks > p.EpochBlocks:
		return errors.New("proof_window_blocks must be 2 to epoch_blocks")
	// A sha256 proof is a chunk and its audit path, up to 64 hashes.
	case p.RootChunkSize > 0 && (p.MaxProofBytes < maxPathBytes || p.RootChunkSize > uint64(p.MaxProofBytes-maxPathBytes)):
		return fmt.Errorf("root_chunk_size must fit in max_proof_bytes with a path of %d bytes", maxPathBytes)
	case p.ProbesPerEpoch > 0 && int64(p.ProbesPerEpoch) > p.EpochBlocks:
		return errors.New("probes_per_epoch must be at most epoch_blocks")
	case p.ScoreWindowEpochs == 0:
		return errors.New("score_window_epochs must be at least 1")
	}
	return p.Limits().Validate()
}

// maxPathBytes is the longest audit path of a chunk root: 64 hashes.
const maxPathBytes = 64 * sha256.Size

// Epoch is the epoch height h belongs to, and its first height.
func (p Params) Epoch(h int64) (epoch uint64, first int64) {
	e := (h - 1) / p.EpochBlocks
	return uint64(e), e*p.EpochBlocks + 1
}

// Deadline is the last height at which epoch's challenges may be answered.
func (p Params) Deadline(epoch uint64) int64 {
	return int64(epoch)*p.EpochBlocks + p.ProofWindowBlocks
}
