package attest

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
)

// MaxVoteBytes is the largest vote extension DecodeVote's bounds allow,
// encoded canonically: MaxVoteFiles files of the longest item_hash, the
// largest size, a sha256, a chunk root and the largest DAG size each, an
// Ethereum vote of the largest blocks and pages, and MaxVoteProbes liveness answers of the
// longest node name and the largest epoch and slot. Every extension a validator signs travels again in
// the next block's record as evidence; an extension CometBFT's own 1 MiB cap lets
// through could make that record too large for any block, and a third of
// the power could then halt the chain.
var MaxVoteBytes = maxVoteBytes()

func maxVoteBytes() int {
	f := &pb.AttestedFile{ItemHash: strings.Repeat("x", maxItemHash), Size: math.MaxUint64, Sha256: make([]byte, 32), ChunkRoot: make([]byte, 32), DagBytes: math.MaxUint64}
	ext := &pb.VoteExtension{Eth: &pb.EthVote{From: math.MaxUint64, To: math.MaxUint64, Digest: make([]byte, digestLen), Page: math.MaxUint32, Pages: math.MaxUint32}}
	for range MaxVoteFiles {
		ext.Files = append(ext.Files, f)
	}
	a := &pb.ProbeAnswer{Node: strings.Repeat("x", maxProbeNode), Epoch: math.MaxUint64, Slot: math.MaxUint32, Signature: make([]byte, probeSigLen)}
	for range MaxVoteProbes {
		ext.Probes = append(ext.Probes, a)
	}
	return proto.Size(ext)
}

// VoteBytesLimit is the largest extension a validator of a set of n may
// sign: MaxVoteBytes, or less when n extensions that large would take more
// of the block than it leaves the extended commit (BlockBytes less
// recordReserve; each vote adds voteOverhead). With up to 27 validators
// that is MaxVoteBytes (85,190 bytes); with 100, ~23 kB (about 100 files
// of the largest, or 160 liveness answers). Without it, the
// extended commit of a large set grows past any block once its validators
// report many pending files (honest ones included), and the chain halts:
// every record would be too large, and all the height's rounds share one
// extended commit. Proposer and validators read n from the same committed
// validator set, so an honest node trims its extension to what the others
// accept.
func VoteBytesLimit(n int) int {
	share := (BlockBytes-recordReserve)/max(n, 1) - voteOverhead
	return max(min(MaxVoteBytes, share), 0)
}

// TrimVote drops ext's last liveness answers, then its last files (the
// furthest deadlines: ExtendVote lists the nearest first), until its
// encoding takes at most limit bytes. Answers go first: a STORE whose
// file is not attested by its deadline is rejected for good, while an
// answer left out can travel in the next blocks' extensions for as long
// as its slot is open (up to two slots), and a slot is lost only if more
// than a third of the power leaves it out throughout. The Ethereum vote
// stays: it is small, and its ranges advance one at a time.
func TrimVote(ext *pb.VoteExtension, limit int) {
	if proto.Size(ext) <= limit {
		return
	}
	// An encoding is its fields one after the other: each file or answer
	// adds what an extension of it alone takes.
	files, probes := ext.Files, ext.Probes
	ext.Files, ext.Probes = nil, nil
	size := proto.Size(ext)
	for i, f := range files {
		size += proto.Size(&pb.VoteExtension{Files: []*pb.AttestedFile{f}})
		if size > limit {
			files, probes = files[:i], nil
			break
		}
	}
	for i, a := range probes {
		size += proto.Size(&pb.VoteExtension{Probes: []*pb.ProbeAnswer{a}})
		if size > limit {
			probes = probes[:i]
			break
		}
	}
	ext.Files, ext.Probes = files, probes
}

// CheckVoteBytes is what a validator requires of another's vote extension
// before it accepts the precommit (VerifyVoteExtension): at most
// limit (VoteBytesLimit of the set), within DecodeVote's bounds, and in the exact encoding
// EncodeVote gives its decoding. The last refuses unknown fields,
// repeated or out-of-order fields and non-minimal varints: bytes that
// mean nothing and only make the evidence larger. (DecodeVote itself
// stays lenient: the proposal check reads the evidence of votes already
// accepted, and must read them alike on every node.)
func CheckVoteBytes(b []byte, limit int) error {
	if len(b) > limit {
		return fmt.Errorf("vote extension of %d bytes, at most %d for this validator set", len(b), limit)
	}
	if _, err := DecodeVote(b); err != nil {
		return err
	}
	// Marshal writes unknown fields back: decode without them to compare.
	known := &pb.VoteExtension{}
	if err := (proto.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, known); err != nil {
		return fmt.Errorf("vote extension does not decode: %w", err)
	}
	if !bytes.Equal(EncodeVote(known), b) {
		return fmt.Errorf("vote extension of %d bytes is not in canonical encoding (unknown, repeated or misordered fields)", len(b))
	}
	return nil
}
