package ethsync_test

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
)

// sim is go-ethereum's in-process simulated chain (chain id 1337) with the
// test ERC-20 (contracts/token) deployed by a funded key.
type sim struct {
	t       *testing.T
	backend *simulated.Backend
	client  simulated.Client
	key     *ecdsa.PrivateKey
	opts    *bind.TransactOpts
	abi     abi.ABI
	token   *bind.BoundContract
	addr    common.Address
	// deployed is the block the token was deployed in.
	deployed uint64
	// nonces are each sender's next nonce. The simulated pool promotes
	// transactions asynchronously, so its pending nonce can lag a send
	// made just before ("replacement transaction underpriced").
	nonces map[common.Address]uint64
}

// supply is the deployer's initial balance: 1,000,000 ALEPH.
var supply = new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e18))

func newSim(t *testing.T) *sim {
	t.Helper()
	key, _ := crypto.GenerateKey()
	from := crypto.PubkeyToAddress(key.PublicKey)
	b := simulated.NewBackend(types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))}})
	t.Cleanup(func() { _ = b.Close() })
	s := &sim{t: t, backend: b, client: b.Client(), key: key, opts: bind.NewKeyedTransactor(key, big.NewInt(1337)), nonces: map[common.Address]uint64{}}
	abiJSON, err := os.ReadFile("../contracts/token/AlephToken.abi")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile("../contracts/token/AlephToken.bin")
	if err != nil {
		t.Fatal(err)
	}
	if s.abi, err = abi.JSON(strings.NewReader(string(abiJSON))); err != nil {
		t.Fatal(err)
	}
	input, err := s.abi.Pack("", supply)
	if err != nil {
		t.Fatal(err)
	}
	s.addr, _, err = bind.DeployContract(s.opts, common.FromHex(strings.TrimSpace(string(bin))), s.client, input)
	if err != nil {
		t.Fatal(err)
	}
	b.Commit()
	s.deployed = s.head()
	s.token = bind.NewBoundContract(s.addr, s.abi, s.client, s.client, s.client)
	return s
}

func (s *sim) head() uint64 {
	s.t.Helper()
	n, err := s.client.BlockNumber(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// send makes the deployer (or key) call method; the caller commits.
func (s *sim) send(key *ecdsa.PrivateKey, method string, args ...any) {
	s.t.Helper()
	opts := *s.opts
	if key != nil {
		opts = *bind.NewKeyedTransactor(key, big.NewInt(1337))
	}
	next, ok := s.nonces[opts.From]
	if !ok {
		// Everything this sender sent before was committed: the chain's
		// nonce is exact.
		n, err := s.client.NonceAt(context.Background(), opts.From, nil)
		if err != nil {
			s.t.Fatal(err)
		}
		next = n
	}
	opts.Nonce = new(big.Int).SetUint64(next)
	s.nonces[opts.From] = next + 1
	if _, err := s.token.Transact(&opts, method, args...); err != nil {
		s.t.Fatalf("%s: %v", method, err)
	}
}

// blocks commits n blocks.
func (s *sim) blocks(n int) {
	for range n {
		s.backend.Commit()
	}
}

func (s *sim) balanceOf(a common.Address) *big.Int {
	s.t.Helper()
	var out []any
	if err := s.token.Call(&bind.CallOpts{}, &out, "balanceOf", a); err != nil {
		s.t.Fatal(err)
	}
	return out[0].(*big.Int)
}

func tokens(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

func addr(n int) common.Address { return common.BigToAddress(big.NewInt(int64(0xa000 + n))) }
