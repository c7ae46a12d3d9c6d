package app

import (
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// MaxTxBytes bounds a transaction before it is decoded: 200,000 characters
// of content, each up to 4 bytes in UTF-8, plus the envelope.
const MaxTxBytes = 1 << 20

// DecodeTx decodes a transaction into the Aleph message it carries.
func DecodeTx(tx []byte) (*pb.AlephMessage, error) {
	if len(tx) > MaxTxBytes {
		return nil, errs.Wrapf(message.ErrTooLarge, "transaction is %d bytes, the limit is %d", len(tx), MaxTxBytes)
	}
	var t pb.Tx
	if err := proto.Unmarshal(tx, &t); err != nil {
		return nil, errs.Wrapf(message.ErrDecode, "transaction bytes are not an alephd Tx protobuf: %v", err)
	}
	m := t.GetMessage()
	if m == nil {
		return nil, errs.Wrapf(message.ErrDecode, "transaction carries no Aleph message")
	}
	return m, nil
}

// EncodeTx wraps an Aleph message in a transaction.
func EncodeTx(m *pb.AlephMessage) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(&pb.Tx{Body: &pb.Tx_Message{Message: m}})
	if err != nil {
		panic(err) // every field is a string or bytes; strings are checked UTF-8 by FromJSON callers
	}
	return b
}

// SignatureCheck returns the signature verdict of the message. The ABCI
// adapter passes one that consults its cache, so a node verifies a
// transaction's signature once, however often it is admitted.
type SignatureCheck func() error

// Parsed is a transaction decoded and checked as far as its bytes alone
// allow: a pure function of the bytes and the params, so the ABCI adapter
// parses each transaction once for CheckTx, recheck and the block.
type Parsed struct {
	Msg      *pb.AlephMessage
	Content  *message.Content
	TimeNano int64
	// Err is the rejection found by parsing; Msg may be set with it.
	Err error
}

// Parse decodes tx and runs the stateless envelope checks. It reads only
// the message params, which change only at genesis, so it may run
// concurrently with anything but InitChain.
func (a *App) Parse(tx []byte) *Parsed {
	m, err := DecodeTx(tx)
	if err != nil {
		return &Parsed{Err: err}
	}
	c, t, err := message.ParseEnvelope(m, a.msgParams)
	return &Parsed{Msg: m, Content: c, TimeNano: t, Err: err}
}

// ErrHandlerCrash rejects a message whose handling panicked. A panic is a
// bug, but the same bug on every validator: refusing the message (its
// writes are in a cache that is dropped) keeps the chain live and in
// agreement, where letting it escape would halt every node at once.
var ErrHandlerCrash = errs.Register("app", 1, "the message crashed its handler; please report it")

// Deliver admits one parsed message into kv, in the order of DESIGN.md,
// cheapest first. kv is a per-transaction cache: on error the caller drops it.
func (a *App) Deliver(kv state.KV, env message.Env, p *Parsed, verify SignatureCheck) (fx message.Effects, err error) {
	defer func() {
		if r := recover(); r != nil {
			fx, err = message.Effects{}, errs.Wrapf(ErrHandlerCrash, "%v", r)
		}
	}()
	err = a.deliver(kv, env, p, verify, &fx)
	return fx, err
}

func (a *App) deliver(kv state.KV, env message.Env, p *Parsed, verify SignatureCheck, fx *message.Effects) error {
	// 1. Structure and size (parsed), and time against this block.
	if p.Err != nil {
		return p.Err
	}
	if err := message.CheckTime(p.TimeNano, env.BlockTimeUnixNano, a.msgParams); err != nil {
		return err
	}
	m, c := p.Msg, p.Content
	// 2. INCOMING: can anyone pay? A miss costs a lookup, not an ecrecover.
	item := payment.Item{Hash: m.ItemHash, Type: m.Type, Sender: m.Sender, Owner: c.Address, Channel: m.Channel, Size: uint64(len(m.ItemContent))}
	payer, err := a.payments.Incoming(kv, item)
	if err != nil {
		return err
	}
	// 3. Signature.
	if err := verify(); err != nil {
		return err
	}
	// 4. PROCESSED: charge.
	if err := payer.Charge(kv, item); err != nil {
		return err
	}
	// 5. Type handler.
	var err2 error
	*fx, err2 = a.messages.Apply(kv, env, m, c)
	return err2
}
