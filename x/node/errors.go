package node

import "github.com/alephd/alephd/errs"

// Codespace is this module's, in rejection codes.
const Codespace = "node"

// Rejections of node operations. Codes are never renumbered.
var (
	ErrOperation    = errs.Register(Codespace, 1, "malformed node operation")
	ErrHasNode      = errs.Register(Codespace, 2, "the address already has a core channel node")
	ErrBalance      = errs.Register(Codespace, 3, "balance below the threshold")
	ErrUnknownNode  = errs.Register(Codespace, 4, "no such node")
	ErrNotOwner     = errs.Register(Codespace, 5, "only the node's owner may do this")
	ErrLink         = errs.Register(Codespace, 6, "link refused")
	ErrStake        = errs.Register(Codespace, 7, "stake refused")
	ErrUnknownStake = errs.Register(Codespace, 8, "the address does not stake on this node")
	ErrJail         = errs.Register(Codespace, 9, "unjail refused")
)
