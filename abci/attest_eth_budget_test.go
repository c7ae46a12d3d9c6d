package abci

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/balance"
)

// largestEthChanges are n changes as large as the canonical form allows:
// 32-byte amounts, half of them negative.
func largestEthChanges(n int) []*pb.EthChange {
	changes := make([]*pb.EthChange, n)
	for i := range changes {
		changes[i] = &pb.EthChange{Address: fmt.Sprintf("0x%040x", i+1), Amount: bytes.Repeat([]byte{0xff}, 32), Negative: i%2 == 0}
	}
	return changes
}

// TestEthRecordBudget: the largest range the params allow (max_changes
// at its bound, every amount 32 bytes) takes at most its share of the
// block (balance.MaxEthChangesBytes), and the record carrying it, with
// the evidence of 4 validators voting the largest extensions, fits the
// block beside 1 MiB of CometBFT evidence and the record's largest
// attested content; it is proposed and accepted.
func TestEthRecordBudget(t *testing.T) {
	one := &pb.EthUpdate{Changes: largestEthChanges(1)}
	if got := proto.Size(one); got != balance.MaxEthChangeBytes {
		t.Fatalf("the largest change takes %d bytes of an EthUpdate, MaxEthChangeBytes says %d", got, balance.MaxEthChangeBytes)
	}
	changes := largestEthChanges(balance.MaxEthChanges)
	u := &pb.EthUpdate{From: math.MaxUint64, To: math.MaxUint64, Changes: changes}
	if got := proto.Size(u); got > balance.MaxEthChangesBytes+32 {
		t.Fatalf("the largest range takes %d bytes, its share is %d", got, balance.MaxEthChangesBytes)
	}

	vals := []testValidator{newTestValidator("A", 10), newTestValidator("B", 10), newTestValidator("C", 10), newTestValidator("D", 10)}
	c := newValChainWith(t, ethGenesisWith(t, func(p *balance.EthParams) { p.MaxChanges = balance.MaxEthChanges }), vals...)
	reader := &testEthReader{ranges: map[uint64]ethRange{101: {to: 110, changes: changes}}}
	c.s.SetEthReader(reader)
	c.commit(c.propose())
	ext := &pb.VoteExtension{Eth: reader.Vote(101, 0)}
	for i := range attest.MaxVoteFiles {
		ext.Files = append(ext.Files, &pb.AttestedFile{ItemHash: fmt.Sprintf("%0128d", i), Size: math.MaxUint64, Sha256: make([]byte, 32), ChunkRoot: make([]byte, 32), DagBytes: math.MaxUint64})
	}
	ext.Probes = largestProbes()
	largest := attest.EncodeVote(ext)
	if len(largest) > attest.MaxVoteBytes || len(largest) < attest.MaxVoteBytes-32 || !c.verifyExt(largest) {
		t.Fatalf("the largest extension: %d bytes, limit %d", len(largest), attest.MaxVoteBytes)
	}
	for _, v := range vals {
		c.exts[string(v.address())] = largest
	}
	c.last = c.sign(c.height, 0, vals, c.exts)
	maxTx := cmttypes.MaxDataBytes(app.MaxBlockBytes, 1<<20, len(vals)) - attest.MaxRecordContentBytes
	res, err := c.s.PrepareProposal(t.Context(), &abcitypes.RequestPrepareProposal{Height: c.height + 1, MaxTxBytes: maxTx, LocalLastCommit: c.last})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Txs) == 0 || app.DecodeAttestation(res.Txs[0]).GetEth() == nil {
		t.Fatalf("the record of the largest range did not fit %d bytes", maxTx)
	}
	p := &abcitypes.RequestProcessProposal{Height: c.height + 1, Txs: res.Txs, ProposedLastCommit: commitInfoOf(c.last)}
	if ok, err := c.verdict(p); !ok {
		t.Fatal(err)
	}
	t.Logf("record %d bytes of %d (after 1 MiB of evidence and %d of content): %d changes, 4 extensions of %d bytes",
		len(res.Txs[0]), maxTx, attest.MaxRecordContentBytes, len(changes), len(largest))
}
