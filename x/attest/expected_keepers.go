package attest

import (
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
	"github.com/alephd/alephd/x/resource"
)

// MessageKeeper is what attestation reads and changes of STORE messages:
// the pending queue and its outcomes. x/message's Keeper is one.
type MessageKeeper interface {
	Params(kv state.KV) (message.Params, error)
	GetMessage(kv state.KV, hash string) (*pb.MessageRecord, error)
	// Due lists the pending STOREs whose deadline is at or before height.
	Due(kv state.KV, height int64) ([]string, error)
	ProcessStore(kv state.KV, rec *pb.MessageRecord, size uint64, charge *pb.Charge, fx *message.Effects) error
	RejectStore(kv state.KV, rec *pb.MessageRecord, reason string, fx *message.Effects) error
}

// Payments decides who pays for a STORE once its size is attested.
// x/payment's Registers is one.
type Payments interface {
	Incoming(kv state.KV, it payment.Item) (payment.Provider, error)
}

// Balances is where attested Ethereum balances go. x/balance's Keeper is
// one.
type Balances interface {
	Params(kv state.KV) (balance.Params, error)
	// Reported is the last block attested for a source (SourceEth: the
	// start block until a range is).
	Reported(kv state.KV, source string) (uint64, error)
	ApplyEth(kv state.KV, u *pb.EthUpdate) ([]string, error)
}

// Liveness is where attested liveness answers go: x/resource tallies
// the answers votes carry into the slots seen up, and marks them. The app
// gives it (x/resource's Keeper, with the chain id it verifies answers
// for); a keeper without one attests no liveness.
type Liveness interface {
	TallyLive(kv state.KV, votes []resource.LiveVote, total int64) ([]*pb.ProbeSlot, error)
	ApplyLive(kv state.KV, slots []*pb.ProbeSlot) error
}

// BalancesChanged carries out the consequences of balances that changed:
// payments re-checked, endorsements shrunk, stakes re-split. The app
// gives it, as it does for an oracle's report.
type BalancesChanged func(kv state.KV, env message.Env, addrs []string, fx *message.Effects) error
