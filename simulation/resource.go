package simulation

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"path/filepath"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/go-cid"
	flatfs "github.com/ipfs/go-ds-flatfs"

	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/keys"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/resource"
	"github.com/alephd/alephd/x/resource/proof"
)

// resourceChainID is the resource scenario's chain id: proofs sign it, and
// a proof signed for another chain is one of the lies.
const resourceChainID = "alephd-sim"

// behaviour is what a simulated resource node does with its challenges.
type behaviour int

const (
	// honest answers every challenge with a valid signed proof.
	honest behaviour = iota
	// liar answers about half its challenges honestly and the rest with
	// refused proofs (a tampered chunk, a wrong path, a signature for
	// another chain), and sends replays and proofs in other nodes' names.
	liar
	// silent sends nothing.
	silent
)

func (b behaviour) String() string { return [...]string{"honest", "liar", "silent"}[b] }

// crn is one simulated resource node: its proof key, its registration
// (the create-resource-node message's item_hash) and what it does.
type crn struct {
	key   *ecdsa.PrivateKey
	hash  string
	owner *ecdsa.PrivateKey
	does  behaviour
	// ccn is the index of the CCN it is linked to; revived is set once a
	// silent node unlinked for it restarted (honest since) and its CCN's
	// owner linked it again.
	ccn     int
	revived bool
	// answerAt is the height at which it answers each epoch's challenges.
	answerAt map[uint64]int64
}

// simFile is a file the uploader STOREs: an IPFS file imported into the
// embedded IPFS store, or a sha256 file whose bytes the simulation keeps,
// so its holders can prove its chunks.
type simFile struct {
	hash string
	root cid.Cid // an IPFS file's
	data []byte  // a sha256 file's
	size uint64
	// chunkRoot is a sha256 file's root, as validators attest it.
	chunkRoot []byte
	// dagBytes is an IPFS file's DAG size, as validators attest it.
	dagBytes uint64
	store    string // the STORE's item_hash, once sent
	// forgotten is set once a FORGET of its STORE is sent; processedAt and
	// forgottenAt are the heights at which its STORE was processed and
	// forgotten (0: not yet).
	forgotten                bool
	processedAt, forgottenAt int64
}

// Resource scenario sizes: three CCNs, each linking two of the six CRNs
// (the simulation's max_linked_resource_nodes), and the files stored over
// the run.
const (
	resCCNs  = 3
	resCRNs  = 6
	resFiles = 10
)

// resourceSim drives resource nodes through a run: their registration and
// links, the files they hold, and their answers to each epoch's
// challenges. It draws from its own seeded source, so the message mix of
// the run (the generator's) is the one the same seed gives without it.
type resourceSim struct {
	rng      *rand.Rand
	params   resource.Params
	get      proof.BlockGetter
	ccnOwner []*ecdsa.PrivateKey
	stakers  []*ecdsa.PrivateKey
	uploader *ecdsa.PrivateKey
	ccns     []string
	crns     []*crn
	files    []*simFile
	next     int                // the next file to STORE
	attest   []*pb.AttestedFile // STOREs sent in the last block, to attest in this one
	n        int                // messages drawn, to keep contents distinct
	// accepted are the proof transactions accepted so far, which liars
	// replay.
	accepted []proofTx
	// forged counts the probe answers liars signed in silent nodes' names.
	forged int
	// relink are the restarted nodes their CCN links again in the next
	// block.
	relink []*crn
	// lied are the challenges liars lied on, in order.
	lied []lie
	// lies and extras count the lies told, to take their kinds in turn.
	lies, extras int
}

// resourceParams are x/resource's params in the scenario: epochs of 8
// blocks answered within 5, 2 replicas, scores over 4 epochs, unlinked
// after 2 epochs at 0, and 4 liveness slots of 2 blocks an epoch (the
// last too short to open: 3 count).
func resourceParams() resource.Params {
	p := resource.DefaultParams()
	p.Enabled = true
	p.EpochBlocks, p.ProofWindowBlocks = 8, 5
	p.ScoreWindowEpochs, p.ZeroScoreEpochs = 4, 2
	p.ProbesPerEpoch = 4
	return p
}

