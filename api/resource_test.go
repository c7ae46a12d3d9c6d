package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ipfs/go-cid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/api"
	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/crn"
	"github.com/alephd/alephd/index"
	"github.com/alephd/alephd/internal/ipfstest"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// chainState answers queries from a real app's committed state and runs
// each broadcast transaction in the app's next block, answering its
// result as CheckTx would.
type chainState struct{ appState }

func (s chainState) Broadcast(_ context.Context, tx []byte) (uint32, string, string, error) {
	r := s.c.BlockTxs(tx)[0]
	return r.Code, r.Codespace, r.Log, nil
}

// resourceNodeChain: the dev chain with an active CCN linking one resource
// node, crn-0, whose key is crnKey, and x/resource on (10-block epochs, 5
// to answer, 1 replica, no liveness slots).
func resourceNodeChain(t *testing.T) *apptest.Chain {
	t.Helper()
	return resourceNodeChainWith(t, nil)
}

// resourceNodeChainWith is resourceNodeChain with edit applied to the
// resource params, if not nil.
func resourceNodeChainWith(t *testing.T, edit func(*resource.Params)) *apptest.Chain {
	t.Helper()
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(app.DevGenesis(), &parts); err != nil {
		t.Fatal(err)
	}
	bg := balance.DefaultGenesis()
	if err := json.Unmarshal(parts["balance"], &bg); err != nil {
		t.Fatal(err)
	}
	owner, staker := apptest.Address(apptest.Key("ccn")), apptest.Address(apptest.Key("staker"))
	bg.Balances = append(bg.Balances, balance.Entry{Address: owner, Amount: "300000000000000000000000"},
		balance.Entry{Address: staker, Amount: "600000000000000000000000"},
		balance.Entry{Address: apptest.Address(apptest.Key("alice")), Amount: "100000000000000000000000"})
	ng := node.DefaultGenesis()
	ccn := &pb.NodeRecord{Hash: "ccn", Kind: pb.NodeKind_NODE_KIND_CORE, Owner: owner, Multiaddress: "/ip4/10.0.0.1/tcp/4025", ResourceNodes: []string{"crn-0"}}
	b, _ := protojson.Marshal(&pb.NodeRecord{Hash: "crn-0", Kind: pb.NodeKind_NODE_KIND_RESOURCE, Owner: staker, Type: "compute", Address: "https://crn0.example",
		Parent: "ccn", Pubkey: crypto.CompressPubkey(&apptest.Key("crn-0").PublicKey)})
	ng.Nodes = append(ng.Nodes, b)
	b, _ = protojson.Marshal(ccn)
	ng.Nodes = append(ng.Nodes, b)
	ng.Stakes = []node.GenesisStake{{Staker: staker, Nodes: []string{"ccn"}}}
	rg := resource.DefaultGenesis()
	rg.Params.Enabled, rg.Params.Replicas, rg.Params.ProbesPerEpoch = true, 1, 0
	rg.Params.EpochBlocks, rg.Params.ProofWindowBlocks = 10, 5
	if edit != nil {
		edit(&rg.Params)
	}
	for name, v := range map[string]any{"balance": bg, "node": ng, "resource": rg} {
		parts[name], _ = json.Marshal(v)
	}
	doc, _ := json.Marshal(parts)
	c := apptest.New(t, doc)
	c.MustBlock()
	return c
}

