package abci

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	abcitypes "github.com/cometbft/cometbft/abci/types"
	"github.com/ethereum/go-ethereum/common"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
)

// BenchmarkEthRange10k is the consensus side of a busy token: a range of
// 10,000 transfers from one holder, to 6,000 new addresses (6,001
// changes, near the most a range may carry, balance.MaxEthChanges) or to
// 100 (101 changes), which 4 validators vote. Each
// iteration is what every validator does with it: the proposer's
// PrepareProposal (tally, changes from its reader, self-check),
// ProcessProposal (signatures, tally, re-hash of the changes),
// FinalizeBlock (balances moved, payments and stakes re-checked) and
// Commit. It reports transfers/s and the record's size. What costs is
// the changes, not the transfers: each new holder is two new IAVL leaves.
func BenchmarkEthRange10k(b *testing.B) {
	for _, holders := range []int{6_000, 100} {
		b.Run(fmt.Sprintf("holders=%d", holders), func(b *testing.B) { benchEthRange(b, holders) })
	}
}

func benchEthRange(b *testing.B, holders int) {
	const n = 10_000
	var changes []*pb.EthChange
	for i := range holders {
		k := int64(n / holders) // 10,000 transfers of 1 ALEPH among the holders
		if i < n%holders {
			k++
		}
		each := new(big.Int).Mul(big.NewInt(k), balance.Unit())
		changes = append(changes, balance.EthChangeOf(common.BigToAddress(big.NewInt(int64(0x100000+i))), each))
	}
	changes = append(changes, ethChange(ethAlice, -n))
	slices.SortFunc(changes, func(x, y *pb.EthChange) int { return strings.Compare(x.Address, y.Address) })
	vals := []testValidator{newTestValidator("A", 10), newTestValidator("B", 10), newTestValidator("C", 10), newTestValidator("D", 10)}
	genesis := ethGenesisWith(b, func(p *balance.EthParams) { p.MaxChanges = balance.MaxEthChanges })
	var recordBytes int
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		c := newValChainWith(b, genesis, vals...)
		reader := &testEthReader{ranges: map[uint64]ethRange{101: {to: 110, changes: changes}}}
		c.s.SetEthReader(reader)
		c.commit(c.propose())
		c.voteEth(vals, reader.Vote(101, 0))
		c.last = c.sign(c.height, 0, vals, c.exts)
		b.StartTimer()
		p := c.propose()
		if ok, err := c.verdict(p); !ok {
			b.Fatal(err)
		}
		if _, err := c.s.FinalizeBlock(context.Background(), &abcitypes.RequestFinalizeBlock{Height: p.Height, Txs: p.Txs, Time: p.Time}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.s.Commit(context.Background(), &abcitypes.RequestCommit{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if rec := app.DecodeAttestation(p.Txs[0]); rec.GetEth() == nil || len(rec.Eth.Changes) != holders+1 {
			b.Fatal("the block does not carry the range")
		}
		recordBytes = len(p.Txs[0])
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "transfers/s")
	b.ReportMetric(float64(recordBytes), "record-bytes")
}
