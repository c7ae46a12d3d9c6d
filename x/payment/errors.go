package payment

import "github.com/alephd/alephd/errs"

// Codespace names this module's rejections.
const Codespace = "payment"

// Rejections. Codes are part of the API: never renumber or reuse one.
var (
	// ErrNoPayer: no provider stands behind the message at all.
	ErrNoPayer = errs.Register(Codespace, 1, "no payment provider admits this message")
	// ErrPersonalExhausted: the owner's personal storage is full.
	ErrPersonalExhausted = errs.Register(Codespace, 2, "personal storage exhausted")
	// ErrChannelExhausted: the channel's endorsements are used up.
	ErrChannelExhausted = errs.Register(Codespace, 3, "channel capacity exhausted")
	// ErrQuotaTooLarge: quotas pay for messages up to max_quota_message_bytes.
	ErrQuotaTooLarge = errs.Register(Codespace, 4, "message too large for a storage quota")
	// ErrCoreRateLimit: a sender's free core messages are limited per window.
	ErrCoreRateLimit = errs.Register(Codespace, 5, "core channel rate limit reached")
	// ErrCoreTooLarge: free messages are capped in size.
	ErrCoreTooLarge = errs.Register(Codespace, 6, "message too large for a core channel")
	// ErrEndorsement: an endorsement POST whose content is malformed.
	ErrEndorsement = errs.Register(Codespace, 7, "malformed endorsement")
	// ErrEndorseBeyondBalance: endorsements may not exceed the endorser's balance.
	ErrEndorseBeyondBalance = errs.Register(Codespace, 8, "endorsements exceed balance")
	// Code 9 (a STORE without a file size) is retired: sizes are attested.
)
