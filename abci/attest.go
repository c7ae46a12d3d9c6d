package abci

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	cryptoenc "github.com/cometbft/cometbft/crypto/encoding"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/message"
)

// Attester is the node's knowledge of STORE files: which pending STOREs'
// files it holds and verified, and their sizes. It is outside consensus
// (each node fetches on its own); what reaches the chain is only what more
// than 2/3 of the voting power agree on.
type Attester interface {
	Verified(pending []message.PendingStore) []*pb.AttestedFile
	// Content is a pending non-inline message's content the node verified,
	// which a block it proposes carries once it is attested.
	Content(itemHash string) ([]byte, bool)
}

// Prober is the node's knowledge of resource nodes' liveness: the signed
// answers to the open slots' probes (app.ProbeTargets) it collected,
// at most limit, those whose slots close first first. It is outside
// consensus (each validator probes on its own); a slot is up only when
// more than 2/3 of the power carry a valid answer.
type Prober interface {
	Answers(limit int) []*pb.ProbeAnswer
}

// pendingScan bounds how many pending STOREs a vote extension considers,
// nearest deadline first.
const pendingScan = 4 * attest.MaxVoteFiles

// The four vote-extension calls never fail. CometBFT v0.38 panics on an
// error from any of them, and a panic there stops the node: so a panic is
// recovered into the answer that is always safe (an empty extension, a
// refusal), and an error is returned only for a storage failure, on which
// the node must halt anyway.

// ExtendVote reports what this node saw: the pending STOREs whose files it
// verified, and the next range of Ethereum blocks its reader read. It
// reads committed state and the attester's and reader's caches, never the
// network.
func (s *Application) ExtendVote(_ context.Context, req *abcitypes.RequestExtendVote) (resp *abcitypes.ResponseExtendVote, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("ExtendVote panicked; voting an empty extension", "height", req.Height, "panic", r)
			resp, err = &abcitypes.ResponseExtendVote{}, nil
		}
	}()
	ext := &pb.VoteExtension{}
	if s.attester != nil {
		var pending []message.PendingStore
		s.locked(func() { pending, err = s.app.PendingStores(pendingScan) })
		if err != nil {
			return nil, fmt.Errorf("extend vote at %d: %w", req.Height, err)
		}
		if len(pending) > 0 {
			ext.Files = s.attester.Verified(pending)
			if len(ext.Files) > attest.MaxVoteFiles {
				ext.Files = ext.Files[:attest.MaxVoteFiles]
			}
		}
	}
	if ext.Eth, err = s.ethVote(); err != nil {
		return nil, fmt.Errorf("extend vote at %d: %w", req.Height, err)
	}
	ext.Probes = s.probeAnswers(req.Height)
	attest.TrimVote(ext, s.voteBytesLimit(req.Height))
	return &abcitypes.ResponseExtendVote{VoteExtension: attest.EncodeVote(ext)}, nil
}

// probeAnswers is what the prober has for the next extension, within
// DecodeVote's bounds: an answer the others would refuse (and with it this
// precommit) is dropped. A panicking prober costs the answers, not the
// files and Ethereum range beside them.
func (s *Application) probeAnswers(height int64) (out []*pb.ProbeAnswer) {
	if s.prober == nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("the prober panicked; voting without liveness answers", "height", height, "panic", r)
			out = nil
		}
	}()
	for _, a := range s.prober.Answers(attest.MaxVoteProbes) {
		if len(out) == attest.MaxVoteProbes {
			break
		}
		if err := attest.CheckProbe(a); err != nil {
			s.logger.Error("the prober gave an answer the bounds refuse; dropped", "height", height, "err", err)
			continue
		}
		out = append(out, a)
	}
	return out
}

// voteBytesLimit is the largest extension a validator of the set that
// signs height may vote (attest.VoteBytesLimit). Before the first commit,
// or if the set cannot be read, it is MaxVoteBytes: the bound a set of up
// to 28 validators has anyway.
func (s *Application) voteBytesLimit(height int64) int {
	var ci app.ChainInfo
	var err error
	s.locked(func() { ci, err = s.app.ChainInfo(height) })
	if err != nil || len(ci.Validators) == 0 {
		return attest.MaxVoteBytes
	}
	return attest.VoteBytesLimit(len(ci.Validators))
}

