package app

import (
	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// admitFetched applies a pending non-inline message once validators
// attested its content and the block carries the bytes (x/attest): the
// steps of the pipeline its content decides, as for an inline message
// (admit.go), the signature aside (verified on admission, over item_hash).
//
// The pending message is tried first, then each of its contenders (other
// senders' messages with the same item_hash, x/message contender.go) in
// key order, each in a cache of its own: the first that passes becomes the
// record. The order is state's, so a proposer cannot choose the winner.
// If none passes, the error is the pending message's, and the caller
// (kv is its cache) rejects the message with it.
func (a *App) admitFetched(kv state.KV, env message.Env, rec *pb.MessageRecord, content []byte, fx *message.Effects) error {
	contenders, err := a.messages.Contenders(kv, rec.Message.ItemHash)
	if err != nil {
		return err
	}
	var first error
	for i, m := range append([]*pb.AlephMessage{rec.Message}, contenders...) {
		try := state.NewCache(kv)
		var got message.Effects
		err := a.applyFetchedAs(try, env, m, content, &got)
		switch {
		case err == nil:
			*fx = got
			return try.Write()
		case !errs.IsRegistered(err):
			return err
		case i == 0:
			first = err
		}
	}
	return first
}

// applyFetchedAs applies the content as the message m, one candidate
// envelope for it.
func (a *App) applyFetchedAs(kv state.KV, env message.Env, pending *pb.AlephMessage, content []byte, fx *message.Effects) error {
	m, c, err := message.ParseFetched(pending, content, a.msgParams)
	if err != nil {
		return err
	}
	item := payment.Item{
		Hash: m.ItemHash, Type: m.Type, Sender: m.Sender, Owner: c.Address, Channel: m.Channel,
		PostType: c.PostType, AggregateKey: c.Key, FileSize: uint64(len(content)),
		Height: env.Height, TxIndex: env.TxIndex,
	}
	payer, err := a.registers.Incoming(kv, item)
	if err != nil {
		return err
	}
	charge, err := payer.Charge(kv, item)
	if err != nil {
		return err
	}
	if *fx, err = a.messages.ApplyFetched(kv, env, m, c, charge); err != nil {
		return err
	}
	return a.settle(kv, env, m, c, fx)
}

// ContentWanted lists the entries of a tallied record whose content the
// proposer must add: attested non-inline messages within the size cap.
func (a *App) ContentWanted(rec *pb.Attestation) []*pb.AttestedFile {
	return a.attest.NeedsContent(rec)
}
