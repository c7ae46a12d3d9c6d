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
	for _, n := range []int{0, 1, 4, 27} {
		if got := attest.VoteBytesLimit(n); got != attest.MaxVoteBytes {
			t.Errorf("VoteBytesLimit(%d) = %d, want MaxVoteBytes %d", n, got, attest.MaxVoteBytes)
		}
	}
	for _, n := range []int{28, 100, 1_000} {
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

// TestTrimVoteProbes: liveness answers go before files (a file missing
// its deadline is rejected for good; an answer can travel in a later
// block while its slot is open), the last ones first, and an extension
// of only answers is not empty.
func TestTrimVoteProbes(t *testing.T) {
	full := &pb.VoteExtension{}
	for i := range 10 {
		full.Files = append(full.Files, &pb.AttestedFile{ItemHash: fmt.Sprintf("%064d", i), Size: 1 << 20})
	}
	for i := range attest.MaxVoteProbes {
		full.Probes = append(full.Probes, &pb.ProbeAnswer{Node: fmt.Sprintf("%064d", i), Epoch: 7, Slot: 3, Signature: make([]byte, 64)})
	}
	files := proto.Size(&pb.VoteExtension{Files: full.Files})
	answer := proto.Size(&pb.VoteExtension{Probes: full.Probes[:1]})
	for _, limit := range []int{files - 1, files, files + answer, files + 10*answer + answer/2, proto.Size(full)} {
		ext := proto.Clone(full).(*pb.VoteExtension)
		attest.TrimVote(ext, limit)
		if proto.Size(ext) > limit {
			t.Fatalf("limit %d: %d bytes", limit, proto.Size(ext))
		}
		if len(ext.Probes) > 0 && len(ext.Files) < len(full.Files) {
			t.Fatalf("limit %d: %d answers kept, %d files dropped", limit, len(ext.Probes), len(full.Files)-len(ext.Files))
		}
		if len(ext.Files) == len(full.Files) && len(ext.Probes) < len(full.Probes) && proto.Size(ext)+answer <= limit {
			t.Fatalf("limit %d: another answer fits", limit)
		}
		for i, a := range ext.Probes {
			if a.Node != full.Probes[i].Node {
				t.Fatalf("limit %d: answer %d is %s", limit, i, a.Node)
			}
		}
	}
	only := &pb.VoteExtension{Probes: full.Probes[:1]}
	b := attest.EncodeVote(only)
	if len(b) == 0 {
		t.Fatal("an extension of only answers encodes as empty")
	}
	if err := attest.CheckVoteBytes(b, attest.MaxVoteBytes); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeVoteProbes: DecodeVote's bounds on answers.
func TestDecodeVoteProbes(t *testing.T) {
	ok := func() *pb.ProbeAnswer {
		return &pb.ProbeAnswer{Node: fmt.Sprintf("%0128d", 1), Epoch: math.MaxUint64, Slot: math.MaxUint32, Signature: make([]byte, 64)}
	}
	enc := func(as ...*pb.ProbeAnswer) []byte {
		b, err := proto.Marshal(&pb.VoteExtension{Probes: as})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if _, err := attest.DecodeVote(enc(ok())); err != nil {
		t.Fatalf("a valid answer: %v", err)
	}
	many := make([]*pb.ProbeAnswer, attest.MaxVoteProbes+1)
	for i := range many {
		many[i] = ok()
	}
	if _, err := attest.DecodeVote(enc(many[:attest.MaxVoteProbes]...)); err != nil {
		t.Fatalf("%d answers: %v", attest.MaxVoteProbes, err)
	}
	for name, b := range map[string][]byte{
		"too many answers": enc(many...),
		"a long node name": enc(&pb.ProbeAnswer{Node: fmt.Sprintf("%0129d", 1), Signature: make([]byte, 64)}),
		"no node":          enc(&pb.ProbeAnswer{Signature: make([]byte, 64)}),
		"a short sig":      enc(&pb.ProbeAnswer{Node: "n", Signature: make([]byte, 63)}),
		"a long sig":       enc(&pb.ProbeAnswer{Node: "n", Signature: make([]byte, 65)}),
		"no sig":           enc(&pb.ProbeAnswer{Node: "n"}),
	} {
		if _, err := attest.DecodeVote(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}
