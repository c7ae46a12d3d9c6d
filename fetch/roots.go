package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"

	"github.com/alephd/alephd/x/resource/proof"
)

// ChunkRoot is the x/resource/proof ChunkRoot of a sha256 file this node
// holds, over chunks of chunkSize bytes: what its validator attests beside
// the file's size when the chain challenges sha256 files (x/resource on),
// and what the chain then checks storage proofs of the file against. The
// file is streamed from the content store once, chunk by chunk (memory is
// one chunk and the tree's right edge, whatever the file's size), and its
// sha256 is recomputed from the same bytes: a root is only ever given for
// bytes that hash to the file's name, so a corrupted copy on disk yields
// an error (and no vote for the file), not a wrong root.
func (f *Fetcher) ChunkRoot(hash string, chunkSize uint64) ([]byte, error) {
	if chunkSize == 0 || chunkSize > math.MaxInt32 {
		return nil, fmt.Errorf("chunk size %d", chunkSize)
	}
	r, size, err := f.cfg.Store.Get(hash)
	if err != nil {
		return nil, err
	}
	defer r.Close() //nolint:errcheck // read only
	h := sha256.New()
	root, n, err := proof.ChunkRoot(io.TeeReader(r, h), int(chunkSize))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", hash, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != hash || int64(n) != size { //nolint:gosec // n ≤ the file's size
		return nil, fmt.Errorf("stored copy of %s is damaged: %d bytes hashing to %s", hash, n, got)
	}
	return root, nil
}
