// Package payment holds the payment-provider registers that admission runs
// through. A provider first decides, cheaply and before any signature is
// verified, whether it would pay for a message (the INCOMING register); the
// same provider then charges for it once the signature holds (the PROCESSED
// register). Providers are tried in the order they are registered, and the
// first that admits a message is the one that charges it.
package payment