// newResourceSim builds the scenario's actors from seed, and imports its
// files into an embedded IPFS store under dir.
func newResourceSim(seed int64, dir string) (*resourceSim, error) {
	r := &resourceSim{rng: rand.New(rand.NewSource(seed ^ 0x5eed)), params: resourceParams()}
	for i := range resCCNs {
		r.ccnOwner = append(r.ccnOwner, keys.FromSeed(fmt.Sprintf("sim-res-ccn-%d", i)))
		r.stakers = append(r.stakers, keys.FromSeed(fmt.Sprintf("sim-res-staker-%d", i)))
	}
	r.uploader = keys.FromSeed("sim-res-uploader")
	// at least two nodes of each behaviour, in a seeded order
	does := []behaviour{honest, honest, liar, liar, silent, silent}
	r.rng.Shuffle(len(does), func(i, j int) { does[i], does[j] = does[j], does[i] })
	for i := range resCRNs {
		r.crns = append(r.crns, &crn{key: keys.FromSeed(fmt.Sprintf("sim-res-crn-key-%d", i)),
			owner: keys.FromSeed(fmt.Sprintf("sim-res-crn-owner-%d", i)), does: does[i], ccn: i / 2, answerAt: map[uint64]int64{}})
	}
	return r, r.importFiles(dir)
}

// simLeaf is the leaf size of the scenario's IPFS files: the embedded
// store imports as kubo's defaults do, in 256 KiB leaves.
const simLeaf = 262144

// importFiles makes the scenario's files (seeded bytes, from under one
// leaf to six IPFS leaves): every third a sha256 file, with its chunk
// root at root_chunk_size, the others IPFS files (CIDv0 and CIDv1)
// imported with alephd's embedded IPFS store, as a resource node would
// hold them; their blocks are then read back from the flatfs it wrote.
func (r *resourceSim) importFiles(dir string) error {
	s, err := content.Open(dir)
	if err != nil {
		return err
	}
	e, err := s.IPFS()
	if err != nil {
		return err
	}
	for i := range resFiles {
		b := make([]byte, 1+r.rng.Intn(6*simLeaf))
		_, _ = r.rng.Read(b) // never fails
		f := &simFile{size: uint64(len(b))}
		if i%3 == 2 {
			sum := sha256.Sum256(b)
			f.hash, f.data = hex.EncodeToString(sum[:]), b
			if f.chunkRoot, _, err = proof.ChunkRoot(bytes.NewReader(b), int(r.params.RootChunkSize)); err != nil {
				return err
			}
		} else {
			if f.root, _, err = e.Add(context.Background(), bytes.NewReader(b), content.AddOptions{CIDv1: i%2 == 0, Pin: true}); err != nil {
				return err
			}
			f.hash = f.root.String()
		}
		r.files = append(r.files, f)
	}
	if err := s.Close(); err != nil {
		return err
	}
	ds, err := flatfs.Open(filepath.Join(dir, "ipfs", "blocks"), false)
	if err != nil {
		return err
	}
	bs := blockstore.NewBlockstore(ds, blockstore.NoPrefix())
	r.get = func(ctx context.Context, c cid.Cid) ([]byte, error) {
		blk, err := bs.Get(ctx, c)
		if err != nil {
			return nil, err
		}
		return blk.RawData(), nil
	}
	for _, f := range r.files {
		if f.data == nil {
			if f.dagBytes, err = proof.WalkBytes(context.Background(), r.get, f.root, f.size, resource.MaxDAGBytes(f.size)); err != nil {
				return err
			}
		}
	}
	return nil
}

// genesis adds the scenario to the generator's genesis doc: x/resource on,
// and ALEPH for the CCN owners, their stakers (enough to activate the
// CCNs), the CRN owners and the uploader.
func (r *resourceSim) genesis(doc json.RawMessage) json.RawMessage {
	parts := map[string]json.RawMessage{}
	if err := json.Unmarshal(doc, &parts); err != nil {
		panic(err)
	}
	var bal balance.Genesis
	if err := json.Unmarshal(parts["balance"], &bal); err != nil {
		panic(err)
	}
	give := func(k *ecdsa.PrivateKey, aleph int) {
		bal.Balances = append(bal.Balances, balance.Entry{Address: apptest.Address(k), Amount: fmt.Sprintf("%d000000000000000000", aleph)})
	}
	for i := range resCCNs {
		give(r.ccnOwner[i], 1000)
		give(r.stakers[i], 500)
	}
	for _, n := range r.crns {
		give(n.owner, 100)
	}
	give(r.uploader, 100000)
	rg := resource.DefaultGenesis()
	rg.Params = r.params
	parts["balance"], _ = json.Marshal(bal)
	parts["resource"], _ = json.Marshal(rg)
	out, _ := json.Marshal(parts)
	return out
}

// sign signs a draft of k's at block time t.
func (r *resourceSim) sign(k *ecdsa.PrivateKey, d client.Draft, t time.Time) *pb.AlephMessage {
	r.n++
	d.Time = t
	d.Content["time"] = json.Number(fmt.Sprintf("%d.%03d", t.Unix(), r.n%1000))
	m, err := client.Sign(k, d)
	if err != nil {
		panic(err)
	}
	return m
}

