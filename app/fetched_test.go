package app_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/message"
)

// nonInline signs d as the Aleph SDKs send large content: item_type
// "storage" (item_hash the content's sha256) or "ipfs" (its CID, here the
// CIDv1 of one raw block, as kubo adds up to 256 KiB with raw leaves), no
// item_content. It returns the message and its content.
func nonInline(t *testing.T, name, itemType string, d client.Draft) (*pb.AlephMessage, []byte) {
	t.Helper()
	m := sign(t, apptest.Key(name), d)
	content := m.ItemContent
	m.ItemType, m.ItemContent = itemType, nil
	if itemType == message.ItemIPFS {
		sum, err := mh.Sum(content, mh.SHA2_256, -1)
		if err != nil {
			t.Fatal(err)
		}
		m.ItemHash = cid.NewCidV1(cid.Raw, sum).String()
		if err := client.SignMessage(apptest.Key(name), m); err != nil {
			t.Fatal(err)
		}
	}
	return m, content
}

// contentFile is the record entry a proposer makes for attested content.
func contentFile(m *pb.AlephMessage, content []byte) *pb.AttestedFile {
	sum := sha256.Sum256(content)
	return &pb.AttestedFile{ItemHash: m.ItemHash, Size: uint64(len(content)), Sha256: sum[:], Content: content}
}

// TestNonInlineLifecycle: a POST whose 60 KB content is in "storage" and a
// 200 KB AGGREGATE in "ipfs" are pending and uncharged on admission;
// attested with their bytes in the record they are processed as inline
// ones are (the post is served, the aggregate merged) and charged their
// content's size.
func TestNonInlineLifecycle(t *testing.T) {
	c := storeChain(t, 5)
	post, postContent := nonInline(t, "alice", message.ItemStorage, at(client.Post("TEST", "note", strings.Repeat("p", 60_000), ""), "1700000001"))
	obj := map[string]any{"blob": strings.Repeat("a", 200_000), "n": 1}
	agg, aggContent := nonInline(t, "alice", message.ItemIPFS, at(client.Aggregate("TEST", "profile", obj), "1700000002"))
	c.MustBlock(post, agg)
	for _, m := range []*pb.AlephMessage{post, agg} {
		if s := c.Status(m.ItemHash); s != "pending" {
			t.Fatalf("a new %s message is %s", m.ItemType, s)
		}
	}
	if used := usedBytes(t, c, "alice"); used != 0 {
		t.Fatalf("pending content is charged %d bytes", used)
	}

	rs := c.Attest([]*pb.AttestedFile{contentFile(post, postContent), contentFile(agg, aggContent)})
	if rs[0].Code != 0 || len(rs[0].StatusChanges) != 2 {
		t.Fatalf("record: %d %s %+v", rs[0].Code, rs[0].Log, rs[0].StatusChanges)
	}
	for _, m := range []*pb.AlephMessage{post, agg} {
		if s := c.Status(m.ItemHash); s != "processed" {
			snap, _ := c.Store.At(0)
			rec, _ := message.Keeper{}.GetMessage(snap, m.ItemHash)
			t.Fatalf("attested %s message is %s: %s", m.ItemType, s, rec.Rejection)
		}
	}
	if used, want := usedBytes(t, c, "alice"), uint64(len(postContent)+len(aggContent)); used != want {
		t.Fatalf("charged %d bytes, want the contents' %d", used, want)
	}
	snap, _ := c.Store.At(0)
	rec, _ := message.Keeper{}.GetMessage(snap, post.ItemHash)
	if string(rec.Message.ItemContent) != string(postContent) || rec.Owner != apptest.Address(apptest.Key("alice")) {
		t.Fatalf("post record: owner %s, %d content bytes", rec.Owner, len(rec.Message.ItemContent))
	}
	if m, err := message.FromJSON(message.ToJSON(rec.Message)); err != nil || string(m.ItemContent) != string(postContent) {
		t.Fatalf("an attested non-inline message does not export with its content: %v", err)
	}
	if got := string(message.ToJSON(post)); !strings.Contains(got, `"item_content":null`) {
		t.Fatalf("a pending non-inline message is rendered with item_content %.200s", got)
	}
	ar, err := message.Keeper{}.GetAggregate(snap, apptest.Address(apptest.Key("alice")), "profile")
	if err != nil || ar == nil {
		t.Fatalf("aggregate: %v %v", ar, err)
	}
	var merged map[string]any
	if err := json.Unmarshal(ar.Content, &merged); err != nil || merged["blob"] != obj["blob"] {
		t.Fatalf("merged aggregate: %v", err)
	}
	// An inline amend of the non-inline post amends it.
	amend := sign(t, apptest.Key("alice"), at(client.Post("TEST", "amend", "edited", post.ItemHash), "1700000003"))
	c.MustBlock(amend)
}

