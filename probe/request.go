package probe

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/alephd/alephd/x/resource"
)

// Path is where a resource node answers liveness probes, under its
// registered address.
const Path = "/alephd/v1/probe"

// maxBody bounds what is read of an answer: the JSON of a node hash, two
// numbers and 128 hex characters is a few hundred bytes, and a node that
// sends more gets no further than this.
const maxBody = 4 << 10

// answer is a resource node's reply to a probe.
type answer struct {
	Node      string `json:"node"`
	Epoch     uint64 `json:"epoch"`
	Slot      uint32 `json:"slot"`
	Signature string `json:"signature"`
}

// failure is why a probe got no valid answer: a reason (the metric's
// label) and what went wrong, for the log.
type failure struct {
	reason string
	err    error
}

func (f *failure) Error() string { return f.reason + ": " + f.err.Error() }

func fail(reason string, format string, args ...any) *failure {
	return &failure{reason: reason, err: fmt.Errorf(format, args...)}
}

// probeURL is the probe of t's slot at t's registered address.
func probeURL(t resource.ProbeTarget) (string, error) {
	u, err := url.Parse(strings.TrimRight(t.URL, "/") + Path)
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", t.URL)
	}
	q := url.Values{}
	q.Set("epoch", strconv.FormatUint(t.Epoch, 10))
	q.Set("slot", strconv.FormatUint(uint64(t.Slot), 10))
	q.Set("nonce", hex.EncodeToString(t.Nonce))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// probe asks t's node to sign its slot's nonce and returns the signature
// if it verifies against the node's registered key.
func probe(ctx context.Context, client *http.Client, chainID string, t resource.ProbeTarget) ([]byte, *failure) {
	target, err := probeURL(t)
	if err != nil {
		return nil, &failure{reason: reasonURL, err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, &failure{reason: reasonURL, err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, transportFailure(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fail(reasonStatus, "HTTP %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, transportFailure(err)
	}
	if len(body) > maxBody {
		return nil, fail(reasonBody, "answer larger than %d bytes", maxBody)
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fail(reasonBody, "answer is not the probe's JSON: %v", err)
	}
	if a.Node != t.Node || a.Epoch != t.Epoch || a.Slot != t.Slot {
		return nil, fail(reasonMismatch, "answer for node %q epoch %d slot %d", a.Node, a.Epoch, a.Slot)
	}
	sig, err := hex.DecodeString(a.Signature)
	if err != nil || len(sig) != 64 {
		return nil, fail(reasonBody, "signature is not 128 hex characters")
	}
	if !resource.VerifyProbe(t.Pubkey, chainID, t.Node, t.Epoch, t.Slot, t.Nonce, sig) {
		return nil, fail(reasonSignature, "signature does not verify against the node's registered key")
	}
	return sig, nil
}

// transportFailure tells a timeout from any other failure to connect or
// read.
func transportFailure(err error) *failure {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &failure{reason: reasonTimeout, err: err}
	}
	return &failure{reason: reasonConnect, err: err}
}