// TestComputeResourceRoutes: /api/v0/compute/{node}/files lists a resource
// node's assigned file and /challenges its open challenges (chunk size,
// deadline, and the chain id proofs are signed for); POST /proofs takes a signed StorageProof built
// from the file and the chain marks the challenge passed; a proof of
// another node, a body that is no proof, and a replay are refused.
func TestComputeResourceRoutes(t *testing.T) {
	ctx := context.Background()
	c := resourceNodeChain(t)
	x, err := index.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	srv := httptest.NewServer(api.New(x, chainState{appState{c: c}}, openStore(t)).Handler())
	t.Cleanup(srv.Close)
	a := apiClient{t, srv.URL}

	var files app.ResourceFilesView
	if code, raw := a.getJSON("/api/v0/compute/crn-0/files", &files); code != http.StatusOK || len(files.Files) != 0 {
		t.Fatalf("files before any STORE: %d %s", code, raw)
	}
	// An IPFS file of 2 leaves, STOREd and attested.
	data := bytes.Repeat([]byte("0123456789abcdef"), 20000)
	_, e := ipfstest.Open(t)
	root, _, err := e.Add(ctx, bytes.NewReader(data), content.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := client.Store("TEST", root.String(), "ipfs", 0)
	d.Time = apptest.Time(c.Height + 1)
	store, err := client.Sign(apptest.Key("alice"), d)
	if err != nil {
		t.Fatal(err)
	}
	c.MustBlock(store)
	c.Attest([]*pb.AttestedFile{attestedIPFS(t, e, store, root, uint64(len(data)))})
	for c.Height < 11 { // epoch 1 opens at 11: the file is assigned, the challenges drawn
		c.MustBlock()
	}
	if code, raw := a.getJSON("/api/v0/compute/crn-0/files", &files); code != http.StatusOK || len(files.Files) != 1 ||
		files.Files[0] != (app.ResourceFileView{Hash: root.String(), Type: "ipfs", Size: uint64(len(data))}) || files.Height != 11 {
		t.Fatalf("files: %d %s", code, raw)
	}
	var ch app.ResourceChallengesView
	if code, raw := a.getJSON("/api/v0/compute/crn-0/challenges", &ch); code != http.StatusOK || ch.Epoch != 1 || len(ch.Challenges) != 4 {
		t.Fatalf("challenges: %d %s", code, raw)
	}
	if ch.Limits != (app.ResourceProofLimits{MaxProofBytes: 2_621_440, MaxProofDepth: 8, MaxBlockBytes: 2 << 20}) {
		t.Fatalf("the chain's proof limits: %+v", ch.Limits)
	}
	first := ch.Challenges[0]
	if first.File != root.String() || first.ChunkSize != 1 || first.Deadline != 15 || first.Passed || first.Size != uint64(len(data)) {
		t.Fatalf("challenge: %+v", first)
	}

	p := &pb.StorageProof{Node: "crn-0", Epoch: first.Epoch, Slot: first.Slot, File: first.File, Index: first.Index}
	p.Blocks, err = proof.ProveIPFS(ctx, e.Block, cid.MustParse(first.File), first.Size, first.Index*first.ChunkSize, proof.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if err := resource.SignProof(ch.ChainID, p, apptest.Key("crn-0")); err != nil {
		t.Fatal(err)
	}
	body, _ := proto.Marshal(p)
	post := func(node string, body []byte) (int, map[string]any) {
		code, out, _ := a.do(http.MethodPost, "/api/v0/compute/"+node+"/proofs", "application/x-protobuf", body)
		return code, out
	}
	if code, out := post("crn-1", body); code != http.StatusBadRequest {
		t.Fatalf("a proof posted for another node: %d %v", code, out)
	}
	if code, out := post("crn-0", []byte("not a proof")); code != http.StatusBadRequest {
		t.Fatalf("garbage: %d %v", code, out)
	}
	if code, out := post("crn-0", make([]byte, app.MaxTxBytes+1)); code != http.StatusBadRequest {
		t.Fatalf("a body no mempool takes: %d %v", code, out)
	}
	code, out := post("crn-0", body)
	if code != http.StatusOK || out["code"] != float64(0) || len(out["tx_hash"].(string)) != 64 {
		t.Fatalf("the proof: %d %v", code, out)
	}
	if code, raw := a.getJSON("/api/v0/compute/crn-0/challenges", &ch); code != http.StatusOK || !ch.Challenges[0].Passed || ch.Challenges[1].Passed {
		t.Fatalf("after the proof: %d %s", code, raw)
	}
	if code, out := post("crn-0", body); code != http.StatusUnprocessableEntity || out["codespace"] != resource.Codespace {
		t.Fatalf("a replay: %d %v", code, out)
	}
}

// countingChain is chainState counting the transactions broadcast.
type countingChain struct {
	chainState
	sent *int
}

func (s countingChain) Broadcast(ctx context.Context, tx []byte) (uint32, string, string, error) {
	*s.sent++
	return s.chainState.Broadcast(ctx, tx)
}

// TestComputeProofLimits: a chain whose max_proof_bytes is 262,144 says so
// in /challenges, and a resource node (crn.Node, fetching from this API)
// following it builds a proof at a byte of the first leaf of a 2-leaf IPFS
// file (the 256 KiB leaf and its root block) over that limit: it records
// it refused, saying which limit, and does not send it; it sends the proofs
// at bytes of the second leaf (a short one), which the chain passes. With
// chunk_size 1 a challenge's index is the byte it asks for. The node is
// configured with a CCN that is down and one on another chain before this
// one: it passes over both (the other chain's files and challenges, none,
// would leave it nothing to prove) and follows this one.
func TestComputeProofLimits(t *testing.T) {
	ctx := context.Background()
	c := resourceNodeChainWith(t, func(p *resource.Params) { p.MaxProofBytes = 262144 })
	x, err := index.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	files := openStore(t)
	sent := 0
	srv := httptest.NewServer(api.New(x, countingChain{chainState{appState{c: c}}, &sent}, files).Handler())
	t.Cleanup(srv.Close)
	a := apiClient{t, srv.URL}

	data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320,000 bytes: leaves of 262,144 and 57,856
	e, err := files.IPFS()
	if err != nil {
		t.Fatal(err)
	}
	root, _, err := e.Add(ctx, bytes.NewReader(data), content.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := client.Store("TEST", root.String(), "ipfs", 0)
	d.Time = apptest.Time(c.Height + 1)
	store, err := client.Sign(apptest.Key("alice"), d)
	if err != nil {
		t.Fatal(err)
	}
	c.MustBlock(store)
	c.Attest([]*pb.AttestedFile{attestedIPFS(t, e, store, root, uint64(len(data)))})
	for c.Height < 11 {
		c.MustBlock()
	}
	var ch app.ResourceChallengesView
	if code, raw := a.getJSON("/api/v0/compute/crn-0/challenges", &ch); code != http.StatusOK || ch.Limits.MaxProofBytes != 262144 || len(ch.Challenges) != 4 {
		t.Fatalf("challenges: %d %s", code, raw)
	}
	leaf := func(index uint64) uint64 { return index / 262144 } // chunk_size 1: the index is the byte
	index := map[uint64]int{}
	for _, x := range ch.Challenges {
		index[leaf(x.Index)]++
	}
	if index[0] == 0 || index[1] == 0 {
		t.Fatalf("epoch 1 drew %v in each leaf: the test needs both leaves drawn (the draw follows the app hash; change the file's bytes)", index)
	}

	s, err := crn.OpenStore(t.TempDir(), http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	otherChain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"node_id":"crn-0","chain_id":"another-chain","height":11,"epoch":1,"files":[],"challenges":[]}`))
	}))
	t.Cleanup(otherChain.Close)
	ccns := []string{down.URL, otherChain.URL, srv.URL}
	n, err := crn.New(crn.Config{CCNs: ccns, NodeHash: "crn-0", ChainID: ch.ChainID}, apptest.Key("crn-0"), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the first step fetches the file, the second proves
		if err := n.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st := n.Status()
	if st.CCN != srv.URL || !slices.Equal(st.CCNs, ccns) {
		t.Fatalf("the node follows %s of %v, want %s: %+v", st.CCN, st.CCNs, srv.URL, st)
	}
	if len(st.Proofs) != 4 || sent != index[1] {
		t.Fatalf("%d proofs sent, want %d: %+v", sent, index[1], st.Proofs)
	}
	for _, r := range st.Proofs {
		switch {
		case leaf(r.Index) == 0 && (r.Result != "refused" || !strings.Contains(r.Error, "max_proof_bytes 262144") || r.TxHash != ""):
			t.Fatalf("a proof in the first leaf: %+v", r)
		case leaf(r.Index) == 1 && r.Result != "submitted":
			t.Fatalf("a proof in the second leaf: %+v", r)
		}
	}
	if code, raw := a.getJSON("/api/v0/compute/crn-0/challenges", &ch); code != http.StatusOK {
		t.Fatalf("challenges: %d %s", code, raw)
	}
	for _, x := range ch.Challenges {
		if x.Passed != (leaf(x.Index) == 1) {
			t.Fatalf("after the proofs: %+v", ch.Challenges)
		}
	}

	// The next sync sees the proofs passed. The node's /metrics counts
	// what it did: one file fetched, its proofs by result, and the two
	// requests the first CCNs failed.
	if err := n.Step(ctx); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		fmt.Sprintf(`alephd_crn_proofs_total{result="submitted"} %d`, index[1]),
		fmt.Sprintf(`alephd_crn_proofs_total{result="passed"} %d`, index[1]),
		fmt.Sprintf(`alephd_crn_proofs_total{result="refused"} %d`, index[0]),
		`alephd_crn_proofs_total{result="missing"} 0`,
		`alephd_crn_fetches_total{result="ok"} 1`,
		`alephd_crn_fetched_bytes_total 320000`,
		`alephd_crn_files_held 1`,
		`alephd_crn_held_bytes 320000`,
		`alephd_crn_ccn_failures_total 2`,
		`alephd_crn_epoch 1`,
	} {
		if !strings.Contains(rec.Body.String(), want+"\n") {
			t.Fatalf("/metrics lacks %q:\n%s", want, rec.Body)
		}
	}
}

// attestedIPFS is what validators attest of an IPFS STORE on a chain with
// resource nodes on: its size and its DAG's block bytes (proof.WalkBytes
// over the embedded store's blocks), without which the file is never
// assigned.
func attestedIPFS(t *testing.T, e *content.Embedded, store *pb.AlephMessage, root cid.Cid, size uint64) *pb.AttestedFile {
	t.Helper()
	dag, err := proof.WalkBytes(context.Background(), e.Block, root, size, resource.MaxDAGBytes(size))
	if err != nil {
		t.Fatal(err)
	}
	return &pb.AttestedFile{ItemHash: store.ItemHash, Size: size, DagBytes: dag}
}
