package ethsync

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
)

// TransferTopic is the ERC-20 Transfer(address,address,uint256) event's
// first topic.
var TransferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

// Range is what the reader read of blocks From..To: each address's net
// change, canonical (x/balance.CheckEthChanges), and their digest. A
// block that alone changes more than max_changes addresses is a range of
// its own (From = To) in Pages pages of max_changes changes (the last
// fewer), attested one after the other; Digest is then the first page's.
type Range struct {
	From, To uint64
	Changes  []*pb.EthChange
	Digest   []byte
	// Transfers is how many Transfer logs the range holds.
	Transfers int
	// Pages is 0 for a range of whole blocks, else the page count.
	Pages uint32

	pageSize    uint32
	pageDigests [][]byte

	hash common.Hash // of block To, when read
	read int         // the reader's Sync count when read
}

// Vote is the range (its first page) as a vote extension carries it.
func (r *Range) Vote() *pb.EthVote { v, _ := r.Page(0); return v }

// Page is page i of the range as a vote carries it, and its changes; nil
// past the last (a range of whole blocks has one, page 0).
func (r *Range) Page(i uint32) (*pb.EthVote, []*pb.EthChange) {
	if r.Pages == 0 {
		if i != 0 {
			return nil, nil
		}
		return &pb.EthVote{From: r.From, To: r.To, Digest: r.Digest}, r.Changes
	}
	if i >= r.Pages {
		return nil, nil
	}
	lo := uint64(i) * uint64(r.pageSize)
	hi := min(lo+uint64(r.pageSize), uint64(len(r.Changes)))
	return &pb.EthVote{From: r.From, To: r.To, Digest: r.pageDigests[i], Page: i, Pages: r.Pages}, r.Changes[lo:hi]
}

// transfer is one Transfer log, decoded.
type transfer struct {
	block    uint64
	from, to common.Address
	value    *big.Int
}

// decodeTransfers reads the logs of token, in chain order. A log of
// another shape under the Transfer topic (an ERC-721's, with 4 topics) is
// not an ERC-20 transfer and is passed by; a removed log (reorged out)
// should never come for final blocks and is passed by too.
func decodeTransfers(logs []types.Log, token common.Address, from, to uint64) ([]transfer, error) {
	slices.SortFunc(logs, func(a, b types.Log) int {
		if a.BlockNumber != b.BlockNumber {
			return cmpU64(a.BlockNumber, b.BlockNumber)
		}
		return int(a.Index) - int(b.Index)
	})
	out := make([]transfer, 0, len(logs))
	for _, l := range logs {
		if l.Removed || l.Address != token || len(l.Topics) != 3 || l.Topics[0] != TransferTopic || len(l.Data) != 32 {
			continue
		}
		if l.BlockNumber < from || l.BlockNumber > to {
			return nil, fmt.Errorf("the RPC answered a log of block %d for blocks %d-%d", l.BlockNumber, from, to)
		}
		out = append(out, transfer{
			block: l.BlockNumber,
			from:  common.BytesToAddress(l.Topics[1].Bytes()),
			to:    common.BytesToAddress(l.Topics[2].Bytes()),
			value: new(big.Int).SetBytes(l.Data),
		})
	}
	return out, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// buildRange nets the transfers of blocks from..to into a range. If more
// than maxChanges addresses would change, the range ends before the block
// that passes the bound: every reader cuts it at the same block. A first
// block alone past the bound is a range of its own, in pages.
func buildRange(ts []transfer, from, to uint64, maxChanges uint32) (*Range, error) {
	deltas := map[common.Address]*big.Int{}
	nonzero := 0
	add := func(a common.Address, v *big.Int) {
		if a == (common.Address{}) { // mints and burns: the zero address holds nothing
			return
		}
		d := deltas[a]
		if d == nil {
			d = new(big.Int)
			deltas[a] = d
		}
		was := d.Sign() != 0
		d.Add(d, v)
		switch is := d.Sign() != 0; {
		case is && !was:
			nonzero++
		case was && !is:
			nonzero--
		}
	}
	end, n := to, 0
	for i := 0; i < len(ts); {
		// One block at a time, so a range ends only between blocks.
		j := i
		undo := map[common.Address]*big.Int{}
		before := nonzero
		for ; j < len(ts) && ts[j].block == ts[i].block; j++ {
			for _, a := range []common.Address{ts[j].from, ts[j].to} {
				if _, ok := undo[a]; !ok {
					if d := deltas[a]; d != nil {
						undo[a] = new(big.Int).Set(d)
					} else {
						undo[a] = nil
					}
				}
			}
			add(ts[j].from, new(big.Int).Neg(ts[j].value))
			add(ts[j].to, ts[j].value)
		}
		if uint64(nonzero) > uint64(maxChanges) {
			if ts[i].block == from { // alone past the bound: this block in pages
				n, end = j-i, from
				break
			}
			for a, d := range undo {
				if d == nil {
					delete(deltas, a)
				} else {
					deltas[a] = d
				}
			}
			nonzero, end = before, ts[i].block-1
			break
		}
		n += j - i
		i = j
	}
	r := &Range{From: from, To: end, Transfers: n}
	for a, d := range deltas {
		if c := balance.EthChangeOf(a, d); c != nil {
			r.Changes = append(r.Changes, c)
		}
	}
	slices.SortFunc(r.Changes, func(x, y *pb.EthChange) int { return strings.Compare(x.Address, y.Address) })
	if err := balance.CheckEthChanges(r.Changes, math.MaxUint32); err != nil {
		return nil, err // a net change past 2^256: not an ERC-20 this chain can follow
	}
	if len(r.Changes) <= int(maxChanges) {
		r.Digest = balance.EthDigest(r.From, r.To, r.Changes)
		return r, nil
	}
	pages := (uint64(len(r.Changes)) + uint64(maxChanges) - 1) / uint64(maxChanges)
	if pages > math.MaxUint32 {
		return nil, fmt.Errorf("block %d changes %d addresses: too many pages", from, len(r.Changes))
	}
	r.Pages, r.pageSize = uint32(pages), maxChanges
	for i := range r.Pages {
		lo := uint64(i) * uint64(maxChanges)
		page := r.Changes[lo:min(lo+uint64(maxChanges), uint64(len(r.Changes)))]
		r.pageDigests = append(r.pageDigests, balance.EthPageDigest(r.From, i, r.Pages, page))
	}
	r.Digest = r.pageDigests[0]
	return r, nil
}
