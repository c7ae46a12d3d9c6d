package attest_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
)

// FuzzDecodeVote feeds arbitrary bytes to the vote-extension decoder that
// VerifyVoteExtension and the tally run on every validator's vote: nothing
// panics, and what it accepts is within its bounds (no content, digests
// of sha256 size) and encodes back to a vote that decodes the same.
func FuzzDecodeVote(f *testing.F) {
	for _, ext := range []*pb.VoteExtension{
		{Files: []*pb.AttestedFile{{ItemHash: "ab", Size: 1}}},
		{Files: []*pb.AttestedFile{{ItemHash: "cd", Size: 60_000, Sha256: make([]byte, 32)}}},
		{Files: []*pb.AttestedFile{{ItemHash: "ef", Size: 2, Sha256: make([]byte, 32), Content: []byte("{}")}}},
		{Eth: &pb.EthVote{From: 1, To: 2, Digest: make([]byte, 32)}},
	} {
		b, _ := proto.Marshal(ext)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		ext, err := attest.DecodeVote(b)
		if err != nil {
			return
		}
		if len(ext.Files) > attest.MaxVoteFiles {
			t.Fatalf("accepted %d files", len(ext.Files))
		}
		for _, file := range ext.Files {
			if len(file.Content) != 0 || len(file.Sha256) != 0 && len(file.Sha256) != 32 {
				t.Fatalf("accepted a file claim with %d content bytes and a %d-byte digest", len(file.Content), len(file.Sha256))
			}
		}
		back, err := attest.DecodeVote(attest.EncodeVote(ext))
		if err != nil || !proto.Equal(back, ext) && (len(ext.Files) > 0 || ext.Eth != nil) {
			t.Fatalf("re-encoded vote: %v, %v; want %v", back, err, ext)
		}
	})
}
