package gethtest

import (
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"

	"github.com/alephd/alephd/contracts/token"
)

// TransferTopic is topic 0 of an ERC-20 Transfer log:
// keccak256("Transfer(address,address,uint256)").
var TransferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

// Token is AlephToken (contracts/token) deployed on a chain.
type Token struct {
	*token.AlephToken
	Address common.Address
	Block   uint64 // the block of its deployment, with its initial-supply Transfer
}

// Ether is n ETH in wei.
func Ether(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(params.Ether)) }

// DeployToken deploys AlephToken from DevKey, which receives initialSupply
// (in the token's smallest unit, 18 decimals) by a Transfer from the zero
// address, and waits for its block.
func DeployToken(tb testing.TB, b Backend, initialSupply *big.Int) *Token {
	tb.Helper()
	addr, tx, bound, err := token.DeployAlephToken(transactor(tb, DevKey()), b.Eth(), initialSupply)
	if err != nil {
		tb.Fatalf("deploy AlephToken: %v", err)
	}
	r := mustSucceed(tb, b, tx, "deploy AlephToken")
	return &Token{AlephToken: bound, Address: addr, Block: r.BlockNumber.Uint64()}
}

// Transfer sends amount of tok from fromKey to to and waits for its block.
// Like every helper here that signs, it takes the key's next nonce from the
// chain's pending state: two goroutines signing with one key at once would
// collide, so give each its own key (NewKey).
func Transfer(tb testing.TB, b Backend, tok *Token, fromKey *ecdsa.PrivateKey, to common.Address, amount *big.Int) *types.Receipt {
	tb.Helper()
	tx, err := tok.AlephToken.Transfer(transactor(tb, fromKey), to, amount)
	if err != nil {
		tb.Fatalf("transfer %s to %s: %v", amount, to, err)
	}
	return mustSucceed(tb, b, tx, "transfer")
}

// MultiTransfer sends amounts[i] of tok from fromKey to to[i], one Transfer
// log each, in one transaction, and waits for its block. A transaction may
// use at most 2^24 gas (EIP-7825): about 600 transfers to new holders, about
// 1,500 between existing ones.
func MultiTransfer(tb testing.TB, b Backend, tok *Token, fromKey *ecdsa.PrivateKey, to []common.Address, amounts []*big.Int) *types.Receipt {
	tb.Helper()
	tx, err := tok.AlephToken.MultiTransfer(transactor(tb, fromKey), to, amounts)
	if err != nil {
		tb.Fatalf("multiTransfer of %d: %v", len(to), err)
	}
	return mustSucceed(tb, b, tx, "multiTransfer")
}

// Mint has the owner (DevKey) mint amount to to.
func Mint(tb testing.TB, b Backend, tok *Token, to common.Address, amount *big.Int) *types.Receipt {
	tb.Helper()
	tx, err := tok.AlephToken.Mint(transactor(tb, DevKey()), to, amount)
	if err != nil {
		tb.Fatalf("mint %s to %s: %v", amount, to, err)
	}
	return mustSucceed(tb, b, tx, "mint")
}

// BalanceOf is tok.balanceOf(holder) at the newest block.
func BalanceOf(tb testing.TB, tok *Token, holder common.Address) *big.Int {
	tb.Helper()
	bal, err := tok.AlephToken.BalanceOf(&bind.CallOpts{}, holder)
	if err != nil {
		tb.Fatalf("balanceOf(%s): %v", holder, err)
	}
	return bal
}

// NewKey is a fresh key holding eth wei of ETH, sent from DevKey, to pay for
// its transactions.
func NewKey(tb testing.TB, b Backend, eth *big.Int) *ecdsa.PrivateKey {
	tb.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	if eth.Sign() > 0 {
		SendEther(tb, b, DevKey(), AddressOf(key), eth)
	}
	return key
}

// SendEther sends wei from fromKey to to and waits for its block.
func SendEther(tb testing.TB, b Backend, fromKey *ecdsa.PrivateKey, to common.Address, wei *big.Int) *types.Receipt {
	tb.Helper()
	ctx, cancel := rpcCtx()
	defer cancel()
	c := b.Eth()
	from := crypto.PubkeyToAddress(fromKey.PublicKey)
	nonce, err := c.PendingNonceAt(ctx, from)
	if err != nil {
		tb.Fatal(err)
	}
	tip, err := c.SuggestGasTipCap(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	head, err := c.HeaderByNumber(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	feeCap := new(big.Int).Add(tip, new(big.Int).Mul(head.BaseFee, big.NewInt(2)))
	tx, err := types.SignNewTx(fromKey, types.LatestSignerForChainID(big.NewInt(DevChainID)), &types.DynamicFeeTx{
		ChainID: big.NewInt(DevChainID), Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap,
		Gas: params.TxGas, To: &to, Value: wei,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.SendTransaction(ctx, tx); err != nil {
		tb.Fatalf("send %s wei to %s: %v", wei, to, err)
	}
	return mustSucceed(tb, b, tx, "send ether")
}

func mustSucceed(tb testing.TB, b Backend, tx *types.Transaction, what string) *types.Receipt {
	tb.Helper()
	r := b.settle(tb, tx)
	if r.Status != types.ReceiptStatusSuccessful {
		tb.Fatalf("%s: transaction %s reverted in block %s (gas used %d of %d)", what, tx.Hash(), r.BlockNumber, r.GasUsed, tx.Gas())
	}
	return r
}

// TransferLog decodes a Transfer log of tok.
func TransferLog(tok *Token, l types.Log) (*token.AlephTokenTransfer, error) {
	if len(l.Topics) != 3 || l.Topics[0] != TransferTopic {
		return nil, fmt.Errorf("log %d of tx %s is not a Transfer", l.Index, l.TxHash)
	}
	return tok.ParseTransfer(l)
}

// AddressOf is key's Ethereum address.
func AddressOf(key *ecdsa.PrivateKey) common.Address { return crypto.PubkeyToAddress(key.PublicKey) }

// bindAt binds AlephToken at addr through another backend, such as a Proxy's.
func bindAt(addr common.Address, c bind.ContractBackend) (*token.AlephToken, error) {
	return token.NewAlephToken(addr, c)
}
