// Package networks holds what runs alephd as a network: the end-to-end
// fault tests in this package start real multi-validator networks as
// separate alephd processes on loopback (written by `alephd testnet`) and
// kill, restart and load them, checking that every node agrees at every
// height and that nothing committed is lost.
package networks
