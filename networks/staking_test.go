package networks_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	xnode "github.com/alephd/alephd/x/node"
)

// stakingEpoch is the staking network's epoch: short, so the set moves
// within the test.
const stakingEpoch = 10

// stakingGenesis is the dev genesis with short epochs and attestation, a
// would-be node owner and a staker funded to the thresholds.
func stakingGenesis(t *testing.T, owner, staker *ecdsa.PrivateKey) []byte {
	var g map[string]json.RawMessage
	if err := json.Unmarshal(contentGenesis(t), &g); err != nil {
		t.Fatal(err)
	}
	ng := xnode.DefaultGenesis()
	ng.Params.EpochBlocks = stakingEpoch
	// A stopped validator is jailed within seconds; a slow one that signs
	// a quarter of its blocks is not.
	ng.Params.DowntimeWindow, ng.Params.DowntimeMaxMissedBps = 20, 7500
	g["node"], _ = json.Marshal(ng)
	var bal balance.Genesis
	if err := json.Unmarshal(g["balance"], &bal); err != nil {
		t.Fatal(err)
	}
	bal.Balances = append(bal.Balances,
		balance.Entry{Address: crypto.PubkeyToAddress(owner.PublicKey).Hex(), Amount: "250000000000000000000000"},
		balance.Entry{Address: crypto.PubkeyToAddress(staker.PublicKey).Hex(), Amount: "600000000000000000000000"})
	g["balance"], _ = json.Marshal(bal)
	out, _ := json.Marshal(g)
	return out
}

// validators is CometBFT's validator set at node i's latest height.
func (nw *network) validators(i int) []*cmttypes.Validator {
	nw.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := nw.rpc[i].RPC().Validators(ctx, nil, nil, nil)
	if err != nil {
		nw.t.Fatal(err)
	}
	return res.Validators
}

// waitValidators waits until node i's validator set has n validators, and
// says whether addr is among them.
func (nw *network) waitValidators(i, n int, addr []byte, timeout time.Duration) bool {
	nw.t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		vals := nw.validators(i)
		if len(vals) != n {
			continue
		}
		for _, v := range vals {
			if bytes.Equal(v.Address, addr) {
				return true
			}
		}
		return false
	}
	nw.t.Fatalf("node %d's validator set never had %d validators: %d now", i, n, len(nw.validators(i)))
	return false
}

