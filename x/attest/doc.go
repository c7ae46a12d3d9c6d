// Package attest is how facts seen outside the chain enter it. Each
// validator's node observes on its own, outside the state machine (today it
// fetches the files of pending STOREs and reads the ALEPH token's
// Transfer logs on Ethereum; resource nodes' liveness comes next), and reports what it saw in its precommit's
// vote extension. The next proposer tallies the previous height's
// extensions and puts what validators holding more than 2/3 of the voting
// power agree on first in its block: an Attestation record, with the
// extended commit as evidence. Every validator rebuilds the record from
// that evidence with the same Tally and refuses the block unless the two
// are equal (Check), so a proposer can neither invent nor drop a claim.
//
// This package is the state-machine side: the bounds on an extension, the
// tally, the record check, and what an attested record does (a STORE is
// charged and processed; one not attested by its deadline is rejected; an
// Ethereum range moves the ETH balances, with their consequences).
// The signatures on the evidence are CometBFT's: abci/ checks them against
// the validator set the app keeps for the height that signed them.
//
// A new kind of record is a field in pb.VoteExtension and pb.Attestation,
// a claim type with its tally in Tally, its comparison in Check and its
// effect in Apply.
package attest
