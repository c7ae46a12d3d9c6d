// Package balance keeps ALEPH token balances: integer amounts in units of
// 10^-18 ALEPH, never floats. An address's balance is the sum of its
// components, one per source: "genesis" for what genesis credited
// (`alephd genesis add-balance`), and one per chain an oracle reports for
// (balances-update POSTs in pyaleph's shape, from the oracle addresses
// listed in the params). Payment providers read the totals; whoever changes
// a balance tells payments, which re-check what the address pays for.
package balance
