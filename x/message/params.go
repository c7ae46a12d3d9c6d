package message

import "fmt"

// Params bound what a message may be. They live in genesis.
type Params struct {
	// MaxContentChars caps inline item_content (pyaleph: 200,000 characters, counted as Unicode code points like Python).
	MaxContentChars uint64 `json:"max_content_chars"`
	// MaxFutureSeconds is how far ahead of block time a message's time may be.
	MaxFutureSeconds int64 `json:"max_future_seconds"`
	// StoreAttestBlocks is how many blocks after its own a STORE's file
	// may take to be attested before the STORE is rejected.
	StoreAttestBlocks int64 `json:"store_attest_blocks"`
	// MaxFileBytesStorage and MaxFileBytesIPFS cap the attested size of a
	// STORE's file (pyaleph: 100 MiB in its storage engine, 1 GiB on IPFS).
	MaxFileBytesStorage uint64 `json:"max_file_bytes_storage"`
	MaxFileBytesIPFS    uint64 `json:"max_file_bytes_ipfs"`
	// MaxAggregateBytes caps an aggregate's merged content, in bytes: an
	// element that would take it beyond is refused, since every later
	// element re-encodes the whole of it on every validator (~40 ms per
	// MiB here). pyaleph has no cap; 0 sets none.
	MaxAggregateBytes uint64 `json:"max_aggregate_bytes"`
	// MaxFetchedContentBytes caps the content of a message that is not
	// inline (item_type storage or ipfs), in bytes; 0 means
	// DefaultMaxFetchedContentBytes. Attested content travels in a block
	// (the proposer's record), so it must fit one with room to spare.
	MaxFetchedContentBytes uint64 `json:"max_fetched_content_bytes,omitempty"`
}

// DefaultMaxFetchedContentBytes is the cap on non-inline content when the
// params set none: 1 MiB, the bound on a transaction carrying a message.
// pyaleph has no cap of its own beyond its uploads' (25 MiB without a
// signed message), but its content never travels in a block.
const DefaultMaxFetchedContentBytes = 1 << 20

// MaxFetchedContentLimit bounds the param: half a 4 MiB block, so that the
// largest content and the record's evidence fit in one with room for
// transactions.
const MaxFetchedContentLimit = 2 << 20

// MaxFetchedBytes is the cap on non-inline content.
func (p Params) MaxFetchedBytes() uint64 {
	if p.MaxFetchedContentBytes == 0 {
		return DefaultMaxFetchedContentBytes
	}
	return p.MaxFetchedContentBytes
}

// maxFutureSecondsLimit keeps block time + the allowance within int64 nanoseconds.
const maxFutureSecondsLimit = 10 * 365 * 24 * 3600

// DefaultParams are the values a new chain starts with.
func DefaultParams() Params {
	return Params{
		MaxContentChars: 200_000, MaxFutureSeconds: 600,
		StoreAttestBlocks: 60, MaxFileBytesStorage: 100 << 20, MaxFileBytesIPFS: 1 << 30,
		MaxAggregateBytes: 256 << 10,
	}
}

// Validate rejects params a chain cannot run with.
func (p Params) Validate() error {
	if p.MaxContentChars == 0 {
		return fmt.Errorf("max_content_chars must be positive")
	}
	if p.MaxFutureSeconds <= 0 || p.MaxFutureSeconds > maxFutureSecondsLimit {
		return fmt.Errorf("max_future_seconds must be between 1 and %d (ten years)", maxFutureSecondsLimit)
	}
	if p.StoreAttestBlocks <= 0 || p.StoreAttestBlocks > 1_000_000 {
		return fmt.Errorf("store_attest_blocks must be between 1 and 1000000")
	}
	if p.MaxFetchedContentBytes > MaxFetchedContentLimit {
		return fmt.Errorf("max_fetched_content_bytes must be at most %d: attested content travels in a block", MaxFetchedContentLimit)
	}
	if p.MaxFileBytesStorage == 0 || p.MaxFileBytesIPFS == 0 {
		return fmt.Errorf("max_file_bytes_storage and max_file_bytes_ipfs must be positive")
	}
	return nil
}