// nodeOp submits a node operation signed as the Aleph SDK signs a POST.
func (nw *network) nodeOp(i int, k *ecdsa.PrivateKey, action, ref string, details map[string]any) string {
	nw.t.Helper()
	content := map[string]any{"action": action, "tags": []string{action, "mainnet"}}
	if details != nil {
		content["details"] = details
	}
	m, err := client.Sign(k, client.Post("FOUNDATION", "corechan-operation", content, ref))
	if err != nil {
		nw.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := nw.rpc[i].Submit(ctx, m)
	if err != nil || !res.OK() {
		nw.t.Fatalf("%s: %+v %v", action, res, err)
	}
	return m.ItemHash
}

// signedBy reports whether the commit of height h on node i carries a
// signature of addr for the block.
func (nw *network) signedBy(i int, h int64, addr []byte) bool {
	nw.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := nw.rpc[i].RPC().Commit(ctx, &h)
	if err != nil {
		nw.t.Fatal(err)
	}
	for _, s := range c.SignedHeader.Commit.Signatures {
		if bytes.Equal(s.ValidatorAddress, addr) && s.BlockIDFlag == cmttypes.BlockIDFlagCommit {
			return true
		}
	}
	return false
}

// TestStakeMovesTheValidatorSet: on 4 stake-backed validators, a fifth node
// joins; its owner registers it as a CCN naming its consensus key, a staker
// stakes it past activation, and at the next epoch's end it enters
// CometBFT's validator set and signs blocks. STOREs are attested across
// the change. When its staker unstakes, it leaves at the epoch after. Then
// a genesis validator is killed: past the downtime window it is jailed and
// leaves the set, and the other three keep committing.
func TestStakeMovesTheValidatorSet(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level: runs a network of alephd processes; make test runs it")
	}
	owner, staker := keys.FromSeed("net-node-owner"), keys.FromSeed("net-node-staker")
	nw := newNetworkWith(t, 4, stakingGenesis(t, owner, staker))
	nw.waitHeight(2, 60*time.Second, all(4)...)
	if got := len(nw.validators(0)); got != 4 {
		t.Fatalf("the genesis set has %d validators", got)
	}

	// The fifth node joins as a full node.
	g := cfg.DefaultConfig()
	g.SetRoot(nw.nodes[0].Home)
	home := filepath.Join(nw.t.TempDir(), "fifth")
	rpc := testnode.FreeAddr(t)
	if _, err := node.Init(home, node.InitOptions{Genesis: g.GenesisFile(), RPCListen: "tcp://" + rpc,
		P2PListen: "tcp://" + testnode.FreeAddr(t), PersistentPeers: strings.Join(nw.peers(4), ",")}); err != nil {
		t.Fatal(err)
	}
	if err := node.SaveAppConfig(home, node.AppConfig{APIAddr: testnode.FreeAddr(t)}); err != nil {
		t.Fatal(err)
	}
	j := nw.add(home, rpc)
	nw.start(j)
	nw.waitHeight(nw.height(0), 60*time.Second, j)
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	pub, err := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile()).GetPubKey()
	if err != nil {
		t.Fatal(err)
	}

	// Registered and staked past activation (500,000): in at the next
	// epoch's end, from two heights after it.
	ccn := nw.nodeOp(0, owner, xnode.ActionCreateNode, "", map[string]any{
		"name": "fifth", "multiaddress": "/ip4/127.0.0.1/tcp/1/p2p/fifth", "consensus_pubkey": base64.StdEncoding.EncodeToString(pub.Bytes()),
	})
	nw.nodeOp(1, staker, xnode.ActionStake, ccn, nil)
	if !nw.waitValidators(0, 5, pub.Address(), time.Duration(3*stakingEpoch)*time.Second) {
		t.Fatalf("the staked node is not among the 5 validators: %v", nw.validators(0))
	}
	joined := nw.height(0)
	t.Logf("the fifth node entered the validator set by height %d", joined)
	signed := false
	for h := joined + 1; h < joined+10 && !signed; h++ {
		nw.waitHeight(h+1, 30*time.Second, 0)
		signed = nw.signedBy(0, h, pub.Address())
	}
	if !signed {
		t.Fatal("the fifth validator signed none of the 9 blocks after it joined")
	}

	// STORE attestation under the new set: the fifth node fetches and
	// votes too (4 of 5 suffice).
	data := []byte(fmt.Sprintf("a file attested by five validators, at height %d", joined))
	file := nw.upload(0, data)
	m := signStore(t, "staking-store", file)
	nw.submitStore(0, m)
	rec, _ := nw.waitSettled(1, m.ItemHash, file, 60*time.Second)
	if rec.Status != pb.MessageStatus_MESSAGE_STATUS_PROCESSED {
		t.Fatalf("STORE under the new set: %s (%s)", message.StatusName(rec.Status), rec.Rejection)
	}

	// Unstaked, it falls below activation and leaves.
	nw.nodeOp(2, staker, xnode.ActionUnstake, ccn, nil)
	if nw.waitValidators(0, 4, pub.Address(), time.Duration(3*stakingEpoch)*time.Second) {
		t.Fatal("the unstaked node is still a validator")
	}
	left := nw.height(0)
	nw.waitHeight(left+3, 30*time.Second, all(4)...)
	nw.agree(left+2, 0, 1, 2, 3, j)

	// A validator stopped past the downtime window is jailed and leaves
	// the set; the other three keep committing.
	stopped := validatorAddress(t, nw.nodes[3].Home)
	nw.signal(3, syscall.SIGKILL)
	if nw.waitValidators(0, 3, stopped, 60*time.Second) {
		t.Fatal("the stopped validator is still in the set")
	}
	var view xnode.CoreNodeView
	for _, n := range nw.registry(0).Nodes {
		if n.ConsensusPubkey == base64.StdEncoding.EncodeToString(validatorKey(t, nw.nodes[3].Home)) {
			view = n
		}
	}
	if !view.Jailed {
		t.Fatalf("the stopped validator's node is not jailed: %+v", view)
	}
	after := nw.height(0)
	nw.waitHeight(after+5, 30*time.Second, 0, 1, 2, j)
	nw.agree(after+4, 0, 1, 2, j)
}

// validatorKey is the consensus public key of the node in home.
func validatorKey(t *testing.T, home string) []byte {
	t.Helper()
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	pub, err := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile()).GetPubKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub.Bytes()
}

func validatorAddress(t *testing.T, home string) []byte {
	return xnode.ConsensusAddress(validatorKey(t, home))
}

// registry is the node registry on node i.
func (nw *network) registry(i int) xnode.CoreChannel {
	nw.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q, err := nw.rpc[i].Query(ctx, app.PathNodes, nil, 0, false)
	if err != nil {
		nw.t.Fatal(err)
	}
	var reg xnode.CoreChannel
	if err := json.Unmarshal(q.Value, &reg); err != nil {
		nw.t.Fatal(err)
	}
	return reg
}
