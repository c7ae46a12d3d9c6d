package simulation

import (
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/resource"
)

// TestReleaseKeepsOtherFiles: releasing a file must not release another
// live one. A CIDv1 file ("bafy…", 59 characters) and a sha256 file whose
// hex sorts before "bafy" (64 characters) are stored and assigned; the
// CIDv1 one is forgotten, and at the next epoch's start the sha256 one
// must still be assigned. State keys order names by length first (the
// uvarint length prefix), so x/message's live files and x/resource's
// assigned ones list the CID first, while Go's string order puts the
// sha256 file first: SyncFiles merged the two lists in string order and
// released the sha256 file with the CID (until 05ebc40, which merges in
// key order).
func TestReleaseKeepsOtherFiles(t *testing.T) {
	r, err := newResourceSim(1, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	g := newGenerator(Config{Seed: 1, Accounts: 4})
	c := apptest.NewWith(t, r.genesis(g.genesis()), app.Options{}, app.ChainInfo{ChainID: resourceChainID})
	for b := range 3 { // CCNs and CRNs, stakes, links
		c.MustBlock(r.messages(b, 100, apptest.Time(c.Height+1))...)
	}
	var cidFile, shaFile *simFile
	for _, f := range r.files {
		switch {
		case cidFile == nil && f.data == nil && f.hash[:4] == "bafy":
			cidFile = f
		case shaFile == nil && f.data != nil && f.hash < "bafy":
			shaFile = f
		}
	}
	if cidFile == nil || shaFile == nil {
		t.Fatalf("seed 1 has no CIDv1 file or no sha256 file sorting before it: %v, %v", cidFile, shaFile)
	}
	var stores []*pb.AlephMessage
	var files []*pb.AttestedFile
	for _, f := range []*simFile{cidFile, shaFile} {
		kind := map[bool]string{true: "storage", false: "ipfs"}[f.data != nil]
		m := r.sign(r.uploader, client.Store("SIM-RES", f.hash, kind, int64(f.size)), apptest.Time(c.Height+1))
		stores = append(stores, m)
		files = append(files, &pb.AttestedFile{ItemHash: m.ItemHash, Size: f.size, ChunkRoot: f.chunkRoot, DagBytes: f.dagBytes})
	}
	c.MustBlock(stores...)
	c.Attest(files)
	k := resource.NewKeeper(nil, nil)
	assigned := func(f *simFile) bool {
		t.Helper()
		kv := c.Store.Working()
		if err := k.LoadParams(kv); err != nil {
			t.Fatal(err)
		}
		a, err := k.Assignment(kv, f.hash)
		if err != nil {
			t.Fatal(err)
		}
		return a != nil
	}
	for c.Height < 9 { // epoch 1 opens
		c.MustBlock()
	}
	if !assigned(cidFile) || !assigned(shaFile) {
		t.Fatalf("epoch 1: %s assigned %v, %s assigned %v", cidFile.hash, assigned(cidFile), shaFile.hash, assigned(shaFile))
	}
	c.MustBlock(r.sign(r.uploader, client.Forget("SIM-RES", []string{stores[0].ItemHash}, nil, ""), apptest.Time(c.Height+1)))
	for c.Height < 17 { // epoch 2 opens
		c.MustBlock()
	}
	if assigned(cidFile) {
		t.Errorf("epoch 2: the forgotten %s is still assigned", cidFile.hash)
	}
	if !assigned(shaFile) {
		t.Errorf("epoch 2: the live sha256 file %s was released with the forgotten %s", shaFile.hash, cidFile.hash)
	}
}
