package app

import (
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// admitFetched applies a pending non-inline message once validators
// attested its content and the block carries the bytes (x/attest): the
// steps of the pipeline its content decides, as for an inline message
// (admit.go), the signature aside (verified on admission, over item_hash).
// Payment counts the content's size as stored bytes (x/payment: FileSize)
// and asks the owner it names. kv is the
// caller's cache: on a registered error it rejects the message instead.
func (a *App) admitFetched(kv state.KV, env message.Env, rec *pb.MessageRecord, content []byte, fx *message.Effects) error {
	m, c, err := message.ParseFetched(rec.Message, content, a.msgParams)
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
	if *fx, err = a.messages.ApplyFetched(kv, env, rec, m, c, charge); err != nil {
		return err
	}
	return a.settle(kv, env, m, c, fx)
}

// ContentWanted lists the entries of a tallied record whose content the
// proposer must add: attested non-inline messages within the size cap.
func (a *App) ContentWanted(rec *pb.Attestation) []*pb.AttestedFile {
	return a.attest.NeedsContent(rec)
}
