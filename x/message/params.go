package message

import "fmt"

// Params bound what a message may be. They live in genesis.
type Params struct {
	// MaxContentChars caps inline item_content (pyaleph: 200,000 characters, counted as Unicode code points like Python).
	MaxContentChars uint64 `json:"max_content_chars"`
	// MaxFutureSeconds is how far ahead of block time a message's time may be.
	MaxFutureSeconds int64 `json:"max_future_seconds"`
}

// maxFutureSecondsLimit keeps block time + the allowance within int64 nanoseconds.
const maxFutureSecondsLimit = 10 * 365 * 24 * 3600

// DefaultParams are the values a new chain starts with.
func DefaultParams() Params {
	return Params{MaxContentChars: 200_000, MaxFutureSeconds: 600}
}

// Validate rejects params a chain cannot run with.
func (p Params) Validate() error {
	if p.MaxContentChars == 0 {
		return fmt.Errorf("max_content_chars must be positive")
	}
	if p.MaxFutureSeconds <= 0 || p.MaxFutureSeconds > maxFutureSecondsLimit {
		return fmt.Errorf("max_future_seconds must be between 1 and %d (ten years)", maxFutureSecondsLimit)
	}
	return nil
}