// VerifyVoteExtension accepts any well-formed extension: what it claims
// counts only with 2/3 of the power behind it, so there is nothing to
// judge here but its shape and its size. Refusing is costly (the
// precommit is dropped), but an accepted extension travels again as the
// next record's evidence: one larger than the bounds make an honest one
// (attest.VoteBytesLimit of the set: MaxVoteBytes, less for large sets),
// or padded with bytes that mean nothing, would let a third of the power
// make that record too large for any block.
func (s *Application) VerifyVoteExtension(_ context.Context, req *abcitypes.RequestVerifyVoteExtension) (resp *abcitypes.ResponseVerifyVoteExtension, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = &abcitypes.ResponseVerifyVoteExtension{Status: abcitypes.ResponseVerifyVoteExtension_REJECT}, nil
		}
	}()
	if err := attest.CheckVoteBytes(req.VoteExtension, s.voteBytesLimit(req.Height)); err != nil {
		s.logger.Info("refused a vote extension", "height", req.Height, "validator", fmt.Sprintf("%X", req.ValidatorAddress), "err", err)
		return &abcitypes.ResponseVerifyVoteExtension{Status: abcitypes.ResponseVerifyVoteExtension_REJECT}, nil
	}
	return &abcitypes.ResponseVerifyVoteExtension{Status: abcitypes.ResponseVerifyVoteExtension_ACCEPT}, nil
}

// votesOf reads the tally's input from an extended commit: the extensions
// of the votes for the block. A malformed extension counts as empty.
func votesOf(ec abcitypes.ExtendedCommitInfo) []attest.Vote {
	var votes []attest.Vote
	for _, v := range ec.Votes {
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			continue
		}
		ext, err := attest.DecodeVote(v.VoteExtension)
		if err != nil {
			continue
		}
		votes = append(votes, attest.Vote{Power: v.Validator.Power, Ext: ext})
	}
	return votes
}

// commitInfoOf is the last commit a block built on ec carries.
func commitInfoOf(ec abcitypes.ExtendedCommitInfo) abcitypes.CommitInfo {
	ci := abcitypes.CommitInfo{Round: ec.Round, Votes: make([]abcitypes.VoteInfo, len(ec.Votes))}
	for i, v := range ec.Votes {
		ci.Votes[i] = abcitypes.VoteInfo{Validator: v.Validator, BlockIdFlag: v.BlockIdFlag}
	}
	return ci
}

// PrepareProposal opens the block with an attestation record whenever the
// previous height's precommits carry vote extensions: the record is
// required then, even when it attests nothing, since only its evidence
// shows the other validators that nothing was attested.
func (s *Application) PrepareProposal(_ context.Context, req *abcitypes.RequestPrepareProposal) (resp *abcitypes.ResponsePrepareProposal, err error) {
	txs := make([][]byte, 0, len(req.Txs)+1)
	var size int64
	// CometBFT refuses (and halts on) a proposal whose transactions take
	// more than MaxTxBytes as the block's Data protobuf, which counts each
	// transaction's field tag and length too: a full mempool reap plus the
	// record would otherwise pass it by a few bytes a transaction.
	add := func(tx []byte) bool {
		n := txProtoSize(tx)
		if size+n > req.MaxTxBytes {
			return false
		}
		txs, size = append(txs, tx), size+n
		return true
	}
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("PrepareProposal panicked; proposing without a record", "height", req.Height, "panic", r)
			resp, err = &abcitypes.ResponsePrepareProposal{Txs: proposerless(req.Txs)}, nil
		}
	}()
	required, err := s.recordRequired(req.Height, len(req.LocalLastCommit.Votes))
	if err != nil {
		return nil, err
	}
	if required {
		record, err := s.proposeRecord(req.Height, req.LocalLastCommit)
		switch {
		case errors.Is(err, errRefused):
			// The same check every validator runs refuses this record:
			// proposing it would only waste the round. It cannot happen
			// with CometBFT's own extended commit; say so loudly if it does.
			s.logger.Error("own attestation record fails the proposal check; proposing without one", "height", req.Height, "err", err)
		case err != nil:
			return nil, err
		default:
			if !add(record) {
				// Every validator refuses the block without it: say why
				// this proposal will fail rather than fail silently.
				s.logger.Error("the attestation record does not fit the block; this proposal will be refused", "height", req.Height, "record_bytes", len(record), "max_tx_bytes", req.MaxTxBytes)
			}
		}
	}
	for _, tx := range proposerless(req.Txs) {
		add(tx)
	}
	return &abcitypes.ResponsePrepareProposal{Txs: txs}, nil
}

// txProtoSize is what tx adds to a block's Data protobuf (repeated bytes
// txs = 1): its tag, its length as a varint, and its bytes; the sum over a
// block's transactions is CometBFT's types.ComputeProtoSizeForTxs.
func txProtoSize(tx []byte) int64 {
	return int64(protowire.SizeTag(1) + protowire.SizeBytes(len(tx)))
}

