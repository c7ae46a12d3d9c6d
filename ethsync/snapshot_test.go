package ethsync_test

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/alephd/alephd/ethsync"
	"github.com/alephd/alephd/x/balance"
)

// TestSnapshotMissingStartRefused: a history that starts after the
// token's deployment, with no holder spending since, sums to no holder
// going negative (Snapshot cannot tell), but not to the token's
// totalSupply() at the start block: CheckSupply refuses it. The whole
// history passes.
func TestSnapshotMissingStartRefused(t *testing.T) {
	s := newSim(t)
	s.send(nil, "transfer", addr(1), tokens(100))
	s.blocks(1)
	from := s.head() + 1
	s.send(nil, "transfer", addr(2), tokens(1))
	s.blocks(1)
	s.send(nil, "mint", addr(3), tokens(4))
	s.blocks(3)
	head := s.head()
	held, err := ethsync.Snapshot(context.Background(), s.client, s.addr, from+1, head, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := ethsync.CheckSupply(context.Background(), s.client, s.addr, head, held); err == nil || !strings.Contains(err.Error(), "not the token's whole history") {
		t.Fatalf("a history from block %d (deployed at %d): %d holders, %v", from+1, s.deployed, len(held), err)
	}
	held, err = ethsync.Snapshot(context.Background(), s.client, s.addr, s.deployed, head, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := ethsync.CheckSupply(context.Background(), s.client, s.addr, head, held); err != nil {
		t.Fatalf("the whole history: %v", err)
	}
	// At an earlier block the supply is another: the check reads it there.
	if err := ethsync.CheckSupply(context.Background(), s.client, s.addr, from, held); err == nil {
		t.Fatal("the head's balances matched the supply of an earlier block, before a mint")
	}
}

// TestFinalBlock: the last final block under each rule, which `genesis
// set-eth` requires the start block to be at or below.
func TestFinalBlock(t *testing.T) {
	s := newSim(t)
	s.blocks(5)
	p := balance.EthParams{Finality: balance.FinalityConfirmations, Confirmations: 2}
	if got, err := ethsync.FinalBlock(context.Background(), s.client, p); err != nil || got != s.head()-2 {
		t.Fatalf("2 confirmations at head %d: %d, %v", s.head(), got, err)
	}
	p = balance.EthParams{Finality: balance.FinalityTag}
	got, err := ethsync.FinalBlock(context.Background(), s.client, p)
	if err != nil {
		t.Fatal(err)
	}
	fin, err := s.client.HeaderByNumber(context.Background(), big.NewInt(-3)) // rpc.FinalizedBlockNumber
	if err != nil || got != fin.Number.Uint64() {
		t.Fatalf("finalized: %d, the chain's %v (%v)", got, fin, err)
	}
}