// TestNonInlineRejections: content never attested is rejected at its
// deadline (message/27); attested content that breaks its type's rules,
// or over the size cap, is rejected with the rule's code; a pending
// message can be forgotten by its sender.
func TestNonInlineRejections(t *testing.T) {
	c := storeChain(t, 3)
	lost, _ := nonInline(t, "bob", message.ItemStorage, at(client.Post("TEST", "note", "never", ""), "1700000001"))
	bad, _ := nonInline(t, "bob", message.ItemStorage, at(client.Post("TEST", "note", "bad", ""), "1700000002"))
	big, _ := nonInline(t, "bob", message.ItemStorage, at(client.Post("TEST", "note", "big", ""), "1700000003"))
	dropped, _ := nonInline(t, "bob", message.ItemStorage, at(client.Post("TEST", "note", "dropped", ""), "1700000004"))
	c.MustBlock(lost, bad, big, dropped) // height 1: deadline 4
	c.MustBlock(sign(t, apptest.Key("bob"), at(client.Forget("TEST", []string{dropped.ItemHash}, nil, ""), "1700000005")))
	if s := c.Status(dropped.ItemHash); s != "forgotten" {
		t.Fatalf("a forgotten pending message is %s", s)
	}

	// bad's attested bytes are JSON but not a POST's content (no address).
	notPost := []byte(`{"type":"note","content":"x","time":1700000002}`)
	badFile := contentFile(bad, notPost)
	bigFile := &pb.AttestedFile{ItemHash: big.ItemHash, Size: message.DefaultMaxFetchedContentBytes + 1, Sha256: make([]byte, 32)}
	rs := c.Attest([]*pb.AttestedFile{badFile, bigFile})
	if rs[0].Code != 0 {
		t.Fatalf("record refused: %s", rs[0].Log)
	}
	for hash, want := range map[string]string{bad.ItemHash: "message/7 ", big.ItemHash: "message/6 "} {
		snap, _ := c.Store.At(0)
		rec, _ := message.Keeper{}.GetMessage(snap, hash)
		if message.StatusName(rec.Status) != "rejected" || !strings.HasPrefix(rec.Rejection, want) || rec.Charge != nil {
			t.Errorf("%s: %s %q, want rejected %q...", hash, message.StatusName(rec.Status), rec.Rejection, want)
		}
	}
	c.Block() // height 4: lost's deadline
	snap, _ := c.Store.At(0)
	rec, _ := message.Keeper{}.GetMessage(snap, lost.ItemHash)
	if message.StatusName(rec.Status) != "rejected" || !strings.HasPrefix(rec.Rejection, "message/27 content not available") {
		t.Fatalf("unattested content at its deadline: %s %q", message.StatusName(rec.Status), rec.Rejection)
	}
	if usedBytes(t, c, "bob") != 0 {
		t.Fatal("rejected content was charged")
	}
}

