package attest

import (
	"crypto/sha256"
	"fmt"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
)

// MaxVoteFiles bounds the files one vote extension may attest, so that an
// extension stays small whatever the backlog: CometBFT's own QA saw 2 kB
// extensions double latency.
const MaxVoteFiles = 256

// maxItemHash bounds an attested item_hash: a sha256 hex or a CID.
const maxItemHash = 128

// Vote is one validator's vote extension, decoded, with its voting power.
type Vote struct {
	Power int64
	Ext   *pb.VoteExtension
}

// EncodeVote is the bytes of a vote extension; an extension that says
// nothing is empty.
func EncodeVote(ext *pb.VoteExtension) []byte {
	if ext == nil || len(ext.Files) == 0 && ext.Eth == nil {
		return nil
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(ext)
	if err != nil {
		panic(fmt.Sprintf("attest: encode vote extension: %v", err)) // strings are checked UTF-8 hashes
	}
	return b
}

// DecodeVote decodes and bounds a vote extension. Empty bytes are an empty
// extension, which is always valid.
func DecodeVote(b []byte) (*pb.VoteExtension, error) {
	ext := &pb.VoteExtension{}
	if len(b) == 0 {
		return ext, nil
	}
	if err := proto.Unmarshal(b, ext); err != nil {
		return nil, fmt.Errorf("vote extension does not decode: %w", err)
	}
	if len(ext.Files) > MaxVoteFiles {
		return nil, fmt.Errorf("vote extension attests %d files, at most %d", len(ext.Files), MaxVoteFiles)
	}
	for _, f := range ext.Files {
		if f.ItemHash == "" || len(f.ItemHash) > maxItemHash {
			return nil, fmt.Errorf("vote extension attests item_hash %q", f.ItemHash)
		}
		// Content travels only in the proposer's record; a vote names its
		// digest.
		if len(f.Content) != 0 || len(f.Sha256) != 0 && len(f.Sha256) != sha256.Size {
			return nil, fmt.Errorf("vote extension attests %s with %d bytes of content and a %d-byte sha256", f.ItemHash, len(f.Content), len(f.Sha256))
		}
		if len(f.ChunkRoot) != 0 && len(f.ChunkRoot) != sha256.Size {
			return nil, fmt.Errorf("vote extension attests %s with a %d-byte chunk root", f.ItemHash, len(f.ChunkRoot))
		}
	}
	if e := ext.Eth; e != nil && (e.To < e.From || len(e.Digest) != digestLen) {
		return nil, fmt.Errorf("vote extension attests Ethereum blocks %d-%d with a %d-byte digest", e.From, e.To, len(e.Digest))
	}
	return ext, nil
}
