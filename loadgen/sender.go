package loadgen

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gorilla/websocket"
)

// maxBatch is how many requests a sender writes before reading their
// answers (CometBFT's default max_request_batch_size, which bounded the
// HTTP batches this replaced).
const maxBatch = 10

// sender sends pre-encoded broadcast_tx_sync requests over one CometBFT RPC
// websocket, a batch at a time: it writes the batch's requests, then reads
// their answers, which the node sends in order. CometBFT's Go RPC client
// spends more CPU per call (reflection, per-call encoding) than the node
// spends admitting the message; on a 2-core machine shared with the node,
// that would measure the client, not the node. A websocket spares the node
// what a JSON-RPC batch over HTTP costs it on top: an HTTP request per batch
// and a third JSON parse of its body (the batch-size check), ~5% of a dev
// node's CPU under load.
type sender struct {
	url  string
	conn *websocket.Conn
}

func newSender(rpcAddr string) *sender {
	return &sender{url: strings.Replace(rpcAddr, "tcp://", "ws://", 1) + "/websocket"}
}

// encodeRequest is one broadcast_tx_sync request, as the sender writes it.
func encodeRequest(id int, tx []byte) []byte {
	return []byte(`{"jsonrpc":"2.0","id":` + strconv.Itoa(id) + `,"method":"broadcast_tx_sync","params":{"tx":"` +
		base64.StdEncoding.EncodeToString(tx) + `"}}`)
}

// send writes one batch of requests and returns how many the mempool
// admitted. On any error the connection is dropped; the next send dials
// again.
func (s *sender) send(ctx context.Context, batch [][]byte) (int, error) {
	if s.conn == nil {
		conn, _, err := websocket.DefaultDialer.DialContext(ctx, s.url, nil)
		if err != nil {
			return 0, err
		}
		s.conn = conn
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = s.conn.SetWriteDeadline(deadline)
		_ = s.conn.SetReadDeadline(deadline)
	}
	ok, err := s.exchange(batch)
	if err != nil {
		_ = s.conn.Close() // the exchange's error is the one to report
		s.conn = nil
	}
	return ok, err
}

func (s *sender) exchange(batch [][]byte) (int, error) {
	for _, req := range batch {
		if err := s.conn.WriteMessage(websocket.TextMessage, req); err != nil {
			return 0, err
		}
	}
	type response struct {
		Result *struct {
			Code uint32 `json:"code"`
		} `json:"result"`
	}
	ok := 0
	for range batch {
		_, data, err := s.conn.ReadMessage()
		if err != nil {
			return ok, err
		}
		var r response
		if err := json.Unmarshal(data, &r); err != nil {
			return ok, fmt.Errorf("response: %w: %.200s", err, data)
		}
		if r.Result != nil && r.Result.Code == 0 {
			ok++
		}
	}
	return ok, nil
}

// close ends the sender's connection.
func (s *sender) close() {
	if s.conn != nil {
		_ = s.conn.Close() // the run is over: nothing waits on this connection
		s.conn = nil
	}
}
