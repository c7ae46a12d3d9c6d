package message

import "fmt"

// Params bound what a message may be. They live in genesis.
type Params struct {
	// MaxContentChars caps inline item_content (pyaleph: 200,000 characters, counted as Unicode code points like Python).
	MaxContentChars uint64 `json:"max_content_chars"`
	// MaxFutureSeconds is how far ahead of block time a message's time may be.
	MaxFutureSeconds int64 `json:"max_future_seconds"`
}

// DefaultParams are the values a new chain starts with.
func DefaultParams() Params {
	return Params{MaxContentChars: 200_000, MaxFutureSeconds: 600}
}

// Validate rejects params a chain cannot run with.
func (p Params) Validate() error {
	if p.MaxContentChars == 0 {
		return fmt.Errorf("max_content_chars must be positive")
	}
	if p.MaxFutureSeconds <= 0 {
		return fmt.Errorf("max_future_seconds must be positive")
	}
	return nil
}
