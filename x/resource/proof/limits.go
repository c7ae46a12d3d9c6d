package proof

import "errors"

// ErrInvalid is wrapped by every refusal of a proof: a wrong block, path,
// chunk, index or size, or a proof past the limits.
var ErrInvalid = errors.New("invalid storage proof")

// Limits bound what one proof may cost a validator to check.
type Limits struct {
	// MaxBytes bounds the encoded proof (every block or chunk and path
	// hash).
	MaxBytes int
	// MaxDepth bounds the blocks of an IPFS proof, root to leaf. kubo's
	// balanced layout (174 links of 256 KiB leaves) needs 3 for 1 GiB
	// (research-proofs.md: 8 GiB is depth 3 below the root).
	MaxDepth int
	// MaxBlockBytes bounds one IPFS block (kubo refuses blocks past
	// 2 MiB on the network).
	MaxBlockBytes int
}

// DefaultLimits admit a path through any DAG kubo's defaults build for
// files up to many GiB: a 256 KiB leaf and its parents of up to 174 links
// are ~272 KB (research-proofs.md measured 271,731 B for 1 GiB).
func DefaultLimits() Limits {
	return Limits{MaxBytes: 2_621_440, MaxDepth: 8, MaxBlockBytes: 2 << 20}
}

// Validate checks the limits are usable.
func (l Limits) Validate() error {
	if l.MaxBytes < 1 || l.MaxDepth < 1 || l.MaxBlockBytes < 1 {
		return errors.New("proof limits must be at least 1")
	}
	return nil
}
