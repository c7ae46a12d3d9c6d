package chains

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/crypto/blake2b"
)

// tezos is pyaleph's TezosVerifier (chains/tezos.py) with pytezos-crypto's
// Key: the signature field is JSON {"signature", "publicKey"[,
// "signingType", "dAppUrl"]}; the sender must be the key's hash (tz1
// ed25519, tz2 secp256k1, tz3 P-256); what is signed is blake2b-256 of
// either the buffer ("raw", the default) or, for "micheline" (what web
// wallets sign), 0x05 0x01 0x00 + the decimal length of the payload's hex +
// the payload "Tezos Signed Message: {dAppUrl} {ISO time} {buffer}".
var tezos = &Scheme{
	Name:   "blake2b-256 of the buffer (raw) or of its micheline wrapping, signed by ed25519, secp256k1 or P-256",
	Sender: "tz1, tz2 or tz3: the base58check blake2b-160 hash of the public key, exact case",
	verify: verifyTezos,
}

func init() { register(tezos, "TEZOS") }

const tezosShape = `{"signature": "edsig…|spsig1…|p2sig…|sig…", "publicKey": "edpk…|sppk…|p2pk…"[, "signingType": "raw"|"micheline", "dAppUrl": …]}`

// tezosCurve is one key type: its prefixes (tezos' base58 prefixes, as
// in pytezos_crypto.encoding) and how it verifies a digest.
type tezosCurve struct {
	name      string // pytezos' curve tag: "ed", "sp", "p2"
	pk        []byte // public key prefix bytes
	pkLen     int
	pkh       []byte // public key hash prefix bytes (tz1, tz2, tz3)
	sig       []byte // curve-specific signature prefix bytes
	verifyDig func(pub, digest, sig []byte) bool
}

var (
	tezosGenericSig = []byte{4, 130, 43} // "sig"
	tezosCurves     = []tezosCurve{
		{"ed", []byte{13, 15, 37, 217}, 32, []byte{6, 161, 159}, []byte{9, 245, 205, 134, 18}, verifyTezosEd25519},
		{"sp", []byte{3, 254, 226, 86}, 33, []byte{6, 161, 161}, []byte{13, 115, 101, 19, 63}, verifyTezosSecp256k1},
		{"p2", []byte{3, 178, 139, 127}, 33, []byte{6, 161, 164}, []byte{54, 240, 44, 52}, verifyTezosP256},
	}
)

func verifyTezos(sv Signed) error {
	s := &sv
	o, err := sigObject(s, tezosShape)
	if err != nil {
		return err
	}
	sigStr, err := member(s, o, "signature", tezosShape)
	if err != nil {
		return err
	}
	pkStr, err := member(s, o, "publicKey", tezosShape)
	if err != nil {
		return err
	}
	signingType, dApp := "raw", "aleph.im"
	if o.Has("signingType") {
		if signingType, err = member(s, o, "signingType", tezosShape); err != nil {
			return err
		}
	}
	if o.Has("dAppUrl") {
		if dApp, err = member(s, o, "dAppUrl", tezosShape); err != nil {
			return err
		}
	}
	var curve *tezosCurve
	var pub []byte
	for i := range tezosCurves {
		c := &tezosCurves[i]
		if strings.HasPrefix(pkStr, c.name+"pk") {
			curve = c
			pub, err = decodePrefixed(pkStr, c.pk, c.pkLen)
			break
		}
	}
	if curve == nil || err != nil {
		return errf(ErrFormat, s, "publicKey %q is not an edpk, sppk or p2pk public key", pkStr)
	}
	h, _ := blake2b.New(20, nil)
	h.Write(pub)
	if pkh := encodeBase58Check(curve.pkh, h.Sum(nil)); pkh != s.Sender {
		return errf(ErrMismatch, s, "sender %s is not the hash of publicKey %s (%s)", s.Sender, pkStr, pkh)
	}
	var sig []byte
	switch {
	case strings.HasPrefix(sigStr, "sig"):
		sig, err = decodePrefixed(sigStr, tezosGenericSig, 64)
	case strings.HasPrefix(sigStr, curve.name+"sig"):
		sig, err = decodePrefixed(sigStr, curve.sig, 64)
	default:
		return errf(ErrFormat, s, "signature %q is neither a generic sig… nor a %ssig… signature for a %spk key", sigStr, curve.name, curve.name)
	}
	if err != nil {
		return errf(ErrFormat, s, "signature %q does not decode: %v", sigStr, err)
	}
	var signed []byte
	switch signingType {
	case "raw":
		signed = s.Buffer()
	case "micheline":
		if signed, err = michelinePayload(s, dApp); err != nil {
			return err
		}
	default:
		return errf(ErrFormat, s, "signingType %q is neither raw nor micheline", signingType)
	}
	digest := blake2b.Sum256(signed)
	if !curve.verifyDig(pub, digest[:], sig) {
		return errf(ErrMismatch, s, "%s signature of blake2b-256(%s payload %q) does not verify with %s", curve.name, signingType, signed, pkStr)
	}
	return nil
}

