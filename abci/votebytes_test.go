package abci

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
)

// paddedVote is a well-formed Ethereum vote extension padded with an
// unknown protobuf field to n bytes in all: DecodeVote reads it (and
// keeps the padding), CometBFT's own cap allows up to 1 MiB.
func paddedVote(n int) []byte {
	ext := attest.EncodeVote(&pb.VoteExtension{Eth: &pb.EthVote{From: 101, To: 110, Digest: make([]byte, 32)}})
	pad := n - len(ext) - 10
	ext = protowire.AppendTag(ext, 999, protowire.BytesType)
	return protowire.AppendBytes(ext, bytes.Repeat([]byte{7}, pad))
}

// largestVote is the largest extension an honest validator may sign:
// every bound DecodeVote sets at its maximum.
func largestVote() []byte {
	ext := &pb.VoteExtension{Eth: &pb.EthVote{From: math.MaxUint64 - 1, To: math.MaxUint64, Digest: make([]byte, 32), Page: math.MaxUint32 - 1, Pages: math.MaxUint32}}
	for i := range attest.MaxVoteFiles {
		ext.Files = append(ext.Files, &pb.AttestedFile{ItemHash: fmt.Sprintf("%0128d", i), Size: math.MaxUint64, Sha256: make([]byte, 32), ChunkRoot: make([]byte, 32), DagBytes: math.MaxUint64})
	}
	ext.Probes = largestProbes()
	return attest.EncodeVote(ext)
}

// largestProbes are the most liveness answers an extension may carry,
// each of the longest node name and the largest epoch and slot.
func largestProbes() []*pb.ProbeAnswer {
	out := make([]*pb.ProbeAnswer, attest.MaxVoteProbes)
	for i := range out {
		out[i] = &pb.ProbeAnswer{Node: fmt.Sprintf("%0128d", i), Epoch: math.MaxUint64, Slot: math.MaxUint32, Signature: bytes.Repeat([]byte{9}, 64)}
	}
	return out
}

func (c *valChain) verifyExt(ext []byte) bool {
	c.t.Helper()
	res, err := c.s.VerifyVoteExtension(c.t.Context(), &abcitypes.RequestVerifyVoteExtension{VoteExtension: ext})
	if err != nil {
		c.t.Fatal(err)
	}
	return res.Status == abcitypes.ResponseVerifyVoteExtension_ACCEPT
}

// TestVerifyVoteExtensionRefusesOversized: an extension past the largest
// the bounds allow is refused, whatever it decodes to; the largest honest
// one is accepted.
func TestVerifyVoteExtensionRefusesOversized(t *testing.T) {
	c := newValChainWith(t, ethGenesis(t), newTestValidator("A", 10))
	if big := paddedVote(1_048_000); c.verifyExt(big) {
		t.Fatalf("a %d-byte extension of padding accepted", len(big))
	}
	if over := paddedVote(attest.MaxVoteBytes + 16); c.verifyExt(over) {
		t.Fatalf("a %d-byte extension accepted, the limit is %d", len(over), attest.MaxVoteBytes)
	}
	largest := largestVote()
	if len(largest) != attest.MaxVoteBytes {
		t.Fatalf("the largest extension the bounds allow is %d bytes, MaxVoteBytes says %d", len(largest), attest.MaxVoteBytes)
	}
	if !c.verifyExt(largest) {
		t.Fatal("the largest extension the bounds allow is refused")
	}
}

// TestVerifyVoteExtensionRefusesNonCanonical: a small extension that
// carries bytes its decoding does not need (an unknown field, a field
// twice, a padded varint) is refused; its canonical twin is accepted.
func TestVerifyVoteExtensionRefusesNonCanonical(t *testing.T) {
	c := newValChainWith(t, ethGenesis(t), newTestValidator("A", 10))
	vote := &pb.EthVote{From: 101, To: 110, Digest: make([]byte, 32)}
	canonical := attest.EncodeVote(&pb.VoteExtension{Eth: vote})
	if !c.verifyExt(canonical) || !c.verifyExt(nil) {
		t.Fatal("a canonical extension refused")
	}
	eth := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 101)
	eth = protowire.AppendVarint(protowire.AppendTag(eth, 2, protowire.VarintType), 110)
	eth = protowire.AppendBytes(protowire.AppendTag(eth, 3, protowire.BytesType), vote.Digest)
	wrap := func(inner []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), inner)
	}
	if !bytes.Equal(wrap(eth), canonical) {
		t.Fatal("the hand-made encoding is not the canonical one; the cases below would test nothing")
	}
	padded := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 101)
	padded[len(padded)-1] |= 0x80
	padded = append(padded, 0x00) // 101 as a two-byte varint
	cases := map[string][]byte{
		"unknown field":        protowire.AppendVarint(protowire.AppendTag(canonical, 15, protowire.VarintType), 1),
		"unknown nested field": wrap(protowire.AppendVarint(protowire.AppendTag(eth, 9, protowire.VarintType), 1)),
		"eth twice":            append(wrap(eth), wrap(eth)...),
		"padded varint":        wrap(append(padded, eth[2:]...)),
		"empty eth vote":       wrap(nil),
	}
	for name, ext := range cases {
		if _, err := attest.DecodeVote(ext); err != nil && name != "empty eth vote" {
			t.Fatalf("%s: DecodeVote refuses it already (%v); the case tests nothing", name, err)
		}
		if c.verifyExt(ext) {
			t.Errorf("%s: a non-canonical extension accepted", name)
		}
	}
}

