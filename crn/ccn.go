package crn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/alephd/alephd/app"
	pb "github.com/alephd/alephd/proto/alephdv1"
)

// CCN is the API of the core channel node a resource node follows.
type CCN struct {
	Base   string // e.g. http://127.0.0.1:4024
	Client *http.Client
}

// NewCCN returns a client of the API at base.
func NewCCN(base string) *CCN {
	return &CCN{Base: strings.TrimRight(base, "/"), Client: &http.Client{Timeout: 30 * time.Second}}
}

func (c *CCN) url(node, what string) string {
	return c.Base + "/api/v0/compute/" + url.PathEscape(node) + "/" + what
}

func (c *CCN) getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := c.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", u, res.Status, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, out)
}

// Files is what the chain assigns node.
func (c *CCN) Files(ctx context.Context, node string) (*app.ResourceFilesView, error) {
	v := new(app.ResourceFilesView)
	return v, c.getJSON(ctx, c.url(node, "files"), v)
}

// Challenges are node's open challenges.
func (c *CCN) Challenges(ctx context.Context, node string) (*app.ResourceChallengesView, error) {
	v := new(app.ResourceChallengesView)
	return v, c.getJSON(ctx, c.url(node, "challenges"), v)
}

// Submitted is the CCN's answer to a proof: CheckTx's code and log, and
// the transaction's hash.
type Submitted struct {
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace"`
	Log       string `json:"log"`
	TxHash    string `json:"tx_hash"`
}

// SubmitProof sends a signed proof to the CCN's mempool. A refusal by
// CheckTx comes back as Submitted with a non-zero code, not an error.
func (c *CCN) SubmitProof(ctx context.Context, p *pb.StorageProof) (Submitted, error) {
	var s Submitted
	b, err := proto.Marshal(p)
	if err != nil {
		return s, err
	}
	u := c.url(p.Node, "proofs")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return s, err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	res, err := c.Client.Do(req)
	if err != nil {
		return s, err
	}
	defer res.Body.Close() //nolint:errcheck // read only: a failed close loses nothing
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return s, err
	}
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusUnprocessableEntity {
		return s, fmt.Errorf("POST %s: %s: %s", u, res.Status, bytes.TrimSpace(body))
	}
	return s, json.Unmarshal(body, &s)
}
