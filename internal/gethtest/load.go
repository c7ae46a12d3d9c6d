package gethtest

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Load is what MakeTransfers made: Transfers Transfer logs of Token in the
// blocks From..To, in Txs transactions.
type Load struct {
	Token     *Token
	From, To  uint64
	Transfers int
	Txs       int
	Holders   []common.Address
	Receipts  []*types.Receipt
}

// Holders is n distinct addresses, the same for the same n and seed, that
// hold nothing until a test pays them.
func Holders(seed string, n int) []common.Address {
	out := make([]common.Address, n)
	for i := range out {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		h := sha256.Sum256(append([]byte("gethtest holder "+seed+"\x00"), b[:]...))
		out[i] = common.BytesToAddress(h[:20])
	}
	return out
}

// maxTxGas is EIP-7825's cap on one transaction's gas (2^24).
const maxTxGas = 1 << 24

// MakeTransfers emits n Transfer logs of tok, from DevKey to holders in
// turn, each of amount, with multiTransfer transactions sent back to back
// (their nonces set here, none waiting for the one before) and then waited
// for. Each transaction carries as many transfers as fit in one transaction
// and one block. On geth, start the chain WithGasLimit large enough for
// several such transactions per block (for example 200,000,000) so that the
// load spans few blocks; the default 11.5M gas seals one per block.
func MakeTransfers(tb testing.TB, b Backend, tok *Token, n int, holders []common.Address, amount *big.Int) *Load {
	tb.Helper()
	if len(holders) == 0 {
		tb.Fatal("MakeTransfers: no holders")
	}
	ctx, cancel := rpcCtx()
	defer cancel()
	head, err := b.Eth().HeaderByNumber(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	overhead, perEntry := multiTransferGas(tb, b, tok, amount)
	limit := min(head.GasLimit, maxTxGas)
	if limit < overhead+perEntry {
		tb.Fatalf("MakeTransfers: block gas limit %d is below one transfer (%d gas)", head.GasLimit, overhead+perEntry)
	}
	perTx := int((limit - overhead) / perEntry)
	nonce, err := b.Eth().PendingNonceAt(ctx, DevAddress())
	if err != nil {
		tb.Fatal(err)
	}
	var txs []*types.Transaction
	for done := 0; done < n; {
		k := min(perTx, n-done)
		to := make([]common.Address, k)
		amounts := make([]*big.Int, k)
		for i := range to {
			to[i] = holders[(done+i)%len(holders)]
			amounts[i] = amount
		}
		opts := transactor(tb, DevKey())
		opts.Nonce = new(big.Int).SetUint64(nonce)
		// Set rather than estimated for each transaction: an estimate
		// runs against the latest block, without the transactions just
		// sent, and costs a round trip each.
		opts.GasLimit = overhead + uint64(k)*perEntry
		tx, err := tok.AlephToken.MultiTransfer(opts, to, amounts)
		if err != nil {
			tb.Fatalf("multiTransfer %d of %d: %v", done, n, err)
		}
		txs = append(txs, tx)
		nonce++
		done += k
	}
	load := &Load{Token: tok, Transfers: n, Txs: len(txs), Holders: holders}
	for i, tx := range txs {
		r := mustSucceed(tb, b, tx, "multiTransfer")
		load.Receipts = append(load.Receipts, r)
		if bn := r.BlockNumber.Uint64(); i == 0 || bn < load.From {
			load.From = bn
		}
		if bn := r.BlockNumber.Uint64(); bn > load.To {
			load.To = bn
		}
	}
	return load
}

// multiTransferGas estimates a multiTransfer's gas: its overhead and the
// cost of one entry to a holder that holds nothing yet, the dearest kind,
// from estimates of batches of one and two such entries, with a 10% margin.
// The rules depend on the chain's forks (EIP-8037 prices new storage by
// its size), so they are measured, not assumed.
func multiTransferGas(tb testing.TB, b Backend, tok *Token, amount *big.Int) (overhead, perEntry uint64) {
	tb.Helper()
	fresh := Holders("gethtest gas estimate", 2) // never paid: sends are NoSend
	est := func(to []common.Address) uint64 {
		amounts := make([]*big.Int, len(to))
		for i := range amounts {
			amounts[i] = amount
		}
		opts := transactor(tb, DevKey())
		opts.NoSend = true // bind estimates the gas, signs, and stops there
		tx, err := tok.AlephToken.MultiTransfer(opts, to, amounts)
		if err != nil {
			tb.Fatalf("estimate multiTransfer gas: %v", err)
		}
		return tx.Gas()
	}
	one, two := est(fresh[:1]), est(fresh)
	if two <= one {
		tb.Fatalf("multiTransfer gas estimates: %d for one entry, %d for two", one, two)
	}
	perEntry = two - one
	overhead = one - perEntry
	return overhead + overhead/10, perEntry + perEntry/10
}

// StartWithLoad is the set-up of a reader benchmark in one call: geth --dev
// on demand with blocks of 200M gas, the token deployed (1e9 tokens to
// DevKey), n transfers of one token unit to n new holders, and the blocks
// holding them finalized. The token's own Transfer logs from tok.Block to
// load.To are the mint and those n.
func StartWithLoad(tb testing.TB, n int) (*Chain, *Load) {
	tb.Helper()
	chain := Start(tb, WithOnDemand(), WithGasLimit(200_000_000))
	tok := DeployToken(tb, chain, Ether(1_000_000_000))
	load := MakeTransfers(tb, chain, tok, n, Holders("load", n), big.NewInt(1))
	chain.WaitFinalized(tb, load.To)
	return chain, load
}