// michelinePayload is pyaleph's micheline_verification_buffer: what a
// Tezos web wallet signs. The time is the message's, to the millisecond,
// JavaScript's toISOString form.
func michelinePayload(s *Signed, dApp string) ([]byte, error) {
	if s.TimeNano < 0 {
		return nil, errf(ErrFormat, s, "a micheline signature covers the message time, which is not valid")
	}
	payload := "Tezos Signed Message: " + dApp + " " + isoMillis(s.TimeNano) + " " + string(s.Buffer())
	out := append([]byte{0x05, 0x01, 0x00}, strconv.Itoa(hex.EncodedLen(len(payload)))...)
	return append(out, payload...), nil
}

// isoMillis formats Unix nanoseconds as pyaleph's datetime_to_iso_8601:
// "2006-01-02T15:04:05.000Z". pyaleph holds the time as a datetime in
// microseconds, rounded from the float it parsed, then truncates to
// milliseconds: the time is rounded to the microsecond first here too.
func isoMillis(ns int64) string {
	us := (ns + 500) / 1000
	sec, ms := us/1_000_000, us%1_000_000/1000
	days, rem := sec/86400, sec%86400
	y, m, d := civil(days)
	b := make([]byte, 0, 24)
	b = pad(b, y, 4)
	b = append(b, '-')
	b = pad(b, m, 2)
	b = append(b, '-')
	b = pad(b, d, 2)
	b = append(b, 'T')
	b = pad(b, rem/3600, 2)
	b = append(b, ':')
	b = pad(b, rem%3600/60, 2)
	b = append(b, ':')
	b = pad(b, rem%60, 2)
	b = append(b, '.')
	b = pad(b, ms, 3)
	return string(append(b, 'Z'))
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil inverse), with no wall clock or zone.
func civil(z int64) (y, m, d int64) {
	z += 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func pad(b []byte, v int64, width int) []byte {
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func verifyTezosEd25519(pub, digest, sig []byte) bool {
	return ed25519.Verify(ed25519.PublicKey(pub), digest, sig)
}

// verifyTezosSecp256k1 is libsecp256k1's verify, as pytezos calls it:
// a high-S signature is refused.
func verifyTezosSecp256k1(pub, digest, sig []byte) bool {
	return crypto.VerifySignature(pub, digest, sig)
}

func verifyTezosP256(pub, digest, sig []byte) bool {
	x, y := elliptic.UnmarshalCompressed(elliptic.P256(), pub)
	if x == nil {
		return false
	}
	// crypto/ecdsa parses uncompressed points only.
	point := make([]byte, 65)
	point[0] = 4
	x.FillBytes(point[1:33])
	y.FillBytes(point[33:])
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return false
	}
	r, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(key, digest, r, ss)
}
