package content

import (
	"context"
	"fmt"
	"io"

	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// chunkSize is kubo's default chunker, size-262144.
const chunkSize = 262144

// importFile builds the UnixFS DAG of r into ds exactly as kubo's `ipfs add`
// does with its default import settings (Import.* unset): fixed 256 KiB
// chunks, a balanced layout with at most 174 links per node, sha2-256, and
// either CIDv0 with dag-pb leaves or CIDv1 with raw leaves. It returns the
// root and the number of bytes read.
func importFile(ctx context.Context, r io.Reader, opts AddOptions, ds ipld.DAGService) (cid.Cid, int64, error) {
	version := 0
	if opts.CIDv1 {
		version = 1
	}
	prefix, err := merkledag.PrefixForCidVersion(version)
	if err != nil {
		return cid.Undef, 0, err
	}
	cr := &countingReader{ctx: ctx, r: r, limit: opts.Limit}
	params := helpers.DagBuilderParams{
		Dagserv:    ds,
		RawLeaves:  opts.CIDv1, // kubo: CIDv1 implies raw leaves unless told otherwise
		Maxlinks:   helpers.DefaultLinksPerBlock,
		CidBuilder: prefix,
	}
	db, err := params.New(chunker.NewSizeSplitter(cr, chunkSize))
	if err != nil {
		return cid.Undef, 0, err
	}
	nd, err := balanced.Layout(db)
	if cr.err != nil { // the importer's own error would hide the cause
		return cid.Undef, cr.n, cr.err
	}
	if err != nil {
		return cid.Undef, cr.n, fmt.Errorf("import: %w", err)
	}
	return nd.Cid(), cr.n, nil
}

// countingReader counts what passes, stops past limit with ErrTooLarge and
// when ctx is done: the importer itself never looks at a context.
type countingReader struct {
	ctx   context.Context
	r     io.Reader
	limit int64 // 0: none
	n     int64
	err   error // the first error other than io.EOF
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.err == nil {
		c.err = c.ctx.Err()
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.limit > 0 && int64(len(p)) > c.limit-c.n+1 {
		p = p[:c.limit-c.n+1] // read one byte past the limit, no more
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.limit > 0 && c.n > c.limit {
		c.err = fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.limit)
		return n, c.err
	}
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// discardDAG is a DAGService that keeps nothing: importing into it only
// computes the CID, which is how the kubo backend checks the daemon.
type discardDAG struct{}

func (discardDAG) Add(context.Context, ipld.Node) error        { return nil }
func (discardDAG) AddMany(context.Context, []ipld.Node) error  { return nil }
func (discardDAG) Remove(context.Context, cid.Cid) error       { return nil }
func (discardDAG) RemoveMany(context.Context, []cid.Cid) error { return nil }

func (discardDAG) Get(_ context.Context, c cid.Cid) (ipld.Node, error) {
	return nil, ipld.ErrNotFound{Cid: c}
}

func (discardDAG) GetMany(_ context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	out := make(chan *ipld.NodeOption, len(cs))
	for _, c := range cs {
		out <- &ipld.NodeOption{Err: ipld.ErrNotFound{Cid: c}}
	}
	close(out)
	return out
}