// operation signs a corechan-operation.
func (r *resourceSim) operation(k *ecdsa.PrivateKey, action, ref string, details map[string]any, t time.Time) *pb.AlephMessage {
	return r.sign(k, client.Post("FOUNDATION", "corechan-operation", map[string]any{"action": action, "tags": []string{action}, "details": details}, ref), t)
}

// messages are the scenario's messages for block b at time t: the CCNs and
// the CRNs (with their keys and capacities) in the first block, stakes
// that activate the CCNs in the second, links in the third; then links of
// restarted nodes, STOREs of the files over the first two thirds of the
// run and, now and then, a FORGET of one stored earlier. Every one of them
// must be accepted.
func (r *resourceSim) messages(b, blocks int, t time.Time) []*pb.AlephMessage {
	var out []*pb.AlephMessage
	switch b {
	case 0:
		for i, k := range r.ccnOwner {
			m := r.operation(k, node.ActionCreateNode, "", map[string]any{"name": fmt.Sprint("res-ccn-", i), "multiaddress": fmt.Sprintf("/ip4/10.9.0.%d/tcp/4025", i)}, t)
			r.ccns = append(r.ccns, m.ItemHash)
			out = append(out, m)
		}
		for i, n := range r.crns {
			m := r.operation(n.owner, node.ActionCreateResourceNode, "", map[string]any{
				"name": fmt.Sprint("res-crn-", i), "type": "compute", "address": fmt.Sprintf("https://res-crn%d.sim", i),
				"pubkey":   hex.EncodeToString(crypto.CompressPubkey(&n.key.PublicKey)),
				"capacity": (1 + r.rng.Intn(4)) << 30,
			}, t)
			n.hash = m.ItemHash
			out = append(out, m)
		}
		return out
	case 1:
		for i, k := range r.stakers {
			out = append(out, r.operation(k, node.ActionStake, r.ccns[i], map[string]any{}, t))
		}
		return out
	case 2:
		for _, n := range r.crns {
			out = append(out, r.operation(r.ccnOwner[n.ccn], node.ActionLink, n.hash, map[string]any{}, t))
		}
		return out
	}
	for _, n := range r.relink {
		out = append(out, r.operation(r.ccnOwner[n.ccn], node.ActionLink, n.hash, map[string]any{}, t))
	}
	r.relink = nil
	if r.next < len(r.files) && b < 2*blocks/3 && r.rng.Intn(3) > 0 {
		f := r.files[r.next]
		r.next++
		kind := "ipfs"
		if f.data != nil {
			kind = "storage"
		}
		m := r.sign(r.uploader, client.Store("SIM-RES", f.hash, kind, int64(f.size)), t)
		f.store = m.ItemHash
		r.attest = append(r.attest, &pb.AttestedFile{ItemHash: m.ItemHash, Size: f.size, ChunkRoot: f.chunkRoot, DagBytes: f.dagBytes})
		out = append(out, m)
	}
	if r.rng.Intn(8) == 0 && r.live() > 3 {
		// a file whose STORE was processed in an earlier block, of
		// either kind: releasing a CID beside live sha256 files is what
		// TestReleaseKeepsOtherFiles pins
		var can []*simFile
		for _, f := range r.files[:r.next] {
			if !f.forgotten && f.processedAt > 0 {
				can = append(can, f)
			}
		}
		if len(can) > 0 {
			f := can[r.rng.Intn(len(can))]
			f.forgotten = true
			out = append(out, r.sign(r.uploader, client.Forget("SIM-RES", []string{f.store}, nil, "sim"), t))
		}
	}
	return out
}

// restart is what the operator of a silent node does once the chain
// unlinked it: the node comes back (honest from now on) and its CCN's
// owner links it again in the next block. It is a member again from the
// next epoch's start, its score climbing back as its silent epochs leave
// the window.
func (r *resourceSim) restart(n *crn) {
	n.does, n.revived = honest, true
	r.relink = append(r.relink, n)
}

// live counts the files stored and not forgotten.
func (r *resourceSim) live() int {
	n := 0
	for _, f := range r.files[:r.next] {
		if !f.forgotten {
			n++
		}
	}
	return n
}

// attested returns the files STOREd in the previous block, for this
// block's availability record, at their real sizes (and a sha256 file's
// chunk root).
func (r *resourceSim) attested() []*pb.AttestedFile {
	out := r.attest
	r.attest = nil
	return out
}
