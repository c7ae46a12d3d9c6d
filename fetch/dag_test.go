package fetch

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/internal/dagtest"
	"github.com/alephd/alephd/internal/ipfstest"
	"github.com/alephd/alephd/internal/kubotest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/resource"
)

// distinctBytes is the size of d's distinct blocks by multihash, counted
// without the walk: every block of an importer's DAG is reachable.
func distinctBytes(d dagtest.DAG) uint64 {
	seen := map[string]bool{}
	var n uint64
	for c, b := range d.Blocks {
		if !seen[string(c.Hash())] {
			seen[string(c.Hash())] = true
			n += uint64(len(b))
		}
	}
	return n
}

func randData(seed byte, n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

// TestDAGBytesAttested: on a chain that asks for DAG sizes
// (PendingStore.DAGBytes, as app.PendingStores sets for IPFS STOREs when
// x/resource is on), the fetcher attests a file ipfs add's defaults built
// at its distinct blocks' bytes, and a file of 1-byte leaves, mostly
// links, at resource.MaxDAGBytes(size) + 1 however far past it goes; a
// STORE on a chain that asks for none is attested without one. The
// embedded store holds both DAGs as blocks.
func TestDAGBytesAttested(t *testing.T) {
	store, emb := ipfstest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	normal := randData(1, 600_001) // 3 leaves of 256 KiB and a root
	root, _, err := emb.Add(ctx, bytes.NewReader(normal), content.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := dagtest.Build(t, normal, dagtest.Options{Chunk: 256 << 10})
	if !want.Root.Equals(root) {
		t.Fatalf("the importer gives %s, the store %s", want.Root, root)
	}
	tiny := randData(2, 64<<10)
	td := dagtest.Build(t, tiny, dagtest.Options{Chunk: 1, CIDv1: true})
	if n, max := distinctBytes(td), resource.MaxDAGBytes(uint64(len(tiny))); n <= max {
		t.Fatalf("the 1-byte-leaf DAG has %d bytes of blocks, within %d", n, max)
	}
	if err := emb.PutDAG(ctx, td.Root, func(put func(cid.Cid, []byte) error) error {
		for c, b := range td.Blocks {
			if err := put(c, b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	f := New(Config{Store: store, IPFS: emb})
	go f.Run(ctx)
	pending := []message.PendingStore{
		{ItemHash: "normal", FileHash: root.String(), FileType: message.ItemIPFS, DAGBytes: true},
		{ItemHash: "normal-again", FileHash: root.String(), FileType: message.ItemIPFS, DAGBytes: true},
		{ItemHash: "tiny", FileHash: td.Root.String(), FileType: message.ItemIPFS, DAGBytes: true},
		{ItemHash: "unasked", FileHash: root.String(), FileType: message.ItemIPFS},
	}
	var got []*pb.AttestedFile
	for i := 0; len(got) < len(pending); i++ {
		if i == 500 {
			t.Fatalf("attested %v", got)
		}
		got = f.Verified(pending)
		time.Sleep(20 * time.Millisecond)
	}
	for _, a := range got {
		var w uint64
		switch a.ItemHash {
		case "normal", "normal-again":
			w = distinctBytes(want)
		case "tiny":
			w = resource.MaxDAGBytes(uint64(len(tiny))) + 1
		}
		if a.DagBytes != w {
			t.Errorf("%s attested with dag_bytes %d, want %d", a.ItemHash, a.DagBytes, w)
		}
	}
	if cached, computed := f.dags.stats(); cached != 2 || computed != 2 {
		t.Fatalf("%d DAG sizes cached, %d computed for two files", cached, computed)
	}
}

// TestDAGBytesKubo: a real kubo daemon's blocks give the same DAG sizes
// as the embedded store's, for a file added with kubo's defaults and one
// added with --chunker=size-1 (capped at MaxDAGBytes + 1).
func TestDAGBytesKubo(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a kubo daemon; make test runs it")
	}
	d := kubotest.Start(t)
	k, err := content.NewKubo(d.API)
	if err != nil {
		t.Fatal(err)
	}
	store, err := content.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	f := New(Config{Store: store, IPFS: k, Kubo: true})
	dir := t.TempDir()
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		data    []byte
		chunker string
		want    func([]byte) uint64
	}{
		{"defaults", randData(3, 600_001), "size-262144", func(b []byte) uint64 {
			return distinctBytes(dagtest.Build(t, b, dagtest.Options{Chunk: 256 << 10}))
		}},
		{"1-byte leaves", randData(4, 64<<10), "size-1", func(b []byte) uint64 { return resource.MaxDAGBytes(uint64(len(b))) + 1 }},
	} {
		name := filepath.Join(dir, tc.name)
		if err := os.WriteFile(name, tc.data, 0o600); err != nil {
			t.Fatal(err)
		}
		root := d.Run(t, "add", "-Q", "--chunker="+tc.chunker, name)
		size, err := f.Fetch(ctx, message.ItemIPFS, root)
		if err != nil || size != int64(len(tc.data)) {
			t.Fatalf("%s: fetch %d bytes, %v", tc.name, size, err)
		}
		got, err := f.DAGBytes(ctx, root, uint64(size))
		if want := tc.want(tc.data); err != nil || got != want {
			t.Fatalf("%s: dag bytes %d (%v), want %d", tc.name, got, err, want)
		}
	}
}
