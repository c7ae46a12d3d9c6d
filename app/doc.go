// Package app is alephd's deterministic state machine. It composes the
// modules in one ordered slice (modules.go), runs genesis, admits each
// transaction through the pipeline of DESIGN.md (structure, INCOMING payment,
// signature, PROCESSED payment, type handler), executes blocks on the IAVL
// working tree and answers state queries. It knows nothing of CometBFT: the
// abci package adapts it.
package app
