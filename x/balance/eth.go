package balance

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// SourceEth is the component that validators attest from the token's
// Transfer logs on Ethereum (EthParams). When the token is configured,
// oracles may no longer report it.
const SourceEth = "ETH"

// Finality rules: how far behind the chain head a block must be before a
// validator reads it.
const (
	// FinalityTag reads up to Ethereum's `finalized` block.
	FinalityTag = "finalized"
	// FinalityConfirmations reads up to head - confirmations.
	FinalityConfirmations = "confirmations"
)

// A range's changes travel in one record, first in a block, beside the
// rest of the record. The 4 MiB block (app.MaxBlockBytes) holds CometBFT's
// evidence (up to 1 MiB by default), the record's attested content (up
// to 2 MiB, x/attest.MaxRecordContentBytes), its extended commit (each
// validator's extension, at most x/attest.MaxVoteBytes) and transactions:
// the Ethereum changes get MaxEthChangesBytes of it, so that max_changes
// can never make a record that fits no block (every proposer would drop
// it, every validator refuse the block without it: a halt).
const (
	// MaxEthChangeBytes is the most one change takes in the record: its
	// field tag and length (2), a 42-character address (44), a 32-byte
	// amount (34) and the sign (2).
	MaxEthChangeBytes = 82
	// MaxEthChangesBytes is the Ethereum changes' share of a block.
	MaxEthChangesBytes = 512 << 10
	// MaxEthChanges bounds max_changes: 6,393.
	MaxEthChanges = MaxEthChangesBytes / MaxEthChangeBytes

	maxEthBlockRange = 100_000
	// maxEthAmountBytes bounds a change's magnitude: an ERC-20 balance is
	// a uint256.
	maxEthAmountBytes = 32
)

// EthParams name the ALEPH token whose balances validators read on
// Ethereum and attest. Balances under SourceEth in genesis are those at
// StartBlock; ranges of blocks after it are attested one after the other.
type EthParams struct {
	// ChainID is the EVM chain id the nodes' RPC endpoints must serve.
	ChainID uint64 `json:"chain_id"`
	// Token is the ERC-20 contract's address.
	Token string `json:"token"`
	// StartBlock is the block genesis balances were read at; the first
	// attested range starts after it.
	StartBlock uint64 `json:"start_block"`
	// Finality is FinalityTag or FinalityConfirmations.
	Finality string `json:"finality"`
	// Confirmations is, under FinalityConfirmations, how many blocks a
	// block must have on top of it.
	Confirmations uint64 `json:"confirmations,omitempty"`
	// MaxBlockRange bounds the blocks one attested range spans. Ranges end
	// on multiples of it after StartBlock, so validators reading at
	// different speeds still vote the same range.
	MaxBlockRange uint64 `json:"max_block_range"`
	// MaxChanges bounds the addresses one range changes: a range ends
	// early, at a block boundary, rather than pass it.
	MaxChanges uint32 `json:"max_changes"`
}

// Validate rejects params no reader could follow.
func (p EthParams) Validate() error {
	switch {
	case p.ChainID == 0:
		return fmt.Errorf("ethereum.chain_id must be set (1 for Ethereum mainnet)")
	case !common.IsHexAddress(p.Token) || common.HexToAddress(p.Token) == (common.Address{}):
		return fmt.Errorf("ethereum.token %q is not an ERC-20 contract address", p.Token)
	case p.Finality == FinalityTag && p.Confirmations != 0:
		return fmt.Errorf("ethereum.confirmations is for finality %q; finality %q reads the finalized tag", FinalityConfirmations, FinalityTag)
	case p.Finality == FinalityConfirmations && p.Confirmations == 0:
		return fmt.Errorf("ethereum.confirmations must be at least 1 with finality %q", FinalityConfirmations)
	case p.Finality != FinalityTag && p.Finality != FinalityConfirmations:
		return fmt.Errorf("ethereum.finality must be %q or %q, got %q", FinalityTag, FinalityConfirmations, p.Finality)
	case p.MaxBlockRange == 0 || p.MaxBlockRange > maxEthBlockRange:
		return fmt.Errorf("ethereum.max_block_range must be 1-%d, got %d", maxEthBlockRange, p.MaxBlockRange)
	case p.MaxChanges == 0 || p.MaxChanges > MaxEthChanges:
		return fmt.Errorf("ethereum.max_changes must be 1-%d, got %d (a change takes up to %d bytes of the record, and a range's changes get %d KiB of a 4 MiB block, beside CometBFT's evidence, attested content and the validators' extensions)",
			MaxEthChanges, p.MaxChanges, MaxEthChangeBytes, MaxEthChangesBytes>>10)
	}
	return nil
}

