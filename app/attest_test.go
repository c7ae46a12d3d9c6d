package app_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// storeChain is a dev chain whose STOREs wait attestBlocks blocks.
func storeChain(t *testing.T, attestBlocks int64) *apptest.Chain {
	var g map[string]json.RawMessage
	if err := json.Unmarshal(app.DevGenesis(), &g); err != nil {
		t.Fatal(err)
	}
	mg := message.DefaultGenesis()
	mg.Params.StoreAttestBlocks = attestBlocks
	mg.Params.MaxFileBytesStorage = 1 << 20
	g["message"], _ = json.Marshal(mg)
	doc, _ := json.Marshal(g)
	return apptest.New(t, doc)
}

func storeOf(t *testing.T, name, file string) *pb.AlephMessage {
	return sign(t, apptest.Key(name), at(client.Store("TEST", file, "storage", 0), "1700000001"))
}

func usedBytes(t *testing.T, c *apptest.Chain, name string) uint64 {
	t.Helper()
	res, err := c.App.Query(app.PathAccount, []byte(apptest.Address(apptest.Key(name))), 0, false)
	var v payment.AccountView
	if err == nil {
		err = json.Unmarshal(res.Value, &v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v.PersonalStorage.Used.Bytes
}

// TestStoreLifecycle: a STORE is pending and uncharged until attested;
// attested, it is processed and charged its size; unattested by its
// deadline, it is rejected as content unavailable and charged nothing; too
// large, it is rejected; forgotten while pending, later attestations pass
// it by.
func TestStoreLifecycle(t *testing.T) {
	c := storeChain(t, 3)
	file := strings.Repeat("ab", 32)
	kept, lost, big, dropped := storeOf(t, "alice", file), storeOf(t, "bob", file), storeOf(t, "carol", file), storeOf(t, "dave", file)
	c.MustBlock(kept, lost, big, dropped) // height 1: deadline 4
	for _, m := range []*pb.AlephMessage{kept, lost, big, dropped} {
		if s := c.Status(m.ItemHash); s != "pending" {
			t.Fatalf("a new STORE is %s", s)
		}
	}
	if used := usedBytes(t, c, "alice"); used != 0 {
		t.Fatalf("a pending STORE is charged %d bytes", used)
	}
	forget := sign(t, apptest.Key("dave"), at(client.Forget("TEST", []string{dropped.ItemHash}, nil, ""), "1700000002"))
	c.MustBlock(forget)
	if s := c.Status(dropped.ItemHash); s != "forgotten" {
		t.Fatalf("a forgotten pending STORE is %s", s)
	}

	rs := c.Attest([]*pb.AttestedFile{apptest.File(kept, 5000), apptest.File(big, 2<<20), apptest.File(dropped, 10)})
	if rs[0].Code != 0 {
		t.Fatalf("availability record refused: %s", rs[0].Log)
	}
	changes := map[string]string{}
	for _, sc := range rs[0].StatusChanges {
		changes[sc.Hash] = sc.Status
	}
	if changes[kept.ItemHash] != "processed" || changes[big.ItemHash] != "rejected" || len(changes) != 2 {
		t.Fatalf("status events of the record: %v", changes)
	}
	if used := usedBytes(t, c, "alice"); used != 5000 {
		t.Fatalf("the attested STORE is charged %d bytes, want 5000", used)
	}
	if s := c.Status(dropped.ItemHash); s != "forgotten" {
		t.Fatalf("attesting a forgotten STORE made it %s", s)
	}
	rec, _ := message.Keeper{}.GetMessage(c.Store.Working(), big.ItemHash)
	if !strings.Contains(rec.Rejection, "file too large: 2097152 bytes") {
		t.Fatalf("rejection of the big file: %q", rec.Rejection)
	}

	c.Block() // height 4: lost's deadline
	if s := c.Status(lost.ItemHash); s != "rejected" {
		t.Fatalf("an unattested STORE at its deadline is %s", s)
	}
	if len(c.EndBlock) != 1 || c.EndBlock[0].Hash != lost.ItemHash {
		t.Fatalf("end-of-block status changes: %v", c.EndBlock)
	}
	rec, _ = message.Keeper{}.GetMessage(c.Store.Working(), lost.ItemHash)
	if !strings.HasPrefix(rec.Rejection, attest.ContentUnavailable) || rec.Charge != nil || usedBytes(t, c, "bob") != 0 {
		t.Fatalf("rejected STORE: %q, charge %v", rec.Rejection, rec.Charge)
	}
	if rs := c.Attest([]*pb.AttestedFile{apptest.File(lost, 1)}); rs[0].Code != 0 || len(rs[0].StatusChanges) != 0 {
		t.Fatalf("a late attestation changed something: %+v", rs[0])
	}
}

// TestAvailabilityOnlyFromProposers: users cannot submit availability
// records, and one anywhere but first in a block is refused.
func TestAvailabilityOnlyFromProposers(t *testing.T) {
	c := storeChain(t, 10)
	m := storeOf(t, "alice", strings.Repeat("cd", 32))
	c.MustBlock(m)
	tx := app.EncodeAttestation(&pb.Attestation{Files: []*pb.AttestedFile{apptest.File(m, 1)}})
	r := c.App.CheckTx(c.App.Parse(tx), func() error { return nil })
	if r.Codespace != "app" || r.Code != app.ErrAttestationTx.Code {
		t.Fatalf("CheckTx of an availability record: %s/%d %s", r.Codespace, r.Code, r.Log)
	}
	post := sign(t, apptest.Key("alice"), at(client.Post("TEST", "note", "x", ""), "1700000003"))
	rs := c.BlockTxs(apptest.Tx(post), tx)
	if rs[0].Code != 0 || rs[1].Code != app.ErrAttestationTx.Code || c.Status(m.ItemHash) != "pending" {
		t.Fatalf("a record second in its block: %+v; STORE %s", rs[1], c.Status(m.ItemHash))
	}
}

// TestTally: more than 2/3 of the power, on one size; a validator counts
// once per file; files no longer pending are left out; sorted by hash.
func TestTally(t *testing.T) {
	c := storeChain(t, 10)
	a, b, done := storeOf(t, "alice", strings.Repeat("01", 32)), storeOf(t, "bob", strings.Repeat("02", 32)), storeOf(t, "carol", strings.Repeat("03", 32))
	c.MustBlock(a, b, done)
	c.Attest([]*pb.AttestedFile{apptest.File(done, 7)})
	f := apptest.File
	vote := func(files ...*pb.AttestedFile) attest.Vote {
		return attest.Vote{Power: 10, Ext: &pb.VoteExtension{Files: files}}
	}
	votes := []attest.Vote{
		vote(f(b, 2), f(a, 1), f(done, 7)),
		vote(f(a, 1), f(b, 2), f(b, 2)),
		vote(f(a, 1), f(b, 3), f(done, 7)),
		vote(f(a, 9), f(b, 2), f(done, 7)),
	}
	rec, err := c.App.TallyCommitted(votes, 40)
	if err != nil {
		t.Fatal(err)
	}
	got := rec.Files
	// a: 30/40 on size 1 (attested); b: 30/40 on size 2, the duplicate
	// counting once (attested); done: no longer pending.
	if len(got) != 2 || got[0].ItemHash > got[1].ItemHash || !hasFile(got, a.ItemHash, 1) || !hasFile(got, b.ItemHash, 2) {
		t.Fatalf("tally = %v", got)
	}
	// Exactly 2/3 is not more than 2/3.
	if got, _ := c.App.TallyCommitted(votes[:2], 30); len(got.Files) != 0 {
		t.Fatalf("20 of 30 attested %v", got.Files)
	}
	// The record check is the tally: the record itself passes, one with a
	// file dropped, added, resized or out of order does not.
	if err := c.App.CheckAttestation(rec, votes, 40); err != nil {
		t.Fatalf("the tally's own record: %v", err)
	}
	for name, files := range map[string][]*pb.AttestedFile{
		"dropped":  got[:1],
		"added":    append(append([]*pb.AttestedFile{}, got...), f(done, 7)),
		"resized":  {f(a, 2), got[1]},
		"reversed": {got[1], got[0]},
	} {
		err := c.App.CheckAttestation(&pb.Attestation{Files: files}, votes, 40)
		if !errors.Is(err, attest.ErrRecordMismatch) {
			t.Errorf("a record with a file %s: %v, want a mismatch", name, err)
		}
	}
}

func hasFile(files []*pb.AttestedFile, hash string, size uint64) bool {
	for _, f := range files {
		if f.ItemHash == hash && f.Size == size {
			return true
		}
	}
	return false
}

// TestAvailabilityRecordBeyondMaxTxBytes: a record's evidence grows with the
// validators (~19 kB each at the file limit), so a record may exceed the
// 1 MiB a message may take; it still decodes, up to the block size.
func TestAvailabilityRecordBeyondMaxTxBytes(t *testing.T) {
	evidence := make([]byte, app.MaxTxBytes)
	tx := app.EncodeAttestation(&pb.Attestation{ExtendedCommit: evidence})
	if len(tx) <= app.MaxTxBytes || app.DecodeAttestation(tx) == nil {
		t.Fatalf("a %d-byte availability record does not decode", len(tx))
	}
	m := sign(t, apptest.Key("big"), client.Post("TEST", "note", strings.Repeat("x", 150_000), ""))
	m.ItemContent = []byte(strings.Repeat("\u00e9", app.MaxTxBytes/2))
	if _, err := app.DecodeTx(app.EncodeTx(m)); !errors.Is(err, message.ErrTooLarge) {
		t.Fatalf("a message beyond %d bytes: %v", app.MaxTxBytes, err)
	}
	huge := app.EncodeAttestation(&pb.Attestation{ExtendedCommit: make([]byte, app.MaxBlockBytes)})
	if app.DecodeAttestation(huge) != nil {
		t.Fatal("a record beyond the block size decodes")
	}
}
