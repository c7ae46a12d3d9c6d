package payment

import (
	"math/big"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
)

// MessageKeeper is what payments read and change of messages: the records
// they charge, and their status when a payer stops paying. x/message's
// Keeper is one.
type MessageKeeper interface {
	GetMessage(kv state.KV, hash string) (*pb.MessageRecord, error)
	SaveMessage(kv state.KV, rec *pb.MessageRecord) error
	EachRecord(kv state.KV, fn func(*pb.MessageRecord) error) error
	// SetStatus saves rec with status s and reports the change in fx.
	SetStatus(kv state.KV, rec *pb.MessageRecord, s pb.MessageStatus, fx *message.Effects) error
	// Remove ends recs for good: REMOVED, without content, out of the
	// derived state.
	Remove(kv state.KV, recs []*pb.MessageRecord, fx *message.Effects) error
}

// BalanceKeeper is what payments read of balances. x/balance's Keeper is
// one.
type BalanceKeeper interface {
	Get(kv state.KV, addr string) (*big.Int, error)
	Components(kv state.KV, addr string) ([]balance.Entry, error)
	Params(kv state.KV) (balance.Params, error)
}
