package app

import (
	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/chains"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/node"
	"github.com/alephd/alephd/x/payment"
)

// MaxTxBytes bounds a transaction carrying a message: 200,000 characters
// of content, each up to 4 bytes in UTF-8, plus the envelope.
const MaxTxBytes = 1 << 20

// MaxBlockBytes is the block size of new chains (consensus params). It also
// bounds any transaction before it is decoded: an attestation record,
// which a proposer puts in its block, carries the whole extended commit as
// evidence and outgrows MaxTxBytes at about 54 validators.
const MaxBlockBytes = 4 << 20

// DecodeTx decodes a transaction into the Aleph message it carries; an
// attestation record, which carries none, is an error here.
func DecodeTx(tx []byte) (*pb.AlephMessage, error) {
	t, err := decodeEnvelope(tx)
	if err != nil {
		return nil, err
	}
	if t.GetMessage() == nil {
		return nil, errs.Wrapf(message.ErrDecode, "transaction carries no Aleph message")
	}
	return t.GetMessage(), nil
}

func decodeEnvelope(tx []byte) (*pb.Tx, error) {
	tooLarge := func(limit int) error {
		return errs.Wrapf(message.ErrTooLarge, "transaction is %d bytes, the limit is %d", len(tx), limit)
	}
	if len(tx) > MaxBlockBytes {
		return nil, tooLarge(MaxBlockBytes)
	}
	var t pb.Tx
	if err := proto.Unmarshal(tx, &t); err != nil {
		return nil, errs.Wrapf(message.ErrDecode, "transaction bytes are not an alephd Tx protobuf: %v", err)
	}
	if t.GetMessage() == nil && t.GetAttestation() == nil && t.GetStorageProof() == nil {
		return nil, errs.Wrapf(message.ErrDecode, "transaction carries no Aleph message")
	}
	if t.GetMessage() != nil && len(tx) > MaxTxBytes {
		return nil, tooLarge(MaxTxBytes)
	}
	return &t, nil
}

// EncodeTx wraps an Aleph message in a transaction.
func EncodeTx(m *pb.AlephMessage) []byte { return encode(&pb.Tx{Body: &pb.Tx_Message{Message: m}}) }

// EncodeAttestation wraps an attestation record in a transaction.
func EncodeAttestation(rec *pb.Attestation) []byte {
	return encode(&pb.Tx{Body: &pb.Tx_Attestation{Attestation: rec}})
}

// EncodeStorageProof wraps a resource node's signed storage proof in a
// transaction.
func EncodeStorageProof(p *pb.StorageProof) []byte {
	return encode(&pb.Tx{Body: &pb.Tx_StorageProof{StorageProof: p}})
}

// DecodeAttestation returns the attestation record tx carries, or nil if
// it carries none (or does not decode).
func DecodeAttestation(tx []byte) *pb.Attestation {
	t, err := decodeEnvelope(tx)
	if err != nil {
		return nil
	}
	return t.GetAttestation()
}

func encode(t *pb.Tx) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(t)
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
	// Attestation is set instead of Msg for a proposer's attestation record.
	Attestation *pb.Attestation
	// Proof is set instead of Msg for a resource node's storage proof,
	// its shape checked (resource.DecodeProof).
	Proof *pb.StorageProof
	// Err is the rejection found by parsing; Msg may be set with it.
	Err error
}

