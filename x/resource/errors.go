package resource

import "github.com/alephd/alephd/errs"

// Codespace is this module's, in rejection codes.
const Codespace = "resource"

// Rejections of storage proofs. Codes are never renumbered. A refused
// proof changes nothing: a challenge fails only when its deadline passes
// without a valid proof, so nobody can fail another node's challenge by
// sending garbage in its name.
var (
	ErrMalformed = errs.Register(Codespace, 1, "malformed storage proof")
	ErrChallenge = errs.Register(Codespace, 2, "no such challenge")
	ErrDeadline  = errs.Register(Codespace, 3, "the challenge's deadline has passed")
	ErrAnswered  = errs.Register(Codespace, 4, "the challenge is already answered")
	ErrProof     = errs.Register(Codespace, 5, "the proof does not prove the challenged chunk")
	ErrDisabled  = errs.Register(Codespace, 6, "storage proofs are not enabled on this chain")
	ErrSignature = errs.Register(Codespace, 7, "the proof is not signed by the node's registered key")
	ErrNoKey     = errs.Register(Codespace, 8, "the node has no registered key to sign proofs with")
)
