package app_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/ipfs/go-cid"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/internal/dagtest"
	"github.com/alephd/alephd/internal/ipfstest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/resource"
)

// ipfsClaim is an IPFS STORE's claim on a chain whose x/resource is on,
// for a file whose DAG (not built here) a resource node holds: kubo's
// defaults give a few hundred bytes past the size.
func ipfsClaim(m *pb.AlephMessage, size uint64) *pb.AttestedFile {
	return &pb.AttestedFile{ItemHash: m.ItemHash, Size: size, DagBytes: size + size/100 + 512}
}

// TestTinyLeafDAGNotAssigned runs two IPFS files through a chain with
// x/resource on: one added with ipfs add's defaults and one of 1-byte
// leaves (`ipfs add --chunker=size-1`), mostly links. A real fetcher over
// an embedded store holding both DAGs attests their DAG sizes
// (PendingStore.DAGBytes), both STOREs are processed and their records
// keep them (through an export and import too); when epoch 1 opens the
// first is assigned and the second is not: every node would refuse its
// blocks (resource.MaxDAGBytes). A vote with another DAG size does not
// count with the honest ones, and a record that changes it is refused.
func TestTinyLeafDAGNotAssigned(t *testing.T) {
	c := resourceChain(t)
	store, emb := ipfstest.Open(t)
	ctx := context.Background()
	normal := make([]byte, 600_001)
	_, _ = rand.NewChaCha8([32]byte{5}).Read(normal) // never fails
	nroot, _, err := emb.Add(ctx, bytes.NewReader(normal), content.AddOptions{CIDv1: true})
	if err != nil {
		t.Fatal(err)
	}
	tiny := make([]byte, 64<<10)
	_, _ = rand.NewChaCha8([32]byte{6}).Read(tiny) // never fails
	td := dagtest.Build(t, tiny, dagtest.Options{Chunk: 1, CIDv1: true})
	if err := emb.PutDAG(ctx, td.Root, func(put func(cid.Cid, []byte) error) error {
		for id, b := range td.Blocks {
			if err := put(id, b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	nmsg := sign(t, apptest.Key("alice"), at(client.Store("TEST", nroot.String(), message.ItemIPFS, 0), "1700000001"))
	tmsg := sign(t, apptest.Key("alice"), at(client.Store("TEST", td.Root.String(), message.ItemIPFS, 0), "1700000002"))
	c.MustBlock(nmsg, tmsg)

	claims := attestWithFetcher(t, c, store)
	want := map[string]uint64{tmsg.ItemHash: resource.MaxDAGBytes(uint64(len(tiny))) + 1}
	for _, f := range claims {
		if f.ItemHash == nmsg.ItemHash {
			if f.DagBytes <= uint64(len(normal)) || !resource.Holdable(f.Size, f.DagBytes) {
				t.Fatalf("the default DAG attested at %d bytes of blocks for %d of data", f.DagBytes, f.Size)
			}
			want[f.ItemHash] = f.DagBytes
		}
	}
	for _, f := range claims {
		if f.DagBytes != want[f.ItemHash] {
			t.Fatalf("%s attested with dag_bytes %d, want %d", f.ItemHash, f.DagBytes, want[f.ItemHash])
		}
	}

	// 3 of 4 validators with the true DAG size attest it; 2 against 2 a
	// smaller one (within the bound), nothing; a record claiming the
	// smaller size over honest votes is refused
	lie := proto.Clone(claims[0]).(*pb.AttestedFile)
	lie.DagBytes = 1
	vote := func(f ...*pb.AttestedFile) attest.Vote {
		return attest.Vote{Power: 10, Ext: &pb.VoteExtension{Files: f}}
	}
	honest, liar := vote(claims...), vote(lie)
	rec, err := c.App.TallyCommitted([]attest.Vote{honest, honest, honest, liar}, 40)
	if err != nil || len(rec.Files) != 2 {
		t.Fatalf("3 honest votes of 4: %v, %v", rec, err)
	}
	for _, f := range rec.Files {
		if f.DagBytes != want[f.ItemHash] {
			t.Fatalf("3 honest votes of 4: %s at dag_bytes %d", f.ItemHash, f.DagBytes)
		}
	}
	if got, err := c.App.TallyCommitted([]attest.Vote{vote(claims[0]), vote(claims[0]), liar, liar}, 40); err != nil || len(got.Files) != 0 {
		t.Fatalf("2 honest votes and 2 with another DAG size: %v, %v", got, err)
	}
	forged := proto.Clone(rec).(*pb.Attestation)
	for _, f := range forged.Files {
		if f.ItemHash == tmsg.ItemHash {
			f.DagBytes = 1000
		}
	}
	if err := c.App.CheckAttestation(forged, []attest.Vote{honest, honest, honest}, 30); !errors.Is(err, attest.ErrRecordMismatch) {
		t.Fatalf("a record with another DAG size: %v", err)
	}

	c.Attest(claims)
	kv := c.Store.Working()
	for _, m := range []*pb.AlephMessage{nmsg, tmsg} {
		if s := c.Status(m.ItemHash); s != "processed" {
			t.Fatalf("%s is %s", m.ItemHash, s)
		}
		if rec, err := (message.Keeper{}).GetMessage(kv, m.ItemHash); err != nil || rec.FileDagBytes != want[m.ItemHash] {
			t.Fatalf("the record keeps dag bytes %d (%v), want %d", rec.GetFileDagBytes(), err, want[m.ItemHash])
		}
	}
	exported, _, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	imported := apptest.New(t, exported)
	if rec, err := (message.Keeper{}).GetMessage(imported.Store.Working(), tmsg.ItemHash); err != nil || rec.GetFileDagBytes() != want[tmsg.ItemHash] {
		t.Fatalf("imported, the record keeps dag bytes %d (%v)", rec.GetFileDagBytes(), err)
	}

	k := resource.NewKeeper(nil, nil)
	if err := k.LoadParams(kv); err != nil {
		t.Fatal(err)
	}
	for c.Height < 11 { // epoch 1 opens
		c.MustBlock()
	}
	if a, err := k.Assignment(kv, nroot.String()); err != nil || a == nil || len(a.Nodes) != 2 || a.Size != uint64(len(normal)) {
		t.Fatalf("the default DAG: assignment %v, %v", a, err)
	}
	if a, err := k.Assignment(kv, td.Root.String()); err != nil || a != nil {
		t.Fatalf("the 1-byte-leaf DAG is assigned: %v, %v", a, err)
	}
}