// TestLargestExtensionsFitTheRecord: 4 of 13 validators (30.8% of the
// power) padding their extensions to ~1 MB made every proposal's record
// too large for the block, a halt. Such extensions are now refused (the
// precommit is dropped); the largest they may sign, from all 13, still
// leaves a record that fits the block and is accepted.
func TestLargestExtensionsFitTheRecord(t *testing.T) {
	var vals []testValidator
	for i := range 13 {
		vals = append(vals, newTestValidator(fmt.Sprint("V", i), 10))
	}
	c := newValChainWith(t, ethGenesis(t), vals...)
	c.commit(c.propose())
	if c.verifyExt(paddedVote(1_048_000)) {
		t.Fatal("a padded extension accepted")
	}
	largest := largestVote()
	if !c.verifyExt(largest) {
		t.Fatal("the largest extension refused")
	}
	for _, v := range vals {
		c.exts[string(v.address())] = largest
	}
	if record, err := c.proposeWithEvidence(vals); err != nil {
		t.Fatalf("13 of the largest extensions (%d bytes each, record %d bytes): %v", len(largest), record, err)
	}
}

// proposeWithEvidence has vals sign c.exts at c.height, proposes the next
// block on a 1 MiB-evidence budget, as CometBFT would, and checks it: the
// record's size, and the verdict's error if the block is refused.
func (c *valChain) proposeWithEvidence(vals []testValidator) (int, error) {
	c.t.Helper()
	c.last = c.sign(c.height, 0, vals, c.exts)
	maxTx := cmttypes.MaxDataBytes(app.MaxBlockBytes, 1<<20, len(vals))
	res, err := c.s.PrepareProposal(c.t.Context(), &abcitypes.RequestPrepareProposal{Height: c.height + 1, MaxTxBytes: maxTx, LocalLastCommit: c.last})
	if err != nil {
		c.t.Fatal(err)
	}
	if len(res.Txs) == 0 || app.DecodeAttestation(res.Txs[0]) == nil {
		c.t.Fatalf("no record proposed (MaxTxBytes %d)", maxTx)
	}
	p := &abcitypes.RequestProcessProposal{Height: c.height + 1, Txs: res.Txs, ProposedLastCommit: commitInfoOf(c.last)}
	if ok, err := c.verdict(p); !ok {
		if err == nil {
			err = errors.New("refused")
		}
		return len(res.Txs[0]), err
	}
	return len(res.Txs[0]), nil
}

// TestExtensionLimitFollowsTheSet: with 100 validators, the largest
// extension 13 may sign would make an extended commit larger than the
// block leaves it (100 x ~46 kB), and honest validators reporting many
// pending files would halt the chain. The limit shrinks with the set: the
// largest extension is refused, one at the set's limit accepted, and a
// record whose evidence holds 100 of those fits the block and is
// accepted. ExtendVote trims what it reports to the same limit.
func TestExtensionLimitFollowsTheSet(t *testing.T) {
	var vals []testValidator
	for i := range 100 {
		vals = append(vals, newTestValidator(fmt.Sprint("V", i), 10))
	}
	c := newValChainWith(t, ethGenesis(t), vals...)
	c.commit(c.propose())
	limit := attest.VoteBytesLimit(len(vals))
	if limit >= attest.MaxVoteBytes || limit < 20_000 {
		t.Fatalf("limit for 100 validators: %d", limit)
	}
	if c.verifyExt(largestVote()) {
		t.Fatal("the largest extension of a small set accepted from a set of 100")
	}
	ext := &pb.VoteExtension{}
	for i := range attest.MaxVoteFiles {
		ext.Files = append(ext.Files, &pb.AttestedFile{ItemHash: fmt.Sprintf("%0128d", i), Size: math.MaxUint64, Sha256: make([]byte, 32), ChunkRoot: make([]byte, 32), DagBytes: math.MaxUint64})
	}
	attest.TrimVote(ext, limit)
	atLimit := attest.EncodeVote(ext)
	if len(atLimit) > limit || len(atLimit) < limit-2_000 || len(ext.Files) == 0 {
		t.Fatalf("trimmed to %d bytes, %d files, limit %d", len(atLimit), len(ext.Files), limit)
	}
	if !c.verifyExt(atLimit) {
		t.Fatal("an extension within the set's limit refused")
	}
	for _, v := range vals {
		c.exts[string(v.address())] = atLimit
	}
	if record, err := c.proposeWithEvidence(vals); err != nil {
		t.Fatalf("100 extensions at the limit (%d bytes each, record %d bytes): %v", len(atLimit), record, err)
	}
}
