package abci

import (
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"testing"

	abcitypes "github.com/cometbft/cometbft/abci/types"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	alephclient "github.com/alephd/alephd/client"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/attest"
	"github.com/alephd/alephd/x/message"
)

func (panickingAttester) Content(string) ([]byte, bool) { panic("fetcher bug") }

// contentHolder is a node's store of verified content, as the fetcher
// keeps it: it attests nothing by itself (the test signs the votes).
type contentHolder struct {
	mu    sync.Mutex
	bytes map[string][]byte
}

func (h *contentHolder) Verified([]message.PendingStore) []*pb.AttestedFile { return nil }

func (h *contentHolder) Content(hash string) ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.bytes[hash]
	return b, ok
}

// pendingContent commits a block with a POST whose content is in
// "storage" and returns it with its content.
func (c *valChain) pendingContent(name, text string) (*pb.AlephMessage, []byte) {
	c.t.Helper()
	m, err := alephclient.Sign(apptest.Key(name), alephclient.Post("TEST", "note", text, ""))
	if err != nil {
		c.t.Fatal(err)
	}
	content := m.ItemContent
	m.ItemType, m.ItemContent = message.ItemStorage, nil
	res := c.commit(c.propose(app.EncodeTx(m)))
	if r := res.TxResults[len(res.TxResults)-1]; r.Code != 0 {
		c.t.Fatalf("non-inline POST refused: %s", r.Log)
	}
	return m, content
}

func claimOf(m *pb.AlephMessage, content []byte) *pb.AttestedFile {
	sum := sha256.Sum256(content)
	return &pb.AttestedFile{ItemHash: m.ItemHash, Size: uint64(len(content)), Sha256: sum[:]}
}

