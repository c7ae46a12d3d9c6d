// Package probe is a validator node's liveness prober for resource nodes
// (CRNs). It runs outside consensus, in the background: from the open
// liveness slots the committed state lists (resource.ProbeTarget: the
// node, its registered URL and key, the slot and its nonce), it asks each
// node to sign the slot's nonce over HTTP (`GET {url}/alephd/v1/probe?
// epoch=E&slot=S&nonce=N`) and keeps the answers that verify against the
// node's registered key (resource.VerifyProbe). ExtendVote reads them with
// Answers and reports them in the vote extension; a slot counts up on
// chain once more than 2/3 of the voting power reported a valid answer.
//
// Nothing here decides state: a failed probe is only the absence of an
// answer, since a downtime accusation proves nothing and a signed answer
// does. The clock paces requests and retries, and never reaches the chain.
package probe