// TestNonInlineAdmission: the envelope rules for content that is not
// inline, as pyaleph's pending-message schema has them.
func TestNonInlineAdmission(t *testing.T) {
	c := storeChain(t, 3)
	ok, _ := nonInline(t, "carol", message.ItemStorage, at(client.Post("TEST", "note", "x", ""), "1700000001"))
	for name, tc := range map[string]struct {
		edit func(m *pb.AlephMessage)
		want error
	}{
		"item_content set":   {func(m *pb.AlephMessage) { m.ItemContent = []byte(`{}`) }, message.ErrContent},
		"CID as storage":     {func(m *pb.AlephMessage) { m.ItemHash = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG" }, message.ErrItemType},
		"sha256 as ipfs":     {func(m *pb.AlephMessage) { m.ItemType = message.ItemIPFS }, message.ErrItemType},
		"upper-case sha256":  {func(m *pb.AlephMessage) { m.ItemHash = strings.ToUpper(m.ItemHash) }, message.ErrItemType},
		"unknown item_type":  {func(m *pb.AlephMessage) { m.ItemType = "arweave" }, message.ErrItemType},
		"not a CID for ipfs": {func(m *pb.AlephMessage) { m.ItemType, m.ItemHash = message.ItemIPFS, "bafy"+strings.Repeat("!", 55) }, message.ErrItemType},
		"STORE not inline":   {func(m *pb.AlephMessage) { m.Type = message.TypeStore }, message.ErrItemType},
	} {
		m := proto.Clone(ok).(*pb.AlephMessage)
		tc.edit(m)
		_, _, err := message.ParseEnvelope(m, message.DefaultParams())
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	c.MustBlock(ok)
	if r := c.Block(ok); r[0].Code != message.ErrDuplicate.Code {
		t.Fatalf("the same pending message again: %d %s", r[0].Code, r[0].Log)
	}
}

// TestNonInlineRecordCheck: the proposal check refuses a record whose
// content is not what validators attested: wrong bytes, truncated bytes,
// bytes for an entry whose content nothing attested (a STORE's), attested
// content left out, or a storage claim whose sha256 is not its item_hash.
func TestNonInlineRecordCheck(t *testing.T) {
	c := storeChain(t, 10)
	post, content := nonInline(t, "dave", message.ItemStorage, at(client.Post("TEST", "note", "hello", ""), "1700000001"))
	store := storeOf(t, "dave", strings.Repeat("ef", 32))
	c.MustBlock(post, store)
	want := contentFile(post, content)
	claim := &pb.AttestedFile{ItemHash: want.ItemHash, Size: want.Size, Sha256: want.Sha256}
	votes := make([]attest.Vote, 4)
	for i := range votes {
		votes[i] = attest.Vote{Power: 10, Ext: &pb.VoteExtension{Files: []*pb.AttestedFile{claim, apptest.File(store, 9)}}}
	}
	rec, err := c.App.TallyCommitted(votes, 40)
	if err != nil || len(rec.Files) != 2 {
		t.Fatalf("tally: %v %v", rec, err)
	}
	if err := c.App.CheckAttestation(rec, votes, 40); !errors.Is(err, attest.ErrRecordMismatch) {
		t.Fatalf("a record without the attested content: %v", err)
	}
	fill := func(f func(files []*pb.AttestedFile)) *pb.Attestation {
		out := &pb.Attestation{}
		for _, e := range rec.Files {
			c := &pb.AttestedFile{ItemHash: e.ItemHash, Size: e.Size, Sha256: e.Sha256}
			if e.ItemHash == post.ItemHash {
				c.Content = content
			}
			out.Files = append(out.Files, c)
		}
		f(out.Files)
		return out
	}
	if err := c.App.CheckAttestation(fill(func([]*pb.AttestedFile) {}), votes, 40); err != nil {
		t.Fatalf("the honest record: %v", err)
	}
	idx := 0
	if rec.Files[1].ItemHash == post.ItemHash {
		idx = 1
	}
	forged := map[string]func(files []*pb.AttestedFile){
		"wrong bytes":             func(fs []*pb.AttestedFile) { fs[idx].Content = []byte(strings.ToUpper(string(content))) },
		"truncated bytes":         func(fs []*pb.AttestedFile) { fs[idx].Content = content[:len(content)-1] },
		"content omitted":         func(fs []*pb.AttestedFile) { fs[idx].Content = nil },
		"bytes nothing attested":  func(fs []*pb.AttestedFile) { fs[1-idx].Content = []byte("{}") },
		"sha256 changed":          func(fs []*pb.AttestedFile) { fs[idx].Sha256 = make([]byte, 32) },
		"content entry dropped":   func(fs []*pb.AttestedFile) { fs[idx] = fs[1-idx] },
		"size changed with bytes": func(fs []*pb.AttestedFile) { fs[idx].Content, fs[idx].Size = append(content, ' '), fs[idx].Size+1 },
	}
	for name, f := range forged {
		if err := c.App.CheckAttestation(fill(f), votes, 40); !errors.Is(err, attest.ErrRecordMismatch) {
			t.Errorf("%s: %v, want a mismatch", name, err)
		}
	}
	// A storage claim whose sha256 is not its item_hash attests nothing,
	// whatever the power behind it.
	wrong := sha256.Sum256([]byte("other"))
	for i := range votes {
		votes[i].Ext.Files[0] = &pb.AttestedFile{ItemHash: post.ItemHash, Size: 5, Sha256: wrong[:]}
	}
	if rec, err := c.App.TallyCommitted(votes, 40); err != nil || len(rec.Files) != 1 || rec.Files[0].ItemHash != store.ItemHash {
		t.Fatalf("a storage claim with another digest: %v %v", rec, err)
	}
}

// TestNonInlineRecordBudget: a record carries at most
// attest.MaxRecordContentBytes of content; attested content past it waits
// for the next block (it stays pending and attested).
func TestNonInlineRecordBudget(t *testing.T) {
	c := storeChain(t, 10)
	var claims []*pb.AttestedFile
	var msgs []*pb.AlephMessage
	for i := 0; i < 3; i++ {
		m, _ := nonInline(t, "erin", message.ItemStorage, at(client.Post("TEST", "note", fmt.Sprint(i), ""), fmt.Sprint(1700000001+i)))
		msgs = append(msgs, m)
		sum, _ := hex.DecodeString(m.ItemHash)
		claims = append(claims, &pb.AttestedFile{ItemHash: m.ItemHash, Size: message.DefaultMaxFetchedContentBytes, Sha256: sum})
	}
	c.MustBlock(msgs...)
	votes := []attest.Vote{{Power: 1, Ext: &pb.VoteExtension{Files: claims}}}
	rec, err := c.App.TallyCommitted(votes, 1)
	if err != nil || len(rec.Files) != attest.MaxRecordContentBytes/message.DefaultMaxFetchedContentBytes {
		t.Fatalf("a record of three 1 MiB contents lists %d: %v", len(rec.Files), err)
	}
}

// TestNonInlineRawCIDClaim: an "ipfs" item_hash that is a CID of one raw
// sha2-256 block names the content's sha256 itself, so a claim of other
// bytes attests nothing whatever the power behind it (validators need not
// trust the fetchers for it), while the honest claim is attested.
func TestNonInlineRawCIDClaim(t *testing.T) {
	c := storeChain(t, 10)
	post, content := nonInline(t, "dave", message.ItemIPFS, at(client.Post("TEST", "note", "raw", ""), "1700000001"))
	c.MustBlock(post)
	other := []byte(`{"address":"x","time":1,"type":"note","content":"lie"}`)
	lie := sha256.Sum256(other)
	votes := make([]attest.Vote, 4)
	for i := range votes {
		votes[i] = attest.Vote{Power: 10, Ext: &pb.VoteExtension{Files: []*pb.AttestedFile{{ItemHash: post.ItemHash, Size: uint64(len(other)), Sha256: lie[:]}}}}
	}
	if rec, err := c.App.TallyCommitted(votes, 40); err != nil || len(rec.Files) != 0 {
		t.Fatalf("every validator claiming other bytes for a raw CID: %v %v", rec, err)
	}
	forged := &pb.Attestation{Files: []*pb.AttestedFile{{ItemHash: post.ItemHash, Size: uint64(len(other)), Sha256: lie[:], Content: other}}}
	if err := c.App.CheckAttestation(forged, votes, 40); !errors.Is(err, attest.ErrRecordMismatch) {
		t.Fatalf("a record carrying other bytes for a raw CID: %v", err)
	}
	honest := contentFile(post, content)
	for i := range votes {
		votes[i].Ext.Files[0] = &pb.AttestedFile{ItemHash: honest.ItemHash, Size: honest.Size, Sha256: honest.Sha256}
	}
	if rec, err := c.App.TallyCommitted(votes, 40); err != nil || len(rec.Files) != 1 {
		t.Fatalf("the honest claim for a raw CID: %v %v", rec, err)
	}
}

// TestNonInlinePendingBound: nothing is charged while content is pending,
// and a free message (here FORGETs, free on any channel) is counted against
// its rate limit only when charged, so a sender with no tokens could queue
// pending messages without end. At most message.MaxPendingPerSender wait
// per sender: the next is refused (message/28) until some are settled.
func TestNonInlinePendingBound(t *testing.T) {
	c := storeChain(t, 3)
	flood := func(from, n int) []*pb.AlephMessage {
		var out []*pb.AlephMessage
		for i := from; i < from+n; i++ {
			d := at(client.Forget("TEST", []string{fmt.Sprintf("%064x", i)}, nil, ""), fmt.Sprint(1700000001+i))
			m, _ := nonInline(t, "mallory", message.ItemStorage, d)
			out = append(out, m)
		}
		return out
	}
	c.MustBlock(flood(0, message.MaxPendingPerSender)...) // height 1: deadline 4
	more := flood(message.MaxPendingPerSender, 1)
	if r := c.Block(more...); r[0].Code != message.ErrTooManyPending.Code || r[0].Codespace != message.Codespace {
		t.Fatalf("message %d pending from one sender: %s/%d %s", message.MaxPendingPerSender+1, r[0].Codespace, r[0].Code, r[0].Log)
	}
	if n := pendingBy(t, c, "mallory"); n != message.MaxPendingPerSender {
		t.Fatalf("pending count %d, want %d", n, message.MaxPendingPerSender)
	}
	// Another sender is not held back by mallory's.
	other, _ := nonInline(t, "bob", message.ItemStorage, at(client.Post("TEST", "note", "mine", ""), "1700000001"))
	c.MustBlock(other)
	// A chain started from an export counts the pending messages again
	// (apptest checks the invariants, the counts among them, at its block).
	doc, _, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	imported := apptest.New(t, doc)
	imported.Block()
	if n := pendingBy(t, imported, "mallory"); n != message.MaxPendingPerSender {
		t.Fatalf("pending count after import %d, want %d", n, message.MaxPendingPerSender)
	}
	c.Block() // height 4: mallory's deadline, every one rejected (message/27)
	if n := pendingBy(t, c, "mallory"); n != 0 {
		t.Fatalf("pending count after the deadline %d, want 0", n)
	}
	c.MustBlock(more...) // apptest checks every module's invariants (the counts among them) at each block
}

func pendingBy(t *testing.T, c *apptest.Chain, name string) uint64 {
	t.Helper()
	snap, _ := c.Store.At(0)
	n, err := message.Keeper{}.PendingBy(snap, apptest.Address(apptest.Key(name)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNonInlineContentBudget: the content a record carries shrinks with
// the extended commit it carries as evidence, so a large validator set
// voting large extensions never makes a record no block holds (a halt:
// every round of the height shares the extended commit). What does not
// fit stays attested and pending for a later block.
func TestNonInlineContentBudget(t *testing.T) {
	if attest.BlockBytes != app.MaxBlockBytes {
		t.Fatalf("attest.BlockBytes %d, app.MaxBlockBytes %d", attest.BlockBytes, app.MaxBlockBytes)
	}
	c := storeChain(t, 10)
	var claims []*pb.AttestedFile
	var msgs []*pb.AlephMessage
	for i := 0; i < 3; i++ {
		m, _ := nonInline(t, "erin", message.ItemStorage, at(client.Post("TEST", "note", fmt.Sprint(i), ""), fmt.Sprint(1700000001+i)))
		msgs = append(msgs, m)
		sum, _ := hex.DecodeString(m.ItemHash)
		claims = append(claims, &pb.AttestedFile{ItemHash: m.ItemHash, Size: message.DefaultMaxFetchedContentBytes, Sha256: sum})
	}
	c.MustBlock(msgs...)
	// Each validator also claims files nobody stored, up to the largest
	// extension VerifyVoteExtension lets through for a set of n.
	carried := func(n int) int {
		padded := &pb.VoteExtension{Files: append([]*pb.AttestedFile{}, claims...)}
		for i := 0; proto.Size(padded) < attest.VoteBytesLimit(n)-200; i++ {
			padded.Files = append(padded.Files, &pb.AttestedFile{ItemHash: fmt.Sprintf("%0128d", i), Size: 1 << 40, Sha256: make([]byte, 32)})
		}
		votes := make([]attest.Vote, n)
		for i := range votes {
			votes[i] = attest.Vote{Power: 1, Ext: padded}
		}
		rec, err := c.App.TallyCommitted(votes, int64(n))
		if err != nil {
			t.Fatal(err)
		}
		var bytes, evidence int
		for _, f := range rec.Files {
			bytes += int(f.Size)
		}
		for _, v := range votes {
			evidence += proto.Size(v.Ext) + 256
		}
		if bytes+evidence+(1<<20+512<<10) > app.MaxBlockBytes {
			t.Fatalf("%d validators' largest extensions: %d bytes of content beside %d of extended commit, past a %d-byte block", n, bytes, evidence, app.MaxBlockBytes)
		}
		return len(rec.Files)
	}
	// MaxVoteBytes (~85 kB since extensions carry liveness answers and DAG sizes) leaves
	// 2 MiB of content beside one validator's largest extension, 1 MiB
	// beside 4, none beside 20 or 40 (whose extensions VoteBytesLimit
	// shrinks).
	for _, tc := range []struct{ validators, want int }{{1, 2}, {4, 1}, {20, 0}, {40, 0}} {
		if got := carried(tc.validators); got != tc.want {
			t.Errorf("%d validators' largest extensions: the record carries %d 1 MiB contents, want %d", tc.validators, got, tc.want)
		}
	}
}
