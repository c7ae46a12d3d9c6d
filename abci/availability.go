package abci

import (
	"bytes"
	"context"
	"fmt"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	cryptoenc "github.com/cometbft/cometbft/crypto/encoding"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// Attester is the node's knowledge of STORE files: which pending STOREs'
// files it holds and verified, and their sizes. It is outside consensus
// (each node fetches on its own); what reaches the chain is only what more
// than 2/3 of the voting power agree on.
type Attester interface {
	Verified(pending []message.PendingStore) []*pb.AttestedFile
}

// pendingScan bounds how many pending STOREs a vote extension considers,
// nearest deadline first.
const pendingScan = 4 * app.MaxVoteFiles

// ExtendVote reports the pending STOREs whose files this node verified.
func (s *Application) ExtendVote(_ context.Context, req *abcitypes.RequestExtendVote) (*abcitypes.ResponseExtendVote, error) {
	if s.attester == nil {
		return &abcitypes.ResponseExtendVote{}, nil
	}
	var pending []message.PendingStore
	var err error
	s.locked(func() { pending, err = s.app.PendingStores(pendingScan) })
	if err != nil || len(pending) == 0 {
		return &abcitypes.ResponseExtendVote{}, nil // an empty extension is always valid
	}
	files := s.attester.Verified(pending)
	if len(files) > app.MaxVoteFiles {
		files = files[:app.MaxVoteFiles]
	}
	if len(files) == 0 {
		return &abcitypes.ResponseExtendVote{}, nil
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(&pb.AvailabilityVote{Files: files})
	if err != nil {
		return nil, err
	}
	return &abcitypes.ResponseExtendVote{VoteExtension: b}, nil
}

// VerifyVoteExtension accepts any well-formed extension: what it claims
// counts only with 2/3 of the power behind it, so there is nothing to
// judge here but its shape. Refusing is costly (the precommit is dropped).
func (s *Application) VerifyVoteExtension(_ context.Context, req *abcitypes.RequestVerifyVoteExtension) (*abcitypes.ResponseVerifyVoteExtension, error) {
	if _, err := decodeVote(req.VoteExtension); err != nil {
		return &abcitypes.ResponseVerifyVoteExtension{Status: abcitypes.ResponseVerifyVoteExtension_REJECT}, nil
	}
	return &abcitypes.ResponseVerifyVoteExtension{Status: abcitypes.ResponseVerifyVoteExtension_ACCEPT}, nil
}

func decodeVote(ext []byte) ([]*pb.AttestedFile, error) {
	if len(ext) == 0 {
		return nil, nil
	}
	var v pb.AvailabilityVote
	if err := proto.Unmarshal(ext, &v); err != nil {
		return nil, err
	}
	if len(v.Files) > app.MaxVoteFiles {
		return nil, fmt.Errorf("%d files in one vote, at most %d", len(v.Files), app.MaxVoteFiles)
	}
	for _, f := range v.Files {
		if f.ItemHash == "" || len(f.ItemHash) > 128 {
			return nil, fmt.Errorf("item_hash %q", f.ItemHash)
		}
	}
	return v.Files, nil
}

// votesOf reads the tally's input from an extended commit; a malformed
// extension counts as none (its signer's other votes still count).
func votesOf(ec abcitypes.ExtendedCommitInfo) ([]app.Vote, int64) {
	var votes []app.Vote
	var total int64
	for _, v := range ec.Votes {
		total += v.Validator.Power
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			continue
		}
		files, err := decodeVote(v.VoteExtension)
		if err != nil || len(files) == 0 {
			continue
		}
		votes = append(votes, app.Vote{Power: v.Validator.Power, Files: files})
	}
	return votes, total
}

// PrepareProposal puts an availability record first in the block when the
// previous height's vote extensions attest any file.
func (s *Application) PrepareProposal(_ context.Context, req *abcitypes.RequestPrepareProposal) (*abcitypes.ResponsePrepareProposal, error) {
	txs := make([][]byte, 0, len(req.Txs)+1)
	var size int64
	add := func(tx []byte) {
		if size+int64(len(tx)) <= req.MaxTxBytes {
			txs, size = append(txs, tx), size+int64(len(tx))
		}
	}
	votes, total := votesOf(req.LocalLastCommit)
	if len(votes) > 0 {
		var files []*pb.AttestedFile
		var err error
		s.locked(func() { files, err = s.app.TallyCommitted(votes, total) })
		if err != nil {
			return nil, err
		}
		if len(files) > 0 {
			evidence, err := req.LocalLastCommit.Marshal()
			if err != nil {
				return nil, err
			}
			add(app.EncodeAvailability(&pb.Availability{Files: files, ExtendedCommit: evidence}))
		}
	}
	for _, tx := range req.Txs {
		if app.DecodeAvailability(tx) == nil { // only the proposer's own
			add(tx)
		}
	}
	return &abcitypes.ResponsePrepareProposal{Txs: txs}, nil
}

// ProcessProposal accepts a block unless its availability record is out of
// place or not exactly what the signed vote extensions it carries attest.
// Every other transaction is judged, and may be rejected, in FinalizeBlock.
func (s *Application) ProcessProposal(_ context.Context, req *abcitypes.RequestProcessProposal) (*abcitypes.ResponseProcessProposal, error) {
	reject := &abcitypes.ResponseProcessProposal{Status: abcitypes.ResponseProcessProposal_REJECT}
	for i, tx := range req.Txs {
		av := app.DecodeAvailability(tx)
		if av == nil {
			continue
		}
		if i > 0 {
			return reject, nil
		}
		if err := s.checkAvailability(req.Height, av, req.ProposedLastCommit); err != nil {
			s.logRejectedProposal(req.Height, err)
			return reject, nil
		}
	}
	return &abcitypes.ResponseProcessProposal{Status: abcitypes.ResponseProcessProposal_ACCEPT}, nil
}

// checkAvailability checks a record against its evidence: the extended
// commit of height-1 must be the block's own last commit (same round,
// validators, powers and flags), every extension counted must carry its
// validator's signature, and the record must list exactly what they
// attest for STOREs still pending.
func (s *Application) checkAvailability(height int64, av *pb.Availability, last abcitypes.CommitInfo) error {
	var ec abcitypes.ExtendedCommitInfo
	if err := ec.Unmarshal(av.ExtendedCommit); err != nil {
		return fmt.Errorf("evidence does not decode: %w", err)
	}
	if ec.Round != last.Round || len(ec.Votes) != len(last.Votes) {
		return fmt.Errorf("evidence is round %d with %d votes, the last commit round %d with %d", ec.Round, len(ec.Votes), last.Round, len(last.Votes))
	}
	var ci app.ChainInfo
	var err error
	s.locked(func() { ci, err = s.app.ChainInfo() })
	if err != nil {
		return err
	}
	keys := map[string]app.Validator{}
	for _, v := range ci.Validators {
		keys[string(v.Address)] = v
	}
	for i, v := range ec.Votes {
		l := last.Votes[i]
		if !bytes.Equal(v.Validator.Address, l.Validator.Address) || v.Validator.Power != l.Validator.Power || v.BlockIdFlag != l.BlockIdFlag {
			return fmt.Errorf("evidence vote %d is not the last commit's", i)
		}
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit || len(v.VoteExtension) == 0 {
			continue
		}
		val, ok := keys[string(v.Validator.Address)]
		if !ok {
			return fmt.Errorf("evidence vote %d: unknown validator %X", i, v.Validator.Address)
		}
		if err := verifyExtension(ci.ChainID, height-1, ec.Round, val, v); err != nil {
			return fmt.Errorf("evidence vote %d: %w", i, err)
		}
	}
	votes, total := votesOf(ec)
	var want []*pb.AttestedFile
	s.locked(func() { want, err = s.app.TallyCommitted(votes, total) })
	if err != nil {
		return err
	}
	if len(want) != len(av.Files) {
		return fmt.Errorf("record lists %d files, the evidence attests %d", len(av.Files), len(want))
	}
	for i := range want {
		if !proto.Equal(want[i], av.Files[i]) {
			return fmt.Errorf("record file %d is %v, the evidence attests %v", i, av.Files[i], want[i])
		}
	}
	return nil
}

// verifyExtension checks a validator's signature on its vote extension,
// over CometBFT's canonical sign bytes.
func verifyExtension(chainID string, height int64, round int32, val app.Validator, v abcitypes.ExtendedVoteInfo) error {
	pk, err := cryptoenc.PubKeyFromProto(pubKeyProto(val))
	if err != nil {
		return err
	}
	signBytes := cmttypes.VoteExtensionSignBytes(chainID, &cmtproto.Vote{
		Type: cmtproto.PrecommitType, Height: height, Round: round, Extension: v.VoteExtension,
	})
	if !pk.VerifySignature(signBytes, v.ExtensionSignature) {
		return fmt.Errorf("extension signature of %X does not verify", v.Validator.Address)
	}
	return nil
}

func pubKeyProto(v app.Validator) cmtcrypto.PublicKey {
	switch v.PubKeyType {
	case "secp256k1":
		return cmtcrypto.PublicKey{Sum: &cmtcrypto.PublicKey_Secp256K1{Secp256K1: v.PubKey}}
	default:
		return cmtcrypto.PublicKey{Sum: &cmtcrypto.PublicKey_Ed25519{Ed25519: v.PubKey}}
	}
}

// validatorsOf converts genesis validators for the app.
func validatorsOf(updates []abcitypes.ValidatorUpdate) ([]app.Validator, error) {
	out := make([]app.Validator, 0, len(updates))
	for _, u := range updates {
		pk, err := cryptoenc.PubKeyFromProto(u.PubKey)
		if err != nil {
			return nil, err
		}
		out = append(out, app.Validator{Address: pk.Address(), PubKeyType: pk.Type(), PubKey: pk.Bytes(), Power: u.Power})
	}
	return out, nil
}
