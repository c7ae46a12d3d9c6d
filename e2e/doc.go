// Package e2e holds end-to-end tests that drive a real alephd node from the
// outside: sdk/ is the official Aleph TypeScript SDK's test, run by
// TestAlephSDK against a node started here.
package e2e
