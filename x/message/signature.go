package message

import (
	"errors"

	"github.com/alephd/alephd/errs"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/chains"
)

// SigningPayload is what the sender signs: "{chain}\n{sender}\n{type}\n{item_hash}".
func SigningPayload(m *pb.AlephMessage) []byte { return signed(m).Buffer() }

func signed(m *pb.AlephMessage) *chains.Signed {
	return &chains.Signed{Chain: m.Chain, Sender: m.Sender, Type: m.Type, ItemHash: m.ItemHash, Signature: m.Signature, TimeNano: -1}
}

// VerifySignature checks the message's signature by its chain's rule (see
// package chains): EIP-191 for the EVM chains, ed25519 for SOL, sr25519
// for DOT, Tezos, Cosmos, NULS2 and Avalanche key pairs, as pyaleph does.
func VerifySignature(m *pb.AlephMessage) error {
	s := signed(m)
	if m.Chain == "TEZOS" {
		// Only Tezos' wallet signatures cover the time; others need not
		// parse it here.
		if ns, err := ParseTime(m.Time); err == nil {
			s.TimeNano = ns
		}
	}
	err := chains.Verify(s)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, chains.ErrUnknownChain):
		return errs.Wrapf(ErrChain, "%v", err)
	case errors.Is(err, chains.ErrSender):
		return errs.Wrapf(ErrSender, "%v", err)
	case errors.Is(err, chains.ErrFormat):
		return errs.Wrapf(ErrSignatureFormat, "%v", err)
	}
	return errs.Wrapf(ErrSignature, "%v", err)
}
