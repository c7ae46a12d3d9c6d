package apptest

import (
	"crypto/ecdsa"
	"encoding/json"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/keys"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
)

// GenesisTime is the fixed time of the first block.
var GenesisTime = time.Unix(1_700_000_000, 0).UTC()

// BlockInterval is the time between blocks.
const BlockInterval = time.Second

// Chain is an app on an in-memory store, advanced block by block.
type Chain struct {
	T      testing.TB
	App    *app.App
	Store  *state.Store
	Height int64
	// Results are the tx results of the last block.
	Results []app.TxResult
	// Hash is the app hash after the last block.
	Hash []byte
	// EndBlock lists the end-of-block status changes of the last block.
	EndBlock []message.StatusChange
	// ValidatorUpdates are the last block's changes to the validator set.
	ValidatorUpdates []app.Validator
	// LastCommit is who each next block says signed the one before; set
	// it to play validators that sign or miss blocks.
	LastCommit []app.Vote
	// Misbehavior is the double-signing evidence the next block carries
	// (then it is cleared).
	Misbehavior []app.Misbehavior
}

// Open returns an app over a new in-memory store, before InitChain (a node
// that is about to state-sync is one).
func Open(t testing.TB) (*app.App, *state.Store) { return OpenWith(t, app.Options{}) }

// OpenWith is Open with options (extra modules, say).
func OpenWith(t testing.TB, opts app.Options) (*app.App, *state.Store) {
	t.Helper()
	store, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a, store
}

// New starts a chain from app_state (nil: a dev genesis, where every
// address has free personal storage).
func New(t testing.TB, appState json.RawMessage) *Chain {
	t.Helper()
	return NewWith(t, appState, app.Options{}, app.ChainInfo{})
}

// NewWith starts a chain from app_state with options and what CometBFT's
// genesis says beyond app_state (chain id, validators); an empty ChainInfo
// is a chain without consensus.
func NewWith(t testing.TB, appState json.RawMessage, opts app.Options, ci app.ChainInfo) *Chain {
	t.Helper()
	a, store := OpenWith(t, opts)
	if appState == nil {
		appState = app.DevGenesis()
	}
	hash, _, err := a.InitChain(1, GenesisTime.UnixNano(), appState, ci)
	if err != nil {
		t.Fatalf("init chain: %v", err)
	}
	return &Chain{T: t, App: a, Store: store, Hash: hash}
}

// Time is the time of block h.
func Time(h int64) time.Time { return GenesisTime.Add(time.Duration(h-1) * BlockInterval) }

// Block runs and commits one block of messages, checks every invariant,
// and returns the messages' results.
func (c *Chain) Block(msgs ...*pb.AlephMessage) []app.TxResult {
	c.T.Helper()
	txs := make([][]byte, len(msgs))
	for i, m := range msgs {
		txs[i] = Tx(m)
	}
	return c.BlockTxs(txs...)
}

// BlockTxs runs and commits one block of raw transactions.
func (c *Chain) BlockTxs(txs ...[]byte) []app.TxResult {
	c.T.Helper()
	c.Height++
	b := app.Block{Height: c.Height, TimeUnixNano: Time(c.Height).UnixNano(), Txs: txs, LastCommit: c.LastCommit, Misbehavior: c.Misbehavior}
	c.Misbehavior = nil
	res, err := c.App.FinalizeBlock(b, func(i int) (*app.Parsed, app.SignatureCheck) {
		p := c.App.Parse(txs[i])
		return p, func() error {
			if p.Msg == nil {
				return nil
			}
			return message.VerifySignature(p.Msg)
		}
	})
	if err != nil {
		c.T.Fatalf("block %d: %v", c.Height, err)
	}
	if _, err := c.App.Commit(); err != nil {
		c.T.Fatalf("commit %d: %v", c.Height, err)
	}
	c.Results, c.Hash, c.EndBlock, c.ValidatorUpdates = res.Txs, res.AppHash, res.StatusChanges, res.ValidatorUpdates
	if err := c.App.Invariants(); err != nil {
		c.T.Fatalf("after block %d: %v", c.Height, err)
	}
	return res.Txs
}

// Tx encodes m as a transaction.
func Tx(m *pb.AlephMessage) []byte { return app.EncodeTx(m) }

// Attest runs a block that starts with an availability record for files,
// as a proposer would put it there once validators attested them (the
// evidence is checked in ProcessProposal, which this chain has not), and
// then msgs.
func (c *Chain) Attest(files []*pb.AttestedFile, msgs ...*pb.AlephMessage) []app.TxResult {
	c.T.Helper()
	txs := [][]byte{app.EncodeAttestation(&pb.Attestation{Files: files})}
	for _, m := range msgs {
		txs = append(txs, Tx(m))
	}
	return c.BlockTxs(txs...)
}

// File is an attested file of a STORE message.
func File(m *pb.AlephMessage, size uint64) *pb.AttestedFile {
	return &pb.AttestedFile{ItemHash: m.ItemHash, Size: size}
}

// Status returns the status name of a message in the committed state.
func (c *Chain) Status(hash string) string {
	c.T.Helper()
	snap, err := c.Store.At(0)
	if err != nil {
		c.T.Fatal(err)
	}
	rec, err := message.Keeper{}.GetMessage(snap, hash)
	if err != nil || rec == nil {
		c.T.Fatalf("message %s: %v", hash, err)
	}
	return message.StatusName(rec.Status)
}

// MustBlock runs a block and fails the test if any message is rejected.
func (c *Chain) MustBlock(msgs ...*pb.AlephMessage) {
	c.T.Helper()
	for i, r := range c.Block(msgs...) {
		if r.Code != 0 {
			c.T.Fatalf("block %d tx %d (%s): rejected: %s", c.Height, i, r.ItemHash, r.Log)
		}
	}
}

// Key returns a deterministic private key for a seed name.
func Key(seed string) *ecdsa.PrivateKey { return keys.FromSeed(seed) }

// Address is the EIP-55 address of a key.
func Address(k *ecdsa.PrivateKey) string { return crypto.PubkeyToAddress(k.PublicKey).Hex() }
