package attest

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource"
)

// backed reports whether power is more than 2/3 of total. Voting power is
// bounded by CometBFT (at most 2^57 in all), so 3*power cannot overflow.
func backed(power, total int64) bool { return power*3 > total*2 }

// tally returns the claims that votes with more than 2/3 of total power
// make, in the order they were first seen. A validator counts once per
// subject: the first claim it makes about a subject is its claim, whatever
// it repeats or contradicts after it.
func tally[C comparable](votes []Vote, total int64, claims func(*pb.VoteExtension) []C, subject func(C) string) []C {
	power := map[C]int64{}
	var order []C
	for _, v := range votes {
		seen := map[string]bool{}
		for _, c := range claims(v.Ext) {
			s := subject(c)
			if seen[s] {
				continue
			}
			seen[s] = true
			if _, ok := power[c]; !ok {
				order = append(order, c)
			}
			power[c] += v.Power
		}
	}
	out := order[:0]
	for _, c := range order {
		if backed(power[c], total) {
			out = append(out, c)
		}
	}
	return out
}

// fileClaim is a validator's claim that a STORE's file is held, at a size,
// or a non-inline message's content, at a size and sha256 (digest).
type fileClaim struct {
	hash   string
	size   uint64
	digest string
	root   string // a sha256 file's chunk root, when x/resource asks for one
	dag    uint64 // an IPFS file's DAG size, when x/resource asks for one
}

func fileClaims(ext *pb.VoteExtension) []fileClaim {
	out := make([]fileClaim, len(ext.GetFiles()))
	for i, f := range ext.GetFiles() {
		out[i] = fileClaim{f.ItemHash, f.Size, string(f.Sha256), string(f.ChunkRoot), f.DagBytes}
	}
	return out
}

// Tally is the record that votes, out of total voting power, attest in
// state kv: for each kind, what validators with more than 2/3 of the power
// agree on and state still waits for, in canonical order. It is a pure
// function of kv and the votes: the proposer builds its record with it and
// every validator checks the record against it (Check). The record carries
// no evidence; the caller adds it. Its Ethereum changes are not in the
// votes, only their digest (EthClaim): the proposer adds the changes its
// node read.
func (k Keeper) Tally(kv state.KV, votes []Vote, total int64) (*pb.Attestation, error) {
	rec := &pb.Attestation{}
	files := tally(votes, total, fileClaims, func(c fileClaim) string { return c.hash })
	slices.SortFunc(files, func(x, y fileClaim) int { return strings.Compare(x.hash, y.hash) })
	var carried uint64 // content bytes the record carries
	budget := contentBudget(votes)
	for _, f := range files {
		m, err := k.messages.GetMessage(kv, f.hash)
		if err != nil {
			return nil, err
		}
		if m == nil || m.Status != pb.MessageStatus_MESSAGE_STATUS_PENDING || !claimFits(m, f) {
			continue
		}
		e := &pb.AttestedFile{ItemHash: f.hash, Size: f.size, DagBytes: f.dag}
		if f.digest != "" {
			e.Sha256 = []byte(f.digest)
		}
		if f.root != "" {
			e.ChunkRoot = []byte(f.root)
		}
		if k.carriesContent(e) {
			if carried+f.size > budget {
				continue // the next block's record carries it
			}
			carried += f.size
		}
		rec.Files = append(rec.Files, e)
	}
	if k.live != nil {
		lv := make([]resource.LiveVote, 0, len(votes))
		for _, v := range votes {
			if len(v.Ext.GetProbes()) > 0 {
				lv = append(lv, resource.LiveVote{Power: v.Power, Answers: v.Ext.GetProbes()})
			}
		}
		live, err := k.live.TallyLive(kv, lv, total)
		if err != nil {
			return nil, err
		}
		rec.Live = live
	}
	return rec, nil
}

// Empty reports whether a record attests nothing.
func Empty(rec *pb.Attestation) bool {
	return len(rec.GetFiles()) == 0 && rec.GetEth() == nil && len(rec.GetLive()) == 0
}

// Check returns an error unless rec lists exactly what Tally finds in kv
// for votes: a claim added, dropped, changed or reordered is refused. An
// error from kv is returned as is; the caller tells it from a refusal
// with errors.Is(err, ErrRecordMismatch).
func (k Keeper) Check(kv state.KV, rec *pb.Attestation, votes []Vote, total int64) error {
	want, err := k.Tally(kv, votes, total)
	if err != nil {
		return err
	}
	if len(want.Files) != len(rec.Files) {
		return fmt.Errorf("%w: it lists %d files, the evidence attests %d", ErrRecordMismatch, len(rec.Files), len(want.Files))
	}
	for i, f := range rec.Files {
		claim := &pb.AttestedFile{ItemHash: f.ItemHash, Size: f.Size, Sha256: f.Sha256, ChunkRoot: f.ChunkRoot, DagBytes: f.DagBytes}
		if !proto.Equal(want.Files[i], claim) {
			return fmt.Errorf("%w: file %d is %v, the evidence attests %v", ErrRecordMismatch, i, claim, want.Files[i])
		}
		if err := k.checkContent(i, f); err != nil {
			return err
		}
	}
	if len(want.Live) != len(rec.Live) {
		return fmt.Errorf("%w: it lists %d live slots, the evidence shows %d", ErrRecordMismatch, len(rec.Live), len(want.Live))
	}
	for i, s := range rec.Live {
		if !proto.Equal(want.Live[i], s) {
			return fmt.Errorf("%w: live slot %d is %v, the evidence shows %v", ErrRecordMismatch, i, s, want.Live[i])
		}
	}
	return k.checkEth(kv, rec.Eth, votes, total)
}
