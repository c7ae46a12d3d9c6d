package balance

import (
	"encoding/binary"
	"fmt"

	"github.com/alephd/alephd/state"
)

// One Ethereum block may change more addresses than max_changes (anyone
// holding a few wei can make one that does), and ranges end only between
// blocks. Such a block is attested in pages: its changes, sorted by
// address, cut every max_changes; one page per attested update, in
// order. Between its pages the block is not attested yet (Reported stays
// at the block before) and the cursor names the next page.

// prefixEthCursor holds the cursor while a block is attested in pages:
// block (8 bytes), next page (4), page count (4). Absent otherwise, so a
// chain that never meets such a block keeps its app hash.
const prefixEthCursor byte = 0x04

var ethCursorKey = []byte{ModulePrefix, prefixEthCursor}

// EthPage is the cursor of a block attested in pages: Next of its Pages
// is the one to attest next.
type EthPage struct {
	Block uint64 `json:"block"`
	Next  uint32 `json:"next_page"`
	Pages uint32 `json:"pages"`
}

// EthCursor is the block being attested in pages, nil when none is.
func EthCursor(kv state.KV) (*EthPage, error) {
	b, err := kv.Get(ethCursorKey)
	if err != nil || b == nil {
		return nil, err
	}
	if len(b) != 16 {
		return nil, fmt.Errorf("corrupt Ethereum page cursor %x", b)
	}
	return &EthPage{Block: binary.BigEndian.Uint64(b), Next: binary.BigEndian.Uint32(b[8:]), Pages: binary.BigEndian.Uint32(b[12:])}, nil
}

func saveEthCursor(kv state.KV, c *EthPage) error {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, c.Block)
	binary.BigEndian.PutUint32(b[8:], c.Next)
	binary.BigEndian.PutUint32(b[12:], c.Pages)
	return kv.Set(ethCursorKey, b)
}

// validate checks an exported cursor against the block it must continue.
func (c *EthPage) validate(reported uint64) error {
	if c.Block != reported+1 || c.Next == 0 || c.Next >= c.Pages {
		return fmt.Errorf("eth_page: block %d page %d of %d does not continue the last attested block %d (the block after it, a page after the first, below the count)", c.Block, c.Next, c.Pages, reported)
	}
	return nil
}
