package message

import "github.com/alephd/alephd/errs"

// Codespace names this module's rejections in ABCI results.
const Codespace = "message"

// Rejections. Codes are part of the API: never renumber or reuse one.
var (
	ErrDecode           = errs.Register(Codespace, 1, "transaction is not an alephd envelope")
	ErrMissingField     = errs.Register(Codespace, 2, "missing message field")
	ErrUnknownType      = errs.Register(Codespace, 3, "unknown message type")
	ErrItemType         = errs.Register(Codespace, 4, "unsupported item_type")
	ErrHashMismatch     = errs.Register(Codespace, 5, "item_hash does not match item_content")
	ErrTooLarge         = errs.Register(Codespace, 6, "message too large")
	ErrContent          = errs.Register(Codespace, 7, "invalid item_content")
	ErrTime             = errs.Register(Codespace, 8, "invalid time")
	ErrFutureTime       = errs.Register(Codespace, 9, "time too far in the future")
	ErrChain            = errs.Register(Codespace, 10, "unsupported chain")
	ErrSignatureFormat  = errs.Register(Codespace, 11, "malformed signature")
	ErrSignature        = errs.Register(Codespace, 12, "signature does not match sender")
	ErrDuplicate        = errs.Register(Codespace, 13, "message already exists")
	ErrUnauthorized     = errs.Register(Codespace, 14, "sender may not act for this address")
	ErrAmendTarget      = errs.Register(Codespace, 15, "amended post not found")
	ErrAmendOfAmend     = errs.Register(Codespace, 16, "cannot amend an amend")
	ErrAmendOwner       = errs.Register(Codespace, 17, "amend address differs from the original post's")
	ErrForgetTarget     = errs.Register(Codespace, 18, "forget target not found")
	ErrForgetNotAllowed = errs.Register(Codespace, 19, "not allowed to forget this message")
	ErrForgetForget     = errs.Register(Codespace, 20, "a FORGET cannot be forgotten")
	ErrAggregateContent = errs.Register(Codespace, 21, "aggregate content must be a JSON object")
	// 22 is reserved: it was never returned and must not be reused.
	ErrForgetEmpty  = errs.Register(Codespace, 23, "FORGET names no target")
	ErrStoreContent = errs.Register(Codespace, 24, "invalid STORE content")
	// ErrAggregateTooLarge refuses an element that would take its
	// aggregate beyond the max_aggregate_bytes param.
	ErrAggregateTooLarge = errs.Register(Codespace, 25, "aggregate too large")
	// ErrSender refuses a sender that is not an address of the message's
	// chain (package chains lists each chain's format).
	ErrSender = errs.Register(Codespace, 26, "sender is not an address of its chain")
	// ErrContentUnavailable rejects a message whose content is not inline
	// (item_type "storage" or "ipfs") when validators holding more than
	// 2/3 of the voting power did not attest it by its deadline.
	ErrContentUnavailable = errs.Register(Codespace, 27, "content not available")
	// ErrTooManyPending refuses a non-inline message from a sender that
	// already has MaxPendingPerSender of them waiting for their content.
	ErrTooManyPending = errs.Register(Codespace, 28, "too many messages pending")
)