// proposerless drops records from mempool transactions: only the proposer
// makes one.
func proposerless(txs [][]byte) [][]byte {
	out := make([][]byte, 0, len(txs))
	for _, tx := range txs {
		if app.DecodeAttestation(tx) == nil {
			out = append(out, tx)
		}
	}
	return out
}

// proposeRecord tallies ec into a record and checks it with the exact
// check ProcessProposal runs, against the last commit the block will carry.
func (s *Application) proposeRecord(height int64, ec abcitypes.ExtendedCommitInfo) ([]byte, error) {
	evidence, err := ec.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: encode the extended commit: %v", errRefused, err)
	}
	var ci app.ChainInfo
	s.locked(func() { ci, err = s.app.ChainInfo(height - 1) })
	if err != nil {
		return nil, err
	}
	var record *pb.Attestation
	votes, total := votesOf(ec), totalPower(ci.Validators)
	s.locked(func() { record, err = s.app.TallyCommitted(votes, total) })
	if err != nil {
		return nil, err
	}
	if err := s.withEthChanges(record, votes, total); err != nil {
		return nil, err
	}
	s.withContent(record)
	record.ExtendedCommit = evidence
	if err := s.checkRecord(height, record, commitInfoOf(ec)); err != nil {
		return nil, err
	}
	return app.EncodeAttestation(record), nil
}

// withContent adds to a record the attested non-inline content it must
// carry, read from this node's store. A proposer that lacks some (it was
// among the third that did not fetch it) makes a record the check refuses
// and proposes without one; the round passes to a proposer that holds it.
func (s *Application) withContent(record *pb.Attestation) {
	var want []*pb.AttestedFile
	s.locked(func() { want = s.app.ContentWanted(record) })
	for _, f := range want {
		if s.attester == nil {
			break
		}
		if b, ok := s.attester.Content(f.ItemHash); ok {
			f.Content = b
		} else {
			s.logger.Error("attested content is not in this node's store; this proposal will be refused", "item_hash", f.ItemHash)
		}
	}
}

// recordRequired reports whether a block at height must open with an
// attestation record: when it has a last commit (lastVotes validators) of
// a height whose precommits carry vote extensions.
func (s *Application) recordRequired(height int64, lastVotes int) (bool, error) {
	if lastVotes == 0 {
		return false, nil // the chain's first block: no last commit
	}
	var ci app.ChainInfo
	var err error
	s.locked(func() { ci, err = s.app.ChainInfo(height - 1) })
	if err != nil {
		return false, err
	}
	return ci.VoteExtensionsFrom > 0 && height-1 >= ci.VoteExtensionsFrom, nil
}

// ProcessProposal accepts a block only if it opens with the attestation
// record it must carry, exactly what the signed vote extensions it carries
// as evidence attest, and has no other record. Every other transaction is
// judged, and may be rejected, in FinalizeBlock.
func (s *Application) ProcessProposal(_ context.Context, req *abcitypes.RequestProcessProposal) (resp *abcitypes.ResponseProcessProposal, err error) {
	reject := &abcitypes.ResponseProcessProposal{Status: abcitypes.ResponseProcessProposal_REJECT}
	defer func() {
		if r := recover(); r != nil {
			s.logRejectedProposal(req.Height, fmt.Errorf("the proposal check panicked: %v", r))
			resp, err = reject, nil
		}
	}()
	err = s.checkProposal(req.Height, req.Txs, req.ProposedLastCommit)
	switch {
	case errors.Is(err, errRefused):
		s.logRejectedProposal(req.Height, err)
		return reject, nil
	case err != nil:
		return nil, err // storage: halt rather than judge on a failed read
	}
	return &abcitypes.ResponseProcessProposal{Status: abcitypes.ResponseProcessProposal_ACCEPT}, nil
}

// errRefused marks a proposal check's refusal, as against a storage
// failure.
var errRefused = errors.New("refused")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errRefused, fmt.Sprintf(format, args...))
}

// checkProposal is ProcessProposal's judgement: nil, a refusal (errRefused)
// or a storage failure.
func (s *Application) checkProposal(height int64, txs [][]byte, last abcitypes.CommitInfo) error {
	var record *pb.Attestation
	for i, tx := range txs {
		rec := app.DecodeAttestation(tx)
		if rec == nil {
			continue
		}
		if i > 0 {
			return refuse("transaction %d is an attestation record; only the first may be", i)
		}
		record = rec
	}
	required, err := s.recordRequired(height, len(last.Votes))
	switch {
	case err != nil:
		return err
	case required && record == nil:
		return refuse("the block does not open with the attestation record of height %d's vote extensions", height-1)
	case !required && record != nil:
		return refuse("the block opens with an attestation record, but height %d's precommits carry no vote extensions", height-1)
	case record == nil:
		return nil
	}
	return s.checkRecord(height, record, last)
}

