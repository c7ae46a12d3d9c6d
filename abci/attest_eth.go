package abci

import (
	"encoding/json"

	abcitypes "github.com/cometbft/cometbft/abci/types"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
)

// EthReader is the node's reader of the ALEPH token on Ethereum (ethsync):
// what it read of the ranges after the last attested block. It is outside
// consensus (each node reads its own RPC endpoint); what reaches the chain
// is only a range and digest that more than 2/3 of the voting power vote.
// Its methods read a cache and never wait on the network.
type EthReader interface {
	// Want says the next range to attest starts at from; the reader reads
	// ahead from there in the background.
	Want(from uint64)
	// Vote is this node's vote for the range that starts at from (for
	// page of that block, when it alone changes more than max_changes
	// addresses), nil if it has not read it (or it is not final yet).
	Vote(from uint64, page uint32) *pb.EthVote
	// Changes are the changes of the range from..to (or of its page) this
	// node read, if their digest is digest.
	Changes(from, to uint64, digest []byte) ([]*pb.EthChange, bool)
	// Height is the last block the reader has read up to; Final the last
	// final block its endpoint reports.
	Height() uint64
	Final() uint64
}

// SetEthReader makes the node's vote extensions report the Ethereum ranges
// r reads, and its proposals carry their changes. Without one, this
// validator attests no Ethereum range (and, as a proposer, cannot carry
// one the others attest: its round fails and the next proposer's carries
// it).
func (s *Application) SetEthReader(r EthReader) { s.eth = r }

// ethVote is this node's Ethereum vote for the next range of the committed
// state, and tells the reader where that range starts.
func (s *Application) ethVote() (*pb.EthVote, error) {
	if s.eth == nil {
		return nil, nil
	}
	var next uint64
	var page uint32
	var on bool
	var err error
	s.locked(func() { next, page, on, err = s.app.EthPosition() })
	if err != nil || !on {
		return nil, err
	}
	s.eth.Want(next)
	return s.eth.Vote(next, page), nil
}

// withEthChanges completes a tallied record with the changes of the range
// the votes attest, from this node's reader. Without them (no reader, or
// it read something else) the record lacks what it must carry, and the
// self-check refuses it.
func (s *Application) withEthChanges(record *pb.Attestation, votes []attest.Vote, total int64) error {
	var claim *pb.EthVote
	var err error
	s.locked(func() { claim, err = s.app.EthClaimCommitted(votes, total) })
	if err != nil || claim == nil {
		return err
	}
	if s.eth == nil {
		s.logger.Error("validators attest Ethereum blocks, but this node has no eth_rpc to carry their changes", "from", claim.From, "to", claim.To)
		return nil
	}
	changes, ok := s.eth.Changes(claim.From, claim.To, claim.Digest)
	if !ok {
		s.logger.Error("validators attest Ethereum blocks this node's reader did not read alike; proposing without them", "from", claim.From, "to", claim.To)
		return nil
	}
	record.Eth = &pb.EthUpdate{From: claim.From, To: claim.To, Page: claim.Page, Pages: claim.Pages, Changes: changes}
	return nil
}

// queryEth answers app.PathEth: the committed state's view, and this
// node's reader's heights.
func (s *Application) queryEth() *abcitypes.ResponseQuery {
	var v app.EthView
	var err error
	s.locked(func() { v, err = s.app.Eth() })
	if err != nil {
		return &abcitypes.ResponseQuery{Code: 1, Codespace: "query", Log: err.Error()}
	}
	if s.eth != nil {
		h, f := s.eth.Height(), s.eth.Final()
		v.ReaderHeight, v.FinalHeight = &h, &f
	}
	b, err := json.Marshal(v)
	if err != nil {
		return &abcitypes.ResponseQuery{Code: 1, Codespace: "query", Log: err.Error()}
	}
	return &abcitypes.ResponseQuery{Value: b, Height: s.committed.Load()}
}
