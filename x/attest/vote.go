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

// MaxVoteProbes bounds the liveness answers one vote extension may carry.
// A validator votes every block and a slot's answers count for up to two
// slots (x/resource liveness.go): with the default 60-block slots, 128
// answers a block carry 15,360 answers over a slot's 120 blocks, enough
// for 1,000 resource nodes times the two slots open at once, with room to
// spare for blocks whose extension is trimmed. At ~140 bytes an honest
// answer (a 64-character node hash and a 64-byte signature), 128 take
// ~18 kB, about what 128 pending files take.
const MaxVoteProbes = 128

// maxProbeNode bounds a probed node's name (a node hash is 64 hex
// characters).
const maxProbeNode = 128

// probeSigLen is a liveness answer's signature: R ‖ S (resource.SignProbe).
const probeSigLen = 64

// Vote is one validator's vote extension, decoded, with its voting power.
type Vote struct {
	Power int64
	Ext   *pb.VoteExtension
}

// EncodeVote is the bytes of a vote extension; an extension that says
// nothing is empty.
func EncodeVote(ext *pb.VoteExtension) []byte {
	if ext == nil || len(ext.Files) == 0 && ext.Eth == nil && len(ext.Probes) == 0 {
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
	if len(ext.Probes) > MaxVoteProbes {
		return nil, fmt.Errorf("vote extension carries %d liveness answers, at most %d", len(ext.Probes), MaxVoteProbes)
	}
	for _, a := range ext.Probes {
		if err := CheckProbe(a); err != nil {
			return nil, err
		}
	}
	if e := ext.Eth; e != nil && (e.To < e.From || len(e.Digest) != digestLen) {
		return nil, fmt.Errorf("vote extension attests Ethereum blocks %d-%d with a %d-byte digest", e.From, e.To, len(e.Digest))
	}
	return ext, nil
}

// CheckProbe is DecodeVote's bound on one liveness answer: a node name of
// 1 to 128 bytes and a 64-byte signature (any epoch and slot: the tally
// ignores answers to slots that are not open). ExtendVote drops a
// prober's answer that fails it rather than sign an extension the other
// validators refuse.
func CheckProbe(a *pb.ProbeAnswer) error {
	if a.GetNode() == "" || len(a.GetNode()) > maxProbeNode || len(a.GetSignature()) != probeSigLen {
		return fmt.Errorf("vote extension carries a liveness answer for node %q with a %d-byte signature (a name of 1 to %d bytes and %d bytes expected)",
			a.GetNode(), len(a.GetSignature()), maxProbeNode, probeSigLen)
	}
	return nil
}