// checkRecord checks a record against its evidence and the chain:
//   - the evidence is the extended commit of the block's own last commit:
//     same round, same votes in the same order, same powers and flags;
//   - its validators are exactly the set that signed height-1, as state
//     keeps it, with the same powers;
//   - every vote for the block carries its validator's signature on its
//     extension (height-1, the round), so no extension is forged, swapped
//     or left out; other votes carry none;
//   - the record lists exactly what those extensions attest (x/attest).
func (s *Application) checkRecord(height int64, record *pb.Attestation, last abcitypes.CommitInfo) error {
	var ec abcitypes.ExtendedCommitInfo
	if err := ec.Unmarshal(record.ExtendedCommit); err != nil {
		return refuse("the evidence does not decode: %v", err)
	}
	if ec.Round != last.Round || len(ec.Votes) != len(last.Votes) {
		return refuse("the evidence is round %d with %d votes, the last commit round %d with %d", ec.Round, len(ec.Votes), last.Round, len(last.Votes))
	}
	var ci app.ChainInfo
	var err error
	s.locked(func() { ci, err = s.app.ChainInfo(height - 1) })
	if err != nil {
		return err
	}
	set := map[string]app.Validator{}
	for _, v := range ci.Validators {
		set[string(v.Address)] = v
	}
	if len(ec.Votes) != len(set) {
		return refuse("the evidence has %d votes; %d validators signed height %d", len(ec.Votes), len(set), height-1)
	}
	seen := map[string]bool{}
	for i, v := range ec.Votes {
		l := last.Votes[i]
		if !bytes.Equal(v.Validator.Address, l.Validator.Address) || v.Validator.Power != l.Validator.Power || v.BlockIdFlag != l.BlockIdFlag {
			return refuse("evidence vote %d is not the last commit's", i)
		}
		val, ok := set[string(v.Validator.Address)]
		switch {
		case !ok:
			return refuse("evidence vote %d: %X did not sign height %d", i, v.Validator.Address, height-1)
		case seen[string(val.Address)]:
			return refuse("evidence vote %d: %X votes twice", i, v.Validator.Address)
		case v.Validator.Power != val.Power:
			return refuse("evidence vote %d: %X has power %d, not %d", i, v.Validator.Address, v.Validator.Power, val.Power)
		}
		seen[string(val.Address)] = true
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			if len(v.VoteExtension) > 0 || len(v.ExtensionSignature) > 0 {
				return refuse("evidence vote %d: %X did not vote for the block, yet carries an extension", i, v.Validator.Address)
			}
			continue
		}
		if err := verifyExtension(ci.ChainID, height-1, ec.Round, val, v); err != nil {
			return refuse("evidence vote %d: %v", i, err)
		}
	}
	var mismatch error
	s.locked(func() { mismatch = s.app.CheckAttestation(record, votesOf(ec), totalPower(ci.Validators)) })
	if errors.Is(mismatch, attest.ErrRecordMismatch) {
		return fmt.Errorf("%w: %w", errRefused, mismatch)
	}
	return mismatch
}

func totalPower(vals []app.Validator) int64 {
	var total int64
	for _, v := range vals {
		total += v.Power
	}
	return total
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
		return fmt.Errorf("the extension signature of %X does not verify", v.Validator.Address)
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

// lastCommitOf is who signed the previous block, for the app.
func lastCommitOf(ci abcitypes.CommitInfo) []app.Vote {
	out := make([]app.Vote, len(ci.Votes))
	for i, v := range ci.Votes {
		out[i] = app.Vote{Address: v.Validator.Address, Signed: v.BlockIdFlag == cmtproto.BlockIDFlagCommit}
	}
	return out
}

// misbehaviorOf is the double-signing evidence of a block, for the app.
// Light-client attacks name validators too; they are misbehavior alike.
func misbehaviorOf(ms []abcitypes.Misbehavior) []app.Misbehavior {
	out := make([]app.Misbehavior, len(ms))
	for i, m := range ms {
		out[i] = app.Misbehavior{Address: m.Validator.Address, Height: m.Height}
	}
	return out
}

// validatorsOf converts CometBFT's validators for the app.
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

// validatorUpdatesOf converts the app's validator updates for CometBFT.
func validatorUpdatesOf(vals []app.Validator) []abcitypes.ValidatorUpdate {
	out := make([]abcitypes.ValidatorUpdate, len(vals))
	for i, v := range vals {
		out[i] = abcitypes.ValidatorUpdate{PubKey: pubKeyProto(v), Power: v.Power}
	}
	return out
}
