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
// largest size and a sha256 each, and an Ethereum vote of the largest
// blocks and pages. Every extension a validator signs travels again in
// the next block's record as evidence; an extension CometBFT's own 1 MiB cap lets
// through could make that record too large for any block, and a third of
// the power could then halt the chain.
var MaxVoteBytes = maxVoteBytes()

func maxVoteBytes() int {
	f := &pb.AttestedFile{ItemHash: strings.Repeat("x", maxItemHash), Size: math.MaxUint64, Sha256: make([]byte, 32)}
	ext := &pb.VoteExtension{Eth: &pb.EthVote{From: math.MaxUint64, To: math.MaxUint64, Digest: make([]byte, digestLen), Page: math.MaxUint32, Pages: math.MaxUint32}}
	for range MaxVoteFiles {
		ext.Files = append(ext.Files, f)
	}
	return proto.Size(ext)
}

// CheckVoteBytes is what a validator requires of another's vote extension
// before it accepts the precommit (VerifyVoteExtension): at most
// MaxVoteBytes, within DecodeVote's bounds, and in the exact encoding
// EncodeVote gives its decoding. The last refuses unknown fields,
// repeated or out-of-order fields and non-minimal varints: bytes that
// mean nothing and only make the evidence larger. (DecodeVote itself
// stays lenient: the proposal check reads the evidence of votes already
// accepted, and must read them alike on every node.)
func CheckVoteBytes(b []byte) error {
	if len(b) > MaxVoteBytes {
		return fmt.Errorf("vote extension of %d bytes, at most %d", len(b), MaxVoteBytes)
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