// Parse decodes tx and runs the stateless envelope checks. It reads only
// the message params, which are set once, so it may run concurrently with
// anything once the app is Ready; not before, when they are unset.
//
// A panic while parsing is a bug in a pure function of tx, the same on
// every node: it rejects tx, as a handler's does, rather than crash the
// node wherever it runs (block preparation parses on other goroutines).
func (a *App) Parse(tx []byte) (parsed *Parsed) {
	defer func() {
		if r := recover(); r != nil {
			parsed = &Parsed{Err: errs.Wrapf(ErrHandlerCrash, "parsing it panicked: %v", r)}
		}
	}()
	t, err := decodeEnvelope(tx)
	if err != nil {
		return &Parsed{Err: err}
	}
	if rec := t.GetAttestation(); rec != nil {
		return &Parsed{Attestation: rec}
	}
	if sp := t.GetStorageProof(); sp != nil {
		return a.parseProof(sp)
	}
	m := t.GetMessage()
	c, tn, err := message.ParseEnvelope(m, a.msgParams)
	return &Parsed{Msg: m, Content: c, TimeNano: tn, Err: err}
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
	if p.Attestation != nil { // FinalizeBlock applies the one valid place: first in a block
		return errs.Wrapf(ErrAttestationTx, "an attestation record is valid only first in a block, from its proposer")
	}
	if p.Proof != nil {
		return a.deliverProof(kv, env, p.Proof)
	}
	if err := message.CheckTime(p.TimeNano, env.BlockTimeUnixNano, a.msgParams); err != nil {
		return err
	}
	m, c := p.Msg, p.Content
	// 2. INCOMING: can anyone pay? A miss costs a lookup, not an ecrecover.
	item := payment.Item{
		Hash: m.ItemHash, Type: m.Type, Sender: m.Sender, Owner: c.Address, Channel: m.Channel,
		PostType: c.PostType, AggregateKey: c.Key, Size: uint64(len(m.ItemContent)),
		Height: env.Height, TxIndex: env.TxIndex,
	}
	// Content that is not inline is not known yet (nor its owner): this
	// asks whether anyone stands behind the sender, and the content is
	// charged once validators attest it (admitFetched).
	pending := !message.Inline(m)
	if pending {
		item.Owner = m.Sender
	}
	// A STORE's file size is not known yet: this asks whether anyone stands
	// behind its owner at all. It is charged once validators attest the
	// size (x/attest).
	payer, err := a.registers.Incoming(kv, item)
	if err != nil {
		return err
	}
	// 3. Signature.
	if err := verify(); err != nil {
		return err
	}
	// 4. PROCESSED: charge.
	var charge *pb.Charge
	if m.Type != message.TypeStore && !pending {
		if charge, err = payer.Charge(kv, item); err != nil {
			return err
		}
	}
	// 5. Type handler.
	if *fx, err = a.messages.Apply(kv, env, m, c, charge); err != nil {
		return err
	}
	// 6. What the message does to payments: forgotten messages stop
	// counting; oracle reports and endorsements move capacity.
	return a.settle(kv, env, m, c, fx)
}

// settle applies a message's consequences for payments.
func (a *App) settle(kv state.KV, env message.Env, m *pb.AlephMessage, c *message.Content, fx *message.Effects) error {
	if err := a.payments.Release(kv, env.Height, fx.Forgotten, fx); err != nil {
		return err
	}
	if m.Type != message.TypePost {
		return nil
	}
	switch {
	case c.PostType == a.balParams.UpdatePostType && a.balParams.IsOracle(m.Sender) && chains.SameAddress(m.Sender, c.Address):
		u, err := balance.ParseUpdate(m.ItemContent)
		if err != nil {
			return err
		}
		changed, err := a.balances.Apply(kv, u)
		if err != nil {
			return err
		}
		for _, addr := range changed {
			if err := a.payments.BalanceChanged(kv, env, addr, fx); err != nil {
				return err
			}
			if err := a.nodes.BalanceChanged(kv, addr); err != nil {
				return err
			}
		}
	case c.PostType == message.AmendType && m.Channel == a.nodes.Params().Channel:
		// An amend of a node edits it; any other amend is only an amend.
		isNode, err := a.nodes.IsNode(kv, c.Ref)
		if err != nil || !isNode {
			return err
		}
		op, err := node.ParseAmend(m.ItemContent, m.ItemHash, c.Address, c.Ref, env.Height, env.TxIndex)
		if err != nil {
			return err
		}
		return a.nodes.Apply(kv, op)
	case c.PostType == a.nodes.Params().OperationPostType && m.Channel == a.nodes.Params().Channel:
		op, err := node.ParseOperation(m.ItemContent, m.ItemHash, c.Address, c.Ref, env.Height, env.TxIndex)
		if err != nil {
			return err
		}
		return a.nodes.Apply(kv, op)
	case c.PostType == a.payments.Params().EndorsementPostType:
		channel, amount, err := payment.ParseEndorsement(m.ItemContent)
		if err != nil {
			return err
		}
		// Posted on the channel it endorses: a delegate allowed on one
		// channel must not endorse another with its owner's balance.
		if channel != m.Channel {
			return errs.Wrapf(payment.ErrEndorsement, "an endorsement of %q is posted on %q itself; this one is on %q", channel, channel, m.Channel)
		}
		return a.payments.Endorse(kv, env, c.Address, channel, amount, fx)
	}
	return nil
}
