// Package token is the Go binding of AlephToken, a minimal ERC-20 that stands
// in for ALEPH on local Ethereum chains in tests (geth --dev, go-ethereum's
// simulated backend). Its Solidity source is AlephToken.sol; AlephToken.abi,
// AlephToken.bin and token.go are generated from it by scripts/gen-token.sh
// (solc-js from npm, abigen of go-ethereum v1.17.10) and committed.
package token

//go:generate ../../scripts/gen-token.sh
