package attest_test

import (
	"fmt"
	"math"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
)

// TestVoteBytesLimit: small sets keep the bound DecodeVote's limits give;
// larger ones get what the block leaves each, so that the extended commit
// of a whole set at its limit always fits beside the record's reserves.
func TestVoteBytesLimit(t *testing.T) {
	for _, n := range []int{0, 1, 4, 43} {
		if got := attest.VoteBytesLimit(n); got != attest.MaxVoteBytes {
			t.Errorf("VoteBytesLimit(%d) = %d, want MaxVoteBytes %d", n, got, attest.MaxVoteBytes)
		}
	}
	for _, n := range []int{44, 100, 1_000} {
		limit := attest.VoteBytesLimit(n)
		if limit >= attest.MaxVoteBytes {
			t.Errorf("VoteBytesLimit(%d) = %d: not below MaxVoteBytes", n, limit)
		}
		if total := n * (limit + 256); total > attest.BlockBytes-(1<<20+512<<10+256<<10) {
			t.Errorf("%d validators at %d bytes take %d bytes of the block", n, limit, total)
		}
	}
}

// TestTrimVote: the files furthest in the list go first, the encoding
// ends within the limit and as close to it as a file allows, and the
// Ethereum vote stays.
func TestTrimVote(t *testing.T) {
	full := &pb.VoteExtension{Eth: &pb.EthVote{From: 1, To: 9, Digest: make([]byte, 32)}}
	for i := range attest.MaxVoteFiles {
		full.Files = append(full.Files, &pb.AttestedFile{ItemHash: fmt.Sprintf("%064d", i), Size: math.MaxUint32 + uint64(i), Sha256: make([]byte, 32)})
	}
	one := proto.Size(&pb.VoteExtension{Files: full.Files[:1]})
	for _, limit := range []int{0, 100, 5_000, 23_336, attest.MaxVoteBytes} {
		ext := proto.Clone(full).(*pb.VoteExtension)
		attest.TrimVote(ext, limit)
		size := proto.Size(ext)
		if ext.Eth == nil || (size > limit && len(ext.Files) > 0) {
			t.Fatalf("limit %d: %d bytes, %d files, eth %v", limit, size, len(ext.Files), ext.Eth)
		}
		if len(ext.Files) < len(full.Files) && size+one <= limit {
			t.Fatalf("limit %d: trimmed to %d bytes, another file (%d bytes) fits", limit, size, one)
		}
		for i, f := range ext.Files {
			if f.ItemHash != full.Files[i].ItemHash {
				t.Fatalf("limit %d: file %d is %s", limit, i, f.ItemHash)
			}
		}
	}
}
