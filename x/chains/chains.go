package chains

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The kinds of refusal. Verifiers wrap one of them with a message that
// names the chain's rule; the message module maps each to a registered code.
var (
	// ErrUnknownChain: no scheme is registered for the chain.
	ErrUnknownChain = errors.New("unsupported chain")
	// ErrSender: the sender is not an address of the chain.
	ErrSender = errors.New("sender is not an address of its chain")
	// ErrFormat: the signature cannot be decoded as the chain's wallets encode it.
	ErrFormat = errors.New("malformed signature")
	// ErrMismatch: the signature is well formed but does not verify for the sender.
	ErrMismatch = errors.New("signature does not match sender")
)

// Signed is what a signature covers: the fields of pyaleph's verification
// buffer, and the time for Tezos' wallet (micheline) signatures.
type Signed struct {
	Chain, Sender, Type, ItemHash, Signature string
	// TimeNano is the message time in Unix nanoseconds, or -1 when the
	// message has no valid time; only Tezos micheline signatures read it.
	TimeNano int64
}

// Buffer is pyaleph's get_verification_buffer: the bytes every chain's
// wallet signs, before any chain-specific wrapping.
func (s *Signed) Buffer() []byte {
	b := make([]byte, 0, len(s.Chain)+len(s.Sender)+len(s.Type)+len(s.ItemHash)+3)
	b = append(b, s.Chain...)
	b = append(b, '\n')
	b = append(b, s.Sender...)
	b = append(b, '\n')
	b = append(b, s.Type...)
	b = append(b, '\n')
	return append(b, s.ItemHash...)
}

// Scheme is one chain family's signature rule.
type Scheme struct {
	Name   string // e.g. "EIP-191 personal_sign (secp256k1 recovery)"
	Sender string // the sender format, for errors and documentation
	// verify takes the fields by value: a pointer through this func
	// value would move every Signed to the heap, one allocation more per
	// message on the EVM fast path.
	verify func(Signed) error
}

var schemes = map[string]*Scheme{}

func register(s *Scheme, chains ...string) {
	for _, c := range chains {
		if _, dup := schemes[c]; dup {
			panic("chains: " + c + " registered twice")
		}
		schemes[c] = s
	}
}

// Lookup returns the scheme of chain, as spelled in the message (upper
// case, aleph-message's Chain values).
func Lookup(chain string) (*Scheme, bool) {
	s, ok := schemes[chain]
	return s, ok
}

// Supported lists the chains with a scheme, sorted.
func Supported() []string {
	out := make([]string, 0, len(schemes))
	for c := range schemes {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Verify checks s's signature by its chain's scheme. It returns nil or an
// error wrapping one of ErrUnknownChain, ErrSender, ErrFormat, ErrMismatch.
func Verify(s *Signed) error {
	sc, ok := schemes[s.Chain]
	if !ok {
		return &Error{Kind: ErrUnknownChain, Msg: fmt.Sprintf("chain %q has no signature scheme; alephd verifies %s (pyaleph's list)", s.Chain, strings.Join(Supported(), ", "))}
	}
	// Bounds first: base58 decoding is quadratic in its input, and these
	// fields reach the decoders before anything else limits them.
	if len(s.Sender) > MaxSenderLen {
		return errf(ErrSender, s, "sender is %d characters; no chain's address is longer than %d", len(s.Sender), MaxSenderLen)
	}
	if len(s.Signature) > MaxSignatureLen {
		return errf(ErrFormat, s, "signature is %d characters; no chain's signature is longer than %d", len(s.Signature), MaxSignatureLen)
	}
	return sc.verify(*s)
}

// MaxSenderLen and MaxSignatureLen bound what any scheme decodes: the
// longest sender is a Cosmos bech32 address (at most 90 characters), the
// longest signature a Tezos or Cosmos JSON object of a few hundred.
const (
	MaxSenderLen    = 128
	MaxSignatureLen = 2048
)

// Error is a refusal: its text names the chain and its rule, and it
// matches its kind (ErrSender, ErrFormat, ...) with errors.Is.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

// errf builds an error of kind with a message that starts with the chain.
func errf(kind error, s *Signed, format string, args ...any) error {
	return &Error{Kind: kind, Msg: s.Chain + ": " + fmt.Sprintf(format, args...)}
}
