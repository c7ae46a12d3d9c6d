package loadgen

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxBatch is CometBFT's default max_request_batch_size.
const maxBatch = 10

// sender posts pre-encoded JSON-RPC batches of broadcast_tx_sync. CometBFT's
// Go RPC client spends more CPU per call (reflection, per-call encoding)
// than the node spends admitting the message; on a 2-core machine shared
// with the node, that would measure the client, not the node.
type sender struct {
	url  string
	http *http.Client
}

func newSender(rpcAddr string) *sender {
	url := strings.Replace(rpcAddr, "tcp://", "http://", 1)
	return &sender{url: url, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}}
}

// encodeBatch builds the body of one JSON-RPC batch of broadcast_tx_sync.
func encodeBatch(txs [][]byte) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, tx := range txs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"jsonrpc":"2.0","id":` + strconv.Itoa(i) + `,"method":"broadcast_tx_sync","params":{"tx":"`)
		b.WriteString(base64.StdEncoding.EncodeToString(tx))
		b.WriteString(`"}}`)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// send posts one batch and returns how many the mempool admitted.
func (s *sender) send(ctx context.Context, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	type response struct {
		Result *struct {
			Code uint32 `json:"code"`
		} `json:"result"`
	}
	var results []response
	if len(data) > 0 && data[0] == '{' { // CometBFT answers a batch of one with a bare object
		var one response
		if err := json.Unmarshal(data, &one); err != nil {
			return 0, fmt.Errorf("response: %w: %.200s", err, data)
		}
		results = []response{one}
	} else if err := json.Unmarshal(data, &results); err != nil {
		return 0, fmt.Errorf("batch response: %w: %.200s", err, data)
	}
	ok := 0
	for _, r := range results {
		if r.Result != nil && r.Result.Code == 0 {
			ok++
		}
	}
	return ok, nil
}
