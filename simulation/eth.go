package simulation

import (
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
)

// ethRange draws the Ethereum range validators attest in the next block's
// record, or nil: one block in three, the next range (ending on its
// aligned end, or earlier), with a few transfers between accounts, mints
// and burns, netted per address as the node's reader nets them. The
// record then goes through the same Apply as one a proposer carries.
func (g *generator) ethRange() *pb.EthUpdate {
	if g.rng.Intn(3) != 0 {
		return nil
	}
	from := g.ethNext
	end := ethParams.RangeEnd(from)
	to := from + uint64(g.rng.Int63n(int64(end-from+1)))
	deltas := map[int]int64{}
	for range g.rng.Intn(4) {
		a, b := g.rng.Intn(len(g.accounts)), g.rng.Intn(len(g.accounts))
		n := int64(g.rng.Intn(maxTokens / 2))
		switch g.rng.Intn(4) {
		case 0: // a mint to a
			deltas[a] += n
			g.ethHeld[a] += n
		default: // a transfer from a to b, within what a holds (or a burn)
			n = min(n, g.ethHeld[a])
			deltas[a] -= n
			g.ethHeld[a] -= n
			if g.rng.Intn(5) > 0 {
				deltas[b] += n
				g.ethHeld[b] += n
			}
		}
	}
	u := &pb.EthUpdate{From: from, To: to}
	for i, d := range deltas {
		if c := balance.EthChangeOf(common.HexToAddress(g.accounts[i].addr), new(big.Int).Mul(big.NewInt(d), balance.Unit())); c != nil {
			u.Changes = append(u.Changes, c)
		}
	}
	slices.SortFunc(u.Changes, func(x, y *pb.EthChange) int { return strings.Compare(x.Address, y.Address) })
	g.ethNext = to + 1
	return u
}
