package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/chains"
	"github.com/alephd/alephd/x/message"
)

// copyAs is what a front-runner sends: someone else's non-inline message
// (its item_hash, seen in the mempool or uploaded through the public
// add_json), signed as its own.
func copyAs(t *testing.T, name string, m *pb.AlephMessage) *pb.AlephMessage {
	t.Helper()
	c := proto.Clone(m).(*pb.AlephMessage)
	c.Sender = apptest.Address(apptest.Key(name))
	if err := client.SignMessage(apptest.Key(name), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func record(t *testing.T, c *apptest.Chain, hash string) *pb.MessageRecord {
	t.Helper()
	snap, _ := c.Store.At(0)
	rec, err := message.Keeper{}.GetMessage(snap, hash)
	if err != nil || rec == nil {
		t.Fatalf("record of %s: %v %v", hash, rec, err)
	}
	return rec
}

func addr(name string) string { return apptest.Address(apptest.Key(name)) }

// TestNonInlineFrontRun: mallory copies alice's pending item_hash first.
// Alice's own message is admitted as a contender, not refused as a
// duplicate; once the content is attested, mallory's copy fails
// (it may not act for alice) and alice's becomes the record. Neither
// sender keeps a pending count; copies of a settled item_hash, or the same
// sender twice, are duplicates (message/13).
func TestNonInlineFrontRun(t *testing.T) {
	c := storeChain(t, 5)
	real, content := nonInline(t, "alice", message.ItemStorage, at(client.Post("TEST", "note", strings.Repeat("p", 60_000), ""), "1700000001"))
	stolen := copyAs(t, "mallory", real)
	c.MustBlock(stolen)
	c.MustBlock(real) // a contender, not message/13
	if n, m := pendingBy(t, c, "alice"), pendingBy(t, c, "mallory"); n != 1 || m != 1 {
		t.Fatalf("pending counts: alice %d, mallory %d; want 1 each", n, m)
	}
	for _, again := range []*pb.AlephMessage{real, stolen} {
		if r := c.Block(again); r[0].Code != message.ErrDuplicate.Code {
			t.Fatalf("%s's message again: %d %s", again.Sender, r[0].Code, r[0].Log)
		}
	}
	rs := c.Attest([]*pb.AttestedFile{contentFile(real, content)})
	if rs[0].Code != 0 || len(rs[0].StatusChanges) != 1 {
		t.Fatalf("record: %d %s %+v", rs[0].Code, rs[0].Log, rs[0].StatusChanges)
	}
	won, ok := rs[0].StatusChanges[0].Envelope, rs[0].StatusChanges[0].Envelope != nil
	if !ok || won.Sender != real.Sender || won.Signature != real.Signature || rs[0].StatusChanges[0].Status != "processed" {
		t.Fatalf("status change %+v does not name alice's message", rs[0].StatusChanges[0])
	}
	rec := record(t, c, real.ItemHash)
	if message.StatusName(rec.Status) != "processed" || rec.Message.Sender != real.Sender || rec.Owner != addr("alice") ||
		rec.Message.Signature != real.Signature || !bytes.Equal(rec.Message.ItemContent, content) {
		t.Fatalf("record: %s from %s owned by %s (%q)", message.StatusName(rec.Status), rec.Message.Sender, rec.Owner, rec.Rejection)
	}
	if n, m := pendingBy(t, c, "alice"), pendingBy(t, c, "mallory"); n != 0 || m != 0 {
		t.Fatalf("pending counts after: alice %d, mallory %d", n, m)
	}
	if r := c.Block(copyAs(t, "carol", real)); r[0].Code != message.ErrDuplicate.Code {
		t.Fatalf("a copy of a processed message: %d %s", r[0].Code, r[0].Log)
	}
}

// TestNonInlineFrontRunWithdrawn: a front-runner that forgets its copy
// while it waits hands the item_hash to the first contender instead of
// taking the real message with it.
func TestNonInlineFrontRunWithdrawn(t *testing.T) {
	c := storeChain(t, 5)
	real, content := nonInline(t, "alice", message.ItemStorage, at(client.Post("TEST", "note", "mine", ""), "1700000001"))
	stolen := copyAs(t, "mallory", real)
	c.MustBlock(stolen, real)
	rs := c.Block(sign(t, apptest.Key("mallory"), at(client.Forget("TEST", []string{real.ItemHash}, nil, ""), "1700000002")))
	if rs[0].Code != 0 || len(rs[0].Forgotten) != 0 || len(rs[0].StatusChanges) != 1 {
		t.Fatalf("forget: %d %s forgot %v, changes %+v", rs[0].Code, rs[0].Log, rs[0].Forgotten, rs[0].StatusChanges)
	}
	if m := rs[0].StatusChanges[0].Envelope; m == nil || m.Sender != real.Sender || rs[0].StatusChanges[0].Status != "pending" {
		t.Fatalf("promotion change %+v", rs[0].StatusChanges[0])
	}
	rec := record(t, c, real.ItemHash)
	if message.StatusName(rec.Status) != "pending" || rec.Message.Sender != real.Sender || rec.Owner != real.Sender {
		t.Fatalf("after the copy's withdrawal: %s from %s", message.StatusName(rec.Status), rec.Message.Sender)
	}
	if n, m := pendingBy(t, c, "alice"), pendingBy(t, c, "mallory"); n != 1 || m != 0 {
		t.Fatalf("pending counts: alice %d, mallory %d; want 1, 0", n, m)
	}
	c.Attest([]*pb.AttestedFile{contentFile(real, content)})
	if rec := record(t, c, real.ItemHash); message.StatusName(rec.Status) != "processed" || rec.Message.Sender != real.Sender {
		t.Fatalf("promoted message: %s from %s (%q)", message.StatusName(rec.Status), rec.Message.Sender, rec.Rejection)
	}
	// Alice may forget her own pending message with no contender left:
	// that forgets it.
	mine, _ := nonInline(t, "alice", message.ItemStorage, at(client.Post("TEST", "note", "mine too", ""), "1700000003"))
	c.MustBlock(mine)
	c.MustBlock(sign(t, apptest.Key("alice"), at(client.Forget("TEST", []string{mine.ItemHash}, nil, ""), "1700000004")))
	if s := c.Status(mine.ItemHash); s != "forgotten" {
		t.Fatalf("a pending message without contenders, forgotten: %s", s)
	}
}

// TestNonInlineContendersNoneAuthorized: when neither the pending message
// nor its contenders may act for the content's address, the pending one
// is rejected with its own reason and every count goes.
func TestNonInlineContendersNoneAuthorized(t *testing.T) {
	c := storeChain(t, 5)
	real, content := nonInline(t, "alice", message.ItemStorage, at(client.Post("TEST", "note", "alice's", ""), "1700000001"))
	c.MustBlock(copyAs(t, "mallory", real), copyAs(t, "carol", real), copyAs(t, "dave", real))
	rs := c.Attest([]*pb.AttestedFile{contentFile(real, content)})
	if rs[0].Code != 0 || len(rs[0].StatusChanges) != 1 || rs[0].StatusChanges[0].Status != "rejected" {
		t.Fatalf("record: %d %s %+v", rs[0].Code, rs[0].Log, rs[0].StatusChanges)
	}
	rec := record(t, c, real.ItemHash)
	want := fmt.Sprintf("%s/%d ", message.Codespace, message.ErrUnauthorized.Code)
	if message.StatusName(rec.Status) != "rejected" || rec.Message.Sender != addr("mallory") || !strings.HasPrefix(rec.Rejection, want) ||
		!strings.Contains(rec.Rejection, addr("mallory")) {
		t.Fatalf("record: %s from %s: %q, want mallory's %q...", message.StatusName(rec.Status), rec.Message.Sender, rec.Rejection, want)
	}
	for _, name := range []string{"mallory", "carol", "dave"} {
		if n := pendingBy(t, c, name); n != 0 {
			t.Fatalf("%s still counts %d pending", name, n)
		}
	}
	// The item_hash is settled: alice's own message is now a duplicate.
	if r := c.Block(real); r[0].Code != message.ErrDuplicate.Code {
		t.Fatalf("alice's message after the rejection: %d %s", r[0].Code, r[0].Log)
	}
}

// TestNonInlineContenderOrder: contenders are tried in key order (the
// sender's key), whatever order they came in, and no proposal can pick
// another: a record carries content, never a winner. Two chains that admit
// the same two authorized contenders in opposite orders pick the same one
// and agree on the app hash.
func TestNonInlineContenderOrder(t *testing.T) {
	content := func() (*pb.AlephMessage, []byte) {
		d := client.Post("TEST", "comment", "for alice", "")
		d.Content["address"] = addr("alice")
		return nonInline(t, "alice", message.ItemStorage, at(d, "1700000001"))
	}
	real, bytesOf := content()
	security := sign(t, apptest.Key("alice"), at(client.Aggregate("TEST", "security", map[string]any{
		"authorizations": []any{
			map[string]any{"address": addr("bob"), "types": []string{"POST"}},
			map[string]any{"address": addr("carol"), "types": []string{"POST"}},
		},
	}), "1700000000"))
	first := addr("bob")
	if chains.NormalizeAddress(addr("carol")) < chains.NormalizeAddress(first) {
		first = addr("carol")
	}
	var hashes [][]byte
	for _, order := range [][]string{{"bob", "carol"}, {"carol", "bob"}} {
		c := storeChain(t, 5)
		c.MustBlock(security, copyAs(t, "mallory", real))
		c.MustBlock(copyAs(t, order[0], real), copyAs(t, order[1], real))
		c.Attest([]*pb.AttestedFile{contentFile(real, bytesOf)})
		rec := record(t, c, real.ItemHash)
		if message.StatusName(rec.Status) != "processed" || rec.Message.Sender != first || rec.Owner != addr("alice") {
			t.Fatalf("order %v: %s from %s, want processed from %s (%q)", order, message.StatusName(rec.Status), rec.Message.Sender, first, rec.Rejection)
		}
		hashes = append(hashes, c.Hash)
	}
	if !bytes.Equal(hashes[0], hashes[1]) {
		t.Fatalf("app hashes differ with the contenders' arrival order: %x %x", hashes[0], hashes[1])
	}
}

// TestNonInlineContenderBounds: a contender counts against its sender's
// pending bound (message/28 past it).
func TestNonInlineContenderBounds(t *testing.T) {
	c := storeChain(t, 5)
	var flood []*pb.AlephMessage
	for i := 0; i < message.MaxPendingPerSender; i++ {
		m, _ := nonInline(t, "mallory", message.ItemStorage, at(client.Forget("TEST", []string{fmt.Sprintf("%064x", i)}, nil, ""), fmt.Sprint(1700000001+i)))
		flood = append(flood, m)
	}
	c.MustBlock(flood...)
	real, _ := nonInline(t, "alice", message.ItemStorage, at(client.Post("TEST", "note", "x", ""), "1700000001"))
	c.MustBlock(real)
	if r := c.Block(copyAs(t, "mallory", real)); r[0].Code != message.ErrTooManyPending.Code {
		t.Fatalf("a contender past the bound: %d %s", r[0].Code, r[0].Log)
	}
	// bob's contender counts: at the bound, bob cannot send another.
	c.MustBlock(copyAs(t, "bob", real))
	if n := pendingBy(t, c, "bob"); n != 1 {
		t.Fatalf("bob's contender counts %d", n)
	}
}

// TestNonInlineContendersExport: contenders are exported with their
// record and imported as they were (counts rebuilt); the imported chain
// picks the same winner. Exports without contenders do not name them.
func TestNonInlineContendersExport(t *testing.T) {
	c := storeChain(t, 5)
	plain, _, _ := c.App.ExportGenesis()
	if bytes.Contains(plain, []byte(`"contenders"`)) {
		t.Fatal("an export without contenders names them")
	}
	real, content := nonInline(t, "alice", message.ItemStorage, at(client.Post("TEST", "note", "exported", ""), "1700000001"))
	c.MustBlock(copyAs(t, "mallory", real), real)
	doc, _, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Message message.Genesis `json:"message"`
	}
	if err := json.Unmarshal(doc, &g); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, gm := range g.Message.Messages {
		if len(gm.Contenders) == 1 && bytes.Contains(gm.Contenders[0], []byte(real.Signature)) {
			found = true
		}
	}
	if !found {
		t.Fatal("alice's contender is not in the export")
	}
	imported := apptest.New(t, doc)
	imported.Block() // apptest checks the invariants
	if n := pendingBy(t, imported, "alice"); n != 1 {
		t.Fatalf("alice's pending count after import: %d", n)
	}
	imported.Attest([]*pb.AttestedFile{contentFile(real, content)})
	if rec := record(t, imported, real.ItemHash); message.StatusName(rec.Status) != "processed" || rec.Message.Sender != real.Sender {
		t.Fatalf("imported: %s from %s (%q)", message.StatusName(rec.Status), rec.Message.Sender, rec.Rejection)
	}
	// Contenders that could not be are refused: from the record's own
	// sender, or on a message that is not pending.
	for i, gm := range g.Message.Messages {
		if len(gm.Contenders) == 0 {
			continue
		}
		for name, edit := range map[string]func(gm *message.GenesisMessage){
			"same sender": func(gm *message.GenesisMessage) {
				gm.Contenders = []json.RawMessage{message.ToJSON(copyAs(t, "mallory", real))}
			},
			"processed": func(gm *message.GenesisMessage) { gm.Status = pb.MessageStatus_MESSAGE_STATUS_PROCESSED.String() },
		} {
			bad := g.Message
			bad.Messages = append([]message.GenesisMessage(nil), g.Message.Messages...)
			edit(&bad.Messages[i])
			if err := bad.Validate(); err == nil {
				t.Errorf("genesis with a contender (%s) validates", name)
			}
		}
	}
}
