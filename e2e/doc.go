// Package e2e holds end-to-end tests that drive a real alephd node from the
// outside: sdk/ is the official Aleph TypeScript SDK's test, run by
// TestAlephSDK against a node started here; chains/ has every chain's
// @aleph-sdk account sign messages for the node to verify (TestChainsSDK).
package e2e
