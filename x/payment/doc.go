// Package payment decides who pays for each message, charges it, and takes
// back what is no longer paid for.
//
// Admission runs two registers (DESIGN.md, the founding document): the
// INCOMING check, before the signature is verified, asks each provider in
// order whether it would pay, with a few state lookups; the first that
// admits is the PROCESSED provider that charges, once the signature holds.
// The order is core, channel-endorsement, personal-storage:
//   - core: core channels (params) for their types, FORGETs anywhere,
//     endorsements and oracle balance reports; free, but limited per
//     sender per window of blocks, and in size;
//   - channel-endorsement: a channel's endorsements, X ALEPH buying X
//     messages and X MB of files;
//   - personal-storage: the owner's own ALEPH not endorsed elsewhere (plus
//     the free allowance of dev chains), on the same terms.
//
// The charge (provider, payer, messages, bytes) is kept in the message's
// record. This package keeps each payer's usage and an order of its
// charges; when usage passes capacity (a balance fell, an endorsement was
// withdrawn) the newest messages enter `removing` until the rest fit, and
// are `removed` at the end of the block where grace_blocks run out, unless
// capacity came back first (oldest restored first). A FORGET releases its
// targets' charges at once.
package payment