// TestProposalCarriesAttestedContent: once every validator attests a
// non-inline POST's content, the proposer's record carries the bytes from
// its store, the block is accepted and the POST processed; each way a
// proposer may carry other bytes is refused; a proposer without the bytes
// cannot make an acceptable block.
func TestProposalCarriesAttestedContent(t *testing.T) {
	a, b, cv, d := newTestValidator("A", 10), newTestValidator("B", 20), newTestValidator("C", 30), newTestValidator("D", 40)
	vals := []testValidator{a, b, cv, d}
	setup := func(t *testing.T, hold bool) (*valChain, *pb.AlephMessage, []byte, *pb.AlephMessage) {
		c := newValChain(t, vals...)
		holder := &contentHolder{bytes: map[string][]byte{}}
		c.s.SetAttester(holder)
		c.commit(c.propose())
		post, content := c.pendingContent("alice", strings.Repeat("large ", 10_000))
		store := c.pendingStore("bob")
		if hold {
			holder.bytes[post.ItemHash] = content
		}
		c.attestAll(vals, claimOf(post, content), &pb.AttestedFile{ItemHash: store.ItemHash, Size: 64})
		c.last = c.sign(c.height, 0, vals, c.exts)
		return c, post, content, store
	}

	t.Run("honest", func(t *testing.T) {
		c, post, content, _ := setup(t, true)
		p := c.propose()
		rec := app.DecodeAttestation(p.Txs[0])
		if rec == nil || len(rec.Files) != 2 {
			t.Fatalf("record: %v", rec)
		}
		c.exts = map[string][]byte{}
		c.commit(p)
		if s := c.status(post.ItemHash); s != "processed" {
			t.Fatalf("attested POST is %s", s)
		}
		res, err := c.s.app.Query(app.PathMessage, []byte(post.ItemHash), 0, false)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := app.DecodeMessageRecord(res.Value)
		if string(got.Message.ItemContent) != string(content) {
			t.Fatal("the processed POST does not keep the attested content")
		}
	})

	t.Run("proposer without the bytes", func(t *testing.T) {
		c, _, _, _ := setup(t, false)
		p := c.propose()
		if len(p.Txs) > 0 && app.DecodeAttestation(p.Txs[0]) != nil {
			rec := app.DecodeAttestation(p.Txs[0])
			t.Fatalf("a proposer lacking attested content proposed a record: %v", rec)
		}
		if ok, err := c.verdict(p); ok || !strings.Contains(errString(err), "does not open with the attestation record") {
			t.Fatalf("its block: accepted %v, %v", ok, err)
		}
	})

	entry := func(rec *pb.Attestation, hash string) *pb.AttestedFile {
		for _, f := range rec.Files {
			if f.ItemHash == hash {
				return f
			}
		}
		return nil
	}
	forgeries := []struct {
		name, want string
		alter      func(rec *pb.Attestation, post, store *pb.AlephMessage, content []byte)
	}{
		{"wrong bytes", "whose sha256 is", func(rec *pb.Attestation, post, _ *pb.AlephMessage, content []byte) {
			entry(rec, post.ItemHash).Content = []byte(strings.ToUpper(string(content)))
		}},
		{"truncated bytes", "carries 60107 bytes of content, validators attested 60108", func(rec *pb.Attestation, post, _ *pb.AlephMessage, _ []byte) {
			f := entry(rec, post.ItemHash)
			f.Content = f.Content[:len(f.Content)-1]
		}},
		{"attested content omitted", "bytes of content, validators attested", func(rec *pb.Attestation, post, _ *pb.AlephMessage, _ []byte) {
			entry(rec, post.ItemHash).Content = nil
		}},
		{"bytes for content not attested", "which nothing attested", func(rec *pb.Attestation, _, store *pb.AlephMessage, _ []byte) {
			entry(rec, store.ItemHash).Content = []byte(`{"address":"x"}`)
		}},
		{"bytes and digest swapped together", "the evidence attests", func(rec *pb.Attestation, post, _ *pb.AlephMessage, _ []byte) {
			other := []byte(`{"type":"note","address":"0x0","content":"forged","time":1}`)
			sum := sha256.Sum256(other)
			f := entry(rec, post.ItemHash)
			f.Content, f.Sha256, f.Size = other, sum[:], uint64(len(other))
		}},
		{"attested content's entry dropped", "lists 1 files, the evidence attests 2", func(rec *pb.Attestation, post, _ *pb.AlephMessage, _ []byte) {
			var keep []*pb.AttestedFile
			for _, f := range rec.Files {
				if f.ItemHash != post.ItemHash {
					keep = append(keep, f)
				}
			}
			rec.Files = keep
		}},
	}
	for _, f := range forgeries {
		t.Run(f.name, func(t *testing.T) {
			c, post, content, store := setup(t, true)
			p := c.propose()
			if ok, err := c.verdict(p); !ok {
				t.Fatalf("the honest proposal was refused: %v", err)
			}
			withRecord(func(rec *pb.Attestation) { f.alter(rec, post, store, content) })(t, c, p)
			ok, err := c.verdict(p)
			if ok || !errors.Is(err, errRefused) || !strings.Contains(err.Error(), f.want) {
				t.Fatalf("accepted %v, refused with %v; want a refusal saying %q", ok, err, f.want)
			}
		})
	}
}

// TestVoteExtensionCarriesNoContent: content travels only in the
// proposer's record; a vote extension carrying bytes, or a digest that is
// not a sha256, is refused.
func TestVoteExtensionCarriesNoContent(t *testing.T) {
	c := newValChain(t, newTestValidator("A", 10))
	for name, f := range map[string]*pb.AttestedFile{
		"content":      {ItemHash: "ab", Size: 2, Sha256: make([]byte, 32), Content: []byte("{}")},
		"short sha256": {ItemHash: "ab", Size: 2, Sha256: make([]byte, 31)},
	} {
		b := attest.EncodeVote(&pb.VoteExtension{Files: []*pb.AttestedFile{f}})
		res, err := c.s.VerifyVoteExtension(t.Context(), &abcitypes.RequestVerifyVoteExtension{Height: 2, VoteExtension: b})
		if err != nil || res.Status != abcitypes.ResponseVerifyVoteExtension_REJECT {
			t.Errorf("an extension with %s: %v %v", name, res.Status, err)
		}
	}
}