// RangeEnd is the last block of the range that starts at from: the next
// multiple of MaxBlockRange after StartBlock, so that every validator
// votes the same range whatever its reader's pace. A range with more than
// MaxChanges addresses ends earlier.
func (p EthParams) RangeEnd(from uint64) uint64 {
	if from <= p.StartBlock {
		return 0 // genesis holds those blocks: no range ends there
	}
	n := p.MaxBlockRange
	return from + (n - 1) - (from-p.StartBlock-1)%n
}

// EthDigest is what a validator votes for a range: sha256 over the range
// and its changes, each length-prefixed, in the order given (ascending
// addresses, as CheckEthChanges requires).
func EthDigest(from, to uint64, changes []*pb.EthChange) []byte {
	h := sha256.New()
	var b [8]byte
	h.Write([]byte("alephd/eth-range/v1"))
	binary.BigEndian.PutUint64(b[:], from)
	h.Write(b[:])
	binary.BigEndian.PutUint64(b[:], to)
	h.Write(b[:])
	writeChanges(h, changes)
	return h.Sum(nil)
}

func writeChanges(h hash.Hash, changes []*pb.EthChange) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(len(changes)))
	h.Write(b[:])
	for _, c := range changes {
		h.Write([]byte{byte(len(c.Address))})
		h.Write([]byte(c.Address))
		neg := byte(0)
		if c.Negative {
			neg = 1
		}
		h.Write([]byte{neg, byte(len(c.Amount))})
		h.Write(c.Amount)
	}
}

// EthPageDigest is what a validator votes for page of pages of one
// block's changes (a block that alone changes more than max_changes
// addresses): sha256 as EthDigest's, under its own domain, over the
// block, the page and the page count, then the page's changes.
func EthPageDigest(block uint64, page, pages uint32, changes []*pb.EthChange) []byte {
	h := sha256.New()
	var b [8]byte
	h.Write([]byte("alephd/eth-page/v1"))
	binary.BigEndian.PutUint64(b[:], block)
	h.Write(b[:])
	binary.BigEndian.PutUint32(b[:4], page)
	h.Write(b[:4])
	binary.BigEndian.PutUint32(b[:4], pages)
	h.Write(b[:4])
	writeChanges(h, changes)
	return h.Sum(nil)
}

// EthDigestOf is the digest a vote for u carries: EthDigest for a range
// of whole blocks, EthPageDigest for a page.
func EthDigestOf(u *pb.EthUpdate) []byte {
	if u.Pages != 0 {
		return EthPageDigest(u.From, u.Page, u.Pages, u.Changes)
	}
	return EthDigest(u.From, u.To, u.Changes)
}

// CheckEthPage returns an error unless u's page fields have a page's
// shape: none (a range of whole blocks), or page < pages of one block
// (pages at least 2), every page but the last holding exactly max
// changes, the last 1 to max.
func CheckEthPage(u *pb.EthUpdate, max uint32) error {
	switch {
	case u.Pages == 0 && u.Page == 0:
		return nil
	case u.Pages < 2 || u.Page >= u.Pages || u.From != u.To:
		return fmt.Errorf("page %d of %d of blocks %d-%d: a page is of one block, of at least 2 pages", u.Page, u.Pages, u.From, u.To)
	case u.Page+1 < u.Pages && uint64(len(u.Changes)) != uint64(max):
		return fmt.Errorf("page %d of %d of block %d has %d changes: every page but the last has max_changes (%d)", u.Page, u.Pages, u.From, len(u.Changes), max)
	case len(u.Changes) == 0:
		return fmt.Errorf("the last page (%d) of block %d is empty", u.Page, u.From)
	}
	return nil
}

