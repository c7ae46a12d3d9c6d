// Package balance keeps ALEPH token balances: integer amounts with 18
// decimals, indexed by lower-cased address. For now they come only from
// genesis (`alephd genesis add-balance`); payment providers read them.
package balance
