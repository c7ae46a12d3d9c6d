// Package balance keeps ALEPH token balances: integer amounts in units of
// 10^-18 ALEPH, never floats. An address's balance is the sum of its
// components, one per source: "genesis" for what genesis credited
// (`alephd genesis add-balance`), "ETH" for the ERC-20 token on Ethereum
// when the params name it (EthParams: validators read its Transfer logs
// and attest ranges of blocks through vote extensions; x/attest checks
// them, ApplyEth moves the components), and one per other chain an oracle
// reports for (balances-update POSTs in pyaleph's shape, from the oracle
// addresses listed in the params; trusted, and refused for ETH once the
// token is configured). Payment providers read the totals; whoever changes
// a balance tells payments, which re-check what the address pays for.
package balance
