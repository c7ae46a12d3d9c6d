package dagtest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	"github.com/ipfs/boxo/ipld/unixfs/importer/trickle"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// Options choose how a file is imported.
type Options struct {
	Chunk   int64 // leaf size in bytes
	Trickle bool  // the trickle layout, else balanced
	CIDv1   bool  // CIDv1 with raw leaves, else CIDv0 with dag-pb leaves
}

// DAG is an imported file: its root and every block, by CID.
type DAG struct {
	Root   cid.Cid
	Blocks map[cid.Cid][]byte
}

// Build imports data with o.
func Build(t testing.TB, data []byte, o Options) DAG {
	t.Helper()
	version := 0
	if o.CIDv1 {
		version = 1
	}
	prefix, err := merkledag.PrefixForCidVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	ds := &memDAG{blocks: map[cid.Cid][]byte{}}
	p := helpers.DagBuilderParams{Dagserv: ds, RawLeaves: o.CIDv1, Maxlinks: helpers.DefaultLinksPerBlock, CidBuilder: prefix}
	db, err := p.New(chunker.NewSizeSplitter(bytes.NewReader(data), o.Chunk))
	if err != nil {
		t.Fatal(err)
	}
	layout := balanced.Layout
	if o.Trickle {
		layout = trickle.Layout
	}
	nd, err := layout(db)
	if err != nil {
		t.Fatal(err)
	}
	return DAG{Root: nd.Cid(), Blocks: ds.blocks}
}

// memDAG keeps the blocks an import adds; the importers only add.
type memDAG struct {
	mu     sync.Mutex
	blocks map[cid.Cid][]byte
}

func (m *memDAG) Add(_ context.Context, n ipld.Node) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blocks[n.Cid()] = bytes.Clone(n.RawData())
	return nil
}

func (m *memDAG) AddMany(ctx context.Context, ns []ipld.Node) error {
	for _, n := range ns {
		if err := m.Add(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (m *memDAG) Get(_ context.Context, c cid.Cid) (ipld.Node, error) {
	return nil, ipld.ErrNotFound{Cid: c}
}

func (m *memDAG) GetMany(_ context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	out := make(chan *ipld.NodeOption, len(cs))
	for _, c := range cs {
		out <- &ipld.NodeOption{Err: ipld.ErrNotFound{Cid: c}}
	}
	close(out)
	return out
}

func (m *memDAG) Remove(context.Context, cid.Cid) error       { return nil }
func (m *memDAG) RemoveMany(context.Context, []cid.Cid) error { return nil }
