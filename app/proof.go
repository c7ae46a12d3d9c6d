package app

import (
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/resource"
)

// parseProof checks a storage proof's shape as x/resource's DecodeProof
// does (limits, names, no unknown fields), on its re-encoding: the
// envelope already decoded it, and its size is bounded by the
// transaction's. A chain where x/resource is off refuses it here.
func (a *App) parseProof(sp *pb.StorageProof) *Parsed {
	params := a.resource.Params()
	if !params.Enabled {
		return &Parsed{Err: errs.Wrapf(resource.ErrDisabled, "this chain's resource params do not enable storage proofs")}
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(sp)
	if err != nil {
		return &Parsed{Err: errs.Wrapf(resource.ErrMalformed, "%v", err)}
	}
	d, err := resource.DecodeProof(b, params.Limits())
	if err != nil {
		return &Parsed{Err: err}
	}
	return &Parsed{Proof: d}
}

// deliverProof applies a storage proof: the node's signature over it for
// this chain, then the challenge it answers (x/resource ApplyProof). The
// same function decides it in CheckTx and in blocks; once it passes, the
// challenge is answered, so a replay is refused (resource/4) in the
// mempool view as in a block. It pays no fee: one signed, valid proof per
// drawn challenge bounds what a node can send.
func (a *App) deliverProof(kv state.KV, env message.Env, sp *pb.StorageProof) error {
	chainID, err := kv.Get(chainIDKey)
	if err != nil {
		return err
	}
	if err := a.resource.CheckSignature(kv, string(chainID), sp); err != nil {
		return err
	}
	return a.resource.ApplyProof(kv, env.Height, sp)
}
