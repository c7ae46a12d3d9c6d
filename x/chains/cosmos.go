package chains

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/btcsuite/btcd/btcutil/bech32"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // Cosmos addresses are RIPEMD-160 hashes; no other package has it.
)

// cosmos is pyaleph's CosmosConnector (chains/cosmos.py): the signature
// field is Keplr's/cosmjs' StdSignature JSON {"signature": base64 r||s,
// "pub_key": {"type": "tendermint/PubKeySecp256k1", "value": base64}}; the
// sender is bech32(hrp, ripemd160(sha256(pubkey))) with the sender's own
// human-readable part, and the secp256k1 ECDSA signature covers sha256 of
// the amino sign document of an ADR-036-style "signutil/MsgSignText"
// message (keys sorted, no spaces), chain_id "signed-message-v1".
var cosmos = &Scheme{
	Name:   "secp256k1 ECDSA over sha256 of the amino sign doc {signutil/MsgSignText: buffer}",
	Sender: "bech32 of ripemd160(sha256(key)) with any prefix (cosmos1…, osmo1…), lower case as encoded",
	verify: verifyCosmos,
}

func init() { register(cosmos, "CSDK") }

const cosmosShape = `{"signature": base64, "pub_key": {"type": "tendermint/PubKeySecp256k1", "value": base64}}`

// The amino sign document, with members declared in sorted order so that
// encoding/json writes what Python's json.dumps(sort_keys=True) writes.
type (
	cosmosSignDoc struct {
		AccountNumber string       `json:"account_number"`
		ChainID       string       `json:"chain_id"`
		Fee           cosmosFee    `json:"fee"`
		Memo          string       `json:"memo"`
		Msgs          [1]cosmosMsg `json:"msgs"`
		Sequence      string       `json:"sequence"`
	}
	cosmosFee struct {
		Amount []string `json:"amount"`
		Gas    string   `json:"gas"`
	}
	cosmosMsg struct {
		Type  string         `json:"type"`
		Value cosmosMsgValue `json:"value"`
	}
	cosmosMsgValue struct {
		Message string `json:"message"`
		Signer  string `json:"signer"`
	}
)

// CosmosSignDoc is the JSON a Cosmos wallet signs for s.
func CosmosSignDoc(s *Signed) []byte {
	doc := cosmosSignDoc{
		AccountNumber: "0", ChainID: "signed-message-v1",
		Fee:      cosmosFee{Amount: []string{}, Gas: "0"},
		Msgs:     [1]cosmosMsg{{Type: "signutil/MsgSignText", Value: cosmosMsgValue{Message: string(s.Buffer()), Signer: s.Sender}}},
		Sequence: "0",
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // Python escapes no <, > or &
	if err := enc.Encode(doc); err != nil {
		panic(err) // strings and fixed shapes always encode
	}
	return asciiJSON(strings.TrimSuffix(b.String(), "\n"))
}

// asciiJSON escapes every non-ASCII character of a JSON text as \uXXXX
// (UTF-16, surrogate pairs above U+FFFF), as Python's json.dumps does by
// default (ensure_ascii). Only a sender or type outside ASCII would need it.
func asciiJSON(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			out = append(out, byte(r))
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			out = append(out, fmt.Sprintf(`\u%04x`, u)...)
		}
	}
	return out
}

func verifyCosmos(sv Signed) error {
	s := &sv
	// pyaleph takes the part before the first "1" as the prefix and
	// compares the address it encodes with the sender as a string.
	hrp, _, ok := strings.Cut(s.Sender, "1")
	if !ok || hrp == "" {
		return errf(ErrSender, s, "sender %q is not a bech32 address", s.Sender)
	}
	o, err := sigObject(s, cosmosShape)
	if err != nil {
		return err
	}
	var pk struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	if !o.Has("pub_key") {
		return errf(ErrFormat, s, "signature has no pub_key; it must be %s", cosmosShape)
	}
	if err := o.Get("pub_key", &pk); err != nil {
		return errf(ErrFormat, s, "signature %v; it must be %s", err, cosmosShape)
	}
	if pk.Type != "tendermint/PubKeySecp256k1" {
		return errf(ErrFormat, s, "pub_key type %q is not supported; pyaleph verifies tendermint/PubKeySecp256k1", pk.Type)
	}
	pubBytes, err := base64.StdEncoding.DecodeString(pk.Value)
	if err != nil {
		return errf(ErrFormat, s, "pub_key value is not base64: %v", err)
	}
	sigB64, err := member(s, o, "signature", cosmosShape)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil || len(sig) != 64 {
		return errf(ErrFormat, s, "signature must be 64 bytes (r||s) in base64")
	}
	sh := sha256.Sum256(pubBytes)
	rh := ripemd160.New()
	rh.Write(sh[:])
	conv, err := bech32.ConvertBits(rh.Sum(nil), 8, 5, true)
	if err != nil {
		return errf(ErrFormat, s, "pub_key: %v", err)
	}
	addr, err := bech32.Encode(hrp, conv)
	if err != nil || addr != s.Sender {
		return errf(ErrMismatch, s, "pub_key is the key of %s, not of the sender %s", addr, s.Sender)
	}
	if len(pubBytes) != 33 && len(pubBytes) != 65 {
		return errf(ErrFormat, s, "pub_key must be a 33-byte compressed or 65-byte secp256k1 key, got %d bytes", len(pubBytes))
	}
	var r, ss secp256k1.ModNScalar
	if r.SetByteSlice(sig[:32]) || ss.SetByteSlice(sig[32:]) || r.IsZero() || ss.IsZero() {
		return errf(ErrMismatch, s, "signature r or s is not in [1, n-1]")
	}
	// python-ecdsa's verify, as pyaleph calls it, takes high-S signatures
	// too; (r, s) verifies exactly when (r, n-s) does, so a high S is
	// negated and libsecp256k1 (which takes low S only) checks it, about
	// three times as fast as a pure-Go check.
	if ss.IsOverHalfOrder() {
		ss.Negate()
		ss.PutBytesUnchecked(sig[32:])
	}
	doc := CosmosSignDoc(s)
	digest := sha256.Sum256(doc)
	// An invalid key makes libsecp256k1's parse, hence the check, fail.
	if !crypto.VerifySignature(pubBytes, digest[:], sig) {
		return errf(ErrMismatch, s, "secp256k1 signature over sha256(%s) does not verify with the key of %s", doc, s.Sender)
	}
	return nil
}
