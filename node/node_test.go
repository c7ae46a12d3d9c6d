package node_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/node"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

func initHome(t testing.TB, home string, o node.InitOptions) node.InitOptions {
	t.Helper()
	o.RPCListen, o.P2PListen, o.TimeoutCommit = "tcp://"+testnode.FreeAddr(t), "tcp://"+testnode.FreeAddr(t), 100*time.Millisecond
	if _, err := node.Init(home, o); err != nil {
		t.Fatal(err)
	}
	return o
}

func start(t *testing.T, home string) (*node.Node, *client.Client) {
	t.Helper()
	n, err := node.Start(home, node.Options{Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	return n, c
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestLifecycle runs a real CometBFT node in-process: messages submitted over
// RPC commit, queries answer with verified proofs, and a restart from the
// same home comes back at the same height and app hash with the same answers.
// An export then starts a new chain holding the same messages.
func TestLifecycle(t *testing.T) {
	home := filepath.Join(t.TempDir(), "node")
	initHome(t, home, node.InitOptions{ChainID: "lifecycle", AppState: app.DevGenesis()})
	n, c := start(t, home)

	k := apptest.Key("lifecycle")
	var hashes []string
	var first client.Result
	var firstMsg *pb.AlephMessage
	for i := 0; i < 5; i++ {
		m, err := client.Sign(k, client.Post("TEST", "note", fmt.Sprintf("note %d", i), ""))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Submit(ctx(t), m)
		if err != nil || !res.OK() || res.Height == 0 {
			t.Fatalf("submit %d: %+v %v", i, res, err)
		}
		if i == 0 {
			first, firstMsg = res, m
		}
		hashes = append(hashes, m.ItemHash)
	}
	// The same bytes again answer with what became of them, in both modes.
	if again, err := c.Submit(ctx(t), firstMsg); err != nil || again != first {
		t.Fatalf("submitted again: %+v %v, first: %+v", again, err, first)
	}
	if again, err := c.SubmitAsync(ctx(t), firstMsg); err != nil || again != first {
		t.Fatalf("submitted again without waiting: %+v %v, first: %+v", again, err, first)
	}
	bad, _ := client.Sign(k, client.Post("TEST", "note", "tampered", ""))
	bad.ItemContent = []byte(`{"tampered":true}`)
	if res, err := c.Submit(ctx(t), bad); err != nil || res.OK() || res.Stage != "check" {
		t.Fatalf("tampered message: %+v %v", res, err)
	}

	q, err := c.Query(ctx(t), app.PathMessage, []byte(hashes[0]), 0, true)
	if err != nil || q.Value == nil || !q.Verified {
		t.Fatalf("proven query: %+v %v", q, err)
	}
	absent, err := c.Query(ctx(t), app.PathMessage, []byte("00"), 0, true)
	if err != nil || absent.Value != nil || !absent.Verified {
		t.Fatalf("proof of absence: %+v %v", absent, err)
	}

	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	height, hash := n.App.LastCommit() // stopped: nothing else touches the app

	n, c = start(t, home)
	if err := c.WaitForHeight(ctx(t), height+2); err != nil {
		t.Fatal(err)
	}
	h := height + 1
	commit, err := c.RPC().Commit(ctx(t), &h)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(commit.SignedHeader.Header.AppHash, hash) {
		t.Fatalf("after restart, state %d has app hash %X, before %X", height, commit.SignedHeader.Header.AppHash, hash)
	}
	for _, hsh := range hashes {
		if q, err := c.Query(ctx(t), app.PathMessage, []byte(hsh), 0, false); err != nil || q.Value == nil {
			t.Fatalf("after restart, message %s: %v", hsh, err)
		}
	}
	// The mempool cache is gone with the restart: the same bytes still
	// answer with their block, while another transaction carrying an
	// accepted message (its envelope time is not signed) is a duplicate.
	if again, err := c.Submit(ctx(t), firstMsg); err != nil || again != first {
		t.Fatalf("after restart, submitted again: %+v %v, first: %+v", again, err, first)
	}
	other := proto.Clone(firstMsg).(*pb.AlephMessage)
	other.Time = "1700000000.5"
	if res, err := c.Submit(ctx(t), other); err != nil || res.Stage != "check" ||
		res.Codespace != message.ErrDuplicate.Codespace || res.Code != message.ErrDuplicate.Code {
		t.Fatalf("another transaction for an accepted message: %+v %v", res, err)
	}
	before, _ := c.Query(ctx(t), app.PathPost, []byte(hashes[2]), 0, false)
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	// Export, and start a new chain from it with the same validator key.
	doc, err := node.ExportGenesis(home)
	if err != nil {
		t.Fatal(err)
	}
	genesis := filepath.Join(t.TempDir(), "exported.json")
	b, _ := cmtjson.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(genesis, b, 0o644); err != nil {
		t.Fatal(err)
	}
	home2 := filepath.Join(t.TempDir(), "restarted")
	initHome(t, home2, node.InitOptions{Genesis: genesis, PrivValidatorKey: filepath.Join(home, "config", "priv_validator_key.json")})
	n2, c2 := start(t, home2)
	defer func() {
		if err := n2.Stop(); err != nil {
			t.Error(err)
		}
	}()
	// CometBFT reports a height once the block is stored, just before the
	// app commits it: wait one more block so the first commit is done.
	if err := c2.WaitForHeight(ctx(t), doc.InitialHeight+1); err != nil {
		t.Fatal(err)
	}
	after, err := c2.Query(ctx(t), app.PathPost, []byte(hashes[2]), 0, false)
	if err != nil {
		t.Fatalf("post on the exported chain: %v", err)
	}
	if after.Value == nil || !bytes.Equal(before.Value, after.Value) {
		t.Fatalf("post on the exported chain:\n%s\nbefore:\n%s", after.Value, before.Value)
	}
}