// CheckEthChanges returns an error unless changes are in canonical form:
// at most max, lower-case addresses in strictly ascending order, each a
// non-zero amount of at most 32 bytes without leading zeros. One set of
// changes then has exactly one encoding and one digest.
func CheckEthChanges(changes []*pb.EthChange, max uint32) error {
	if uint64(len(changes)) > uint64(max) {
		return fmt.Errorf("%d changes, at most %d", len(changes), max)
	}
	for i, c := range changes {
		if len(c.Address) != 42 || !common.IsHexAddress(c.Address) || c.Address != strings.ToLower(c.Address) || !strings.HasPrefix(c.Address, "0x") {
			return fmt.Errorf("change %d: %q is not a lower-case 0x address", i, c.Address)
		}
		if i > 0 && c.Address <= changes[i-1].Address {
			return fmt.Errorf("change %d: %s is not after %s", i, c.Address, changes[i-1].Address)
		}
		if len(c.Amount) == 0 || c.Amount[0] == 0 || len(c.Amount) > maxEthAmountBytes {
			return fmt.Errorf("change %d of %s: amount must be 1-%d big-endian bytes without leading zeros", i, c.Address, maxEthAmountBytes)
		}
	}
	return nil
}

// EthChangeOf is the canonical change of delta to addr; nil if delta is 0.
func EthChangeOf(addr common.Address, delta *big.Int) *pb.EthChange {
	if delta.Sign() == 0 {
		return nil
	}
	return &pb.EthChange{Address: strings.ToLower(addr.Hex()), Amount: new(big.Int).Abs(delta).Bytes(), Negative: delta.Sign() < 0}
}

// EthNext is the first block of the next range to attest (the block in
// pages, while one is), and whether the chain reads a token at all.
func (k Keeper) EthNext(kv state.KV) (uint64, bool, error) {
	p, err := k.Params(kv)
	if err != nil || p.Ethereum == nil {
		return 0, false, err
	}
	last, err := k.Reported(kv, SourceEth)
	return last + 1, true, err
}

// Reported is the last height applied for source: an oracle's
// main_height, or for SourceEth the last attested Ethereum block.
func (Keeper) Reported(kv state.KV, source string) (uint64, error) {
	b, err := kv.Get(reportedKey(source))
	if err != nil || len(b) != 8 {
		return 0, err
	}
	return binary.BigEndian.Uint64(b), nil
}

// ApplyEth applies an attested range, or page of a block: each address's
// SourceEth component moves by its change; the range's last block (a
// paged block's, with its last page) becomes the last attested, and
// between a block's pages the cursor (EthCursor) names the next. It
// returns the addresses whose total changed, in order. The proposal check
// has already matched u against the state; an update that does not
// continue it changes nothing. A component that would fall below zero
// (genesis listed less than the address held at the start block) stays
// at zero.
func (k Keeper) ApplyEth(kv state.KV, u *pb.EthUpdate) ([]string, error) {
	next, ok, err := k.EthNext(kv)
	if err != nil || !ok || u.From != next || u.To < u.From {
		return nil, err
	}
	cur, err := EthCursor(kv)
	switch {
	case err != nil:
		return nil, err
	case cur == nil && u.Page != 0, cur != nil && (u.Page != cur.Next || u.Pages != cur.Pages || u.From != cur.Block):
		return nil, nil
	case u.Pages != 0 && u.Page+1 < u.Pages:
		err = saveEthCursor(kv, &EthPage{Block: u.From, Next: u.Page + 1, Pages: u.Pages})
	default: // a range, or a block's last page
		if cur != nil {
			err = kv.Delete(ethCursorKey)
		}
		if err == nil {
			err = kv.Set(reportedKey(SourceEth), binary.BigEndian.AppendUint64(nil, u.To))
		}
	}
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, c := range u.Changes {
		amount, err := k.Component(kv, c.Address, SourceEth)
		if err != nil {
			return nil, err
		}
		delta := new(big.Int).SetBytes(c.Amount)
		if c.Negative {
			delta.Neg(delta)
		}
		if amount.Add(amount, delta).Sign() < 0 {
			amount.SetInt64(0)
		}
		ok, err := k.SetComponent(kv, c.Address, SourceEth, amount)
		if err != nil {
			return nil, err
		}
		if ok {
			changed = append(changed, c.Address)
		}
	}
	return changed, nil
}
