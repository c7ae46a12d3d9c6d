package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/x/message"
)

// Non-inline message content (item_type storage or ipfs) is fetched as a
// STORE's file is, by its item_hash. What validators attest of it is its
// size and sha256, so that the bytes the proposer later carries in its
// block can be checked without IPFS (x/attest); Content reads them back
// for the proposer.

// digest is the sha256 of a verified file: a storage file's is its name;
// an IPFS file's is read from the IPFS backend (whose blocks are verified
// against the CID as they are read).
func (f *Fetcher) digest(ctx context.Context, fileType, hash string) ([]byte, error) {
	if fileType != message.ItemIPFS {
		return hex.DecodeString(hash)
	}
	c, err := cid.Decode(hash)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	r, err := f.cfg.IPFS.Cat(ctx, c)
	if err != nil {
		return nil, err
	}
	defer r.Close() //nolint:errcheck // read only
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, fmt.Errorf("read %s: %w", hash, err)
	}
	return h.Sum(nil), nil
}

// contentReadTimeout bounds reading content back while proposing a block.
const contentReadTimeout = 2 * time.Second

// Content returns the bytes of a pending non-inline message's content
// this node verified, for the block it proposes; false if it holds none
// (or they are over the largest content a block carries, which is
// attested by size alone).
func (f *Fetcher) Content(itemHash string) ([]byte, bool) {
	f.mu.Lock()
	v, ok := f.verified[itemHash]
	f.mu.Unlock()
	if !ok || v.sha256 == nil || v.size > message.MaxFetchedContentLimit {
		return nil, false
	}
	var r io.ReadCloser
	var err error
	if v.fileType == message.ItemIPFS {
		var c cid.Cid
		if c, err = cid.Decode(itemHash); err == nil {
			// The blocks are local (digest read them all): this bounds a
			// daemon that stalls, not a download.
			ctx, cancel := context.WithTimeout(context.Background(), contentReadTimeout)
			defer cancel()
			r, err = f.cfg.IPFS.Cat(ctx, c)
		}
	} else {
		r, _, err = f.cfg.Store.Get(itemHash)
	}
	if err != nil {
		return nil, false
	}
	defer r.Close() //nolint:errcheck // read only
	b, err := io.ReadAll(io.LimitReader(r, int64(v.size)+1))
	if sum := sha256.Sum256(b); err != nil || uint64(len(b)) != v.size || !bytes.Equal(sum[:], v.sha256) {
		return nil, false // changed or lost since: the record check would refuse it
	}
	return b, true
}

// Keep writes data, the bytes of file hash, into this node's store unless
// it holds the file already. The bytes must be the file: a storage hash is
// recomputed, an ipfs CID re-imported as `ipfs add` would import them
// (CIDv1 with raw leaves, or CIDv0). Other bytes are refused: for ipfs,
// their blocks stay unpinned and go at the next GC.
func (f *Fetcher) Keep(ctx context.Context, fileType, hash string, data []byte) error {
	if fileType != message.ItemIPFS {
		if ok, err := f.cfg.Store.Has(hash); err == nil && ok {
			return nil
		}
		got, _, err := f.cfg.Store.Put(bytes.NewReader(data), int64(len(data)))
		if err == nil && got != hash {
			err = fmt.Errorf("bytes for %s hash to %s", hash, got)
		}
		return err
	}
	c, err := cid.Decode(hash)
	if err != nil {
		return err
	}
	if ok, err := f.cfg.IPFS.Has(ctx, c); err == nil && ok {
		return nil
	}
	got, _, err := f.cfg.IPFS.Add(ctx, bytes.NewReader(data), content.AddOptions{CIDv1: c.Version() == 1})
	if err == nil && !got.Equals(c) {
		err = fmt.Errorf("bytes for %s import as %s", hash, got)
	}
	return err
}
