package app

import (
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
)

// Attestation records (x/attest) enter a block first, from its proposer,
// with the previous height's extended commit as evidence. The ABCI adapter
// checks the evidence's signatures against ChainInfo's validators of that
// height; what follows here is over committed state: the state the
// proposal's block starts from.

// ErrAttestationTx refuses an attestation record sent as a transaction, or
// anywhere but first in a block.
var ErrAttestationTx = errs.Register("app", 2, "attestation records are made by block proposers")

// TallyCommitted is the record that votes, out of total power, attest over
// the committed state. PrepareProposal builds its record with it.
func (a *App) TallyCommitted(votes []attest.Vote, total int64) (*pb.Attestation, error) {
	snap, err := a.store.At(0)
	if err != nil {
		return nil, err
	}
	return a.attest.Tally(snap, votes, total)
}

// CheckAttestation returns an error unless rec is what votes, out of total
// power, attest over the committed state. PrepareProposal checks its own
// record with it and ProcessProposal every proposer's: one function, so an
// honest proposer never makes a block the others refuse. A refusal wraps
// attest.ErrRecordMismatch; any other error is a storage failure.
func (a *App) CheckAttestation(rec *pb.Attestation, votes []attest.Vote, total int64) error {
	snap, err := a.store.At(0)
	if err != nil {
		return err
	}
	return a.attest.Check(snap, rec, votes, total)
}

// PendingStores lists STOREs waiting for attestation in the committed
// state, nearest deadline first, at most limit (0: all). The node's fetcher
// and vote extensions read it.
func (a *App) PendingStores(limit int) ([]message.PendingStore, error) {
	if a.store.Version() == 0 {
		return nil, nil
	}
	snap, err := a.store.At(0)
	if err != nil {
		return nil, err
	}
	pending, err := a.messages.Pending(snap, limit)
	if err != nil {
		return nil, err
	}
	if p := a.resource.Params(); p.Enabled {
		for i := range pending {
			switch {
			case pending[i].Content:
			case pending[i].FileType == message.ItemStorage:
				pending[i].RootChunkSize = p.RootChunkSize // none while 0: never assigned then
			case pending[i].FileType == message.ItemIPFS:
				pending[i].DAGBytes = true
			}
		}
	}
	return pending, nil
}

// LiveFiles lists the files of live STOREs in the committed state.
func (a *App) LiveFiles() ([]string, error) {
	if a.store.Version() == 0 {
		return nil, nil
	}
	snap, err := a.store.At(0)
	if err != nil {
		return nil, err
	}
	return a.messages.LiveFiles(snap)
}

// balancesChanged re-checks what each address's balance pays for and
// stakes, after an attested Ethereum range moved it, as after an oracle's
// report: endorsements beyond it shrink, its newest messages go to
// removing if it no longer covers them, its stakes are re-split.
func (a *App) balancesChanged(kv state.KV, env message.Env, addrs []string, fx *message.Effects) error {
	for _, addr := range addrs {
		if err := a.payments.BalanceChanged(kv, env, addr, fx); err != nil {
			return err
		}
		if err := a.nodes.BalanceChanged(kv, addr); err != nil {
			return err
		}
	}
	return nil
}

// EthClaimCommitted is the Ethereum range and digest that votes, out of
// total power, attest over the committed state; nil if none. The proposer
// adds the changes its node read for it to the record.
func (a *App) EthClaimCommitted(votes []attest.Vote, total int64) (*pb.EthVote, error) {
	snap, err := a.store.At(0)
	if err != nil {
		return nil, err
	}
	return a.attest.EthClaim(snap, votes, total)
}

// EthNext is, in the committed state, the first Ethereum block of the next
// range to attest, and whether the chain reads a token at all. The node's
// reader and its vote extensions read it.
func (a *App) EthNext() (uint64, bool, error) {
	if a.store.Version() == 0 {
		return 0, false, nil
	}
	snap, err := a.store.At(0)
	if err != nil {
		return 0, false, err
	}
	return a.balances.EthNext(snap)
}

// PathEth answers EthView: the Ethereum token the chain reads and the last
// block attested. The ABCI adapter answers it (adding its reader's
// height), not a module: it is part state, part node.
const PathEth = "/eth"

// EthView is what the chain reads of Ethereum, and how far.
type EthView struct {
	// Token is nil when the chain reads no token: ETH balances, if any,
	// are an oracle's.
	Token *balance.EthParams `json:"token"`
	// AttestedHeight is the last Ethereum block whose Transfer logs are in
	// the ETH balances (the start block until a range is attested).
	AttestedHeight uint64 `json:"attested_height"`
	// ReaderHeight and FinalHeight are this node's reader's: the last
	// block it read, and the last final block its RPC endpoint reports.
	// Absent when the node has no eth_rpc.
	ReaderHeight *uint64 `json:"reader_height,omitempty"`
	FinalHeight  *uint64 `json:"final_height,omitempty"`
}

// Eth is the committed state's EthView (without the reader's part).
func (a *App) Eth() (EthView, error) {
	if a.store.Version() == 0 {
		return EthView{}, nil
	}
	snap, err := a.store.At(0)
	if err != nil {
		return EthView{}, err
	}
	p, err := a.balances.Params(snap)
	if err != nil || p.Ethereum == nil {
		return EthView{}, err
	}
	h, err := a.balances.Reported(snap, balance.SourceEth)
	return EthView{Token: p.Ethereum, AttestedHeight: h}, err
}
