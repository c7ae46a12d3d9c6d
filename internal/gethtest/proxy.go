package gethtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
)

// Mode is how a Proxy answers.
type Mode int32

const (
	// Pass forwards every request and answer unchanged.
	Pass Mode = iota
	// Down answers every request with HTTP 503, as a node that is
	// overloaded or behind a failing load balancer.
	Down
	// Drop closes every connection without an answer, as a node that died
	// mid-request.
	Drop
	// Lying forwards requests and alters answers with the proxy's Lie.
	Lying
	// Stall holds every request without an answer until the client gives
	// up or the mode changes, as a node that hangs: a caller without a
	// timeout waits forever.
	Stall
)

// Lie alters one JSON-RPC answer: method and params of the request, result
// of the upstream node; it returns the result to send instead (result
// itself to leave it). It runs on the proxy's goroutines.
type Lie func(method string, params json.RawMessage, result json.RawMessage) json.RawMessage

// Proxy is an HTTP JSON-RPC proxy on 127.0.0.1 in front of an upstream RPC
// URL, for tests where one node's Ethereum endpoint fails or lies. Point
// the node under test at URL. For a connection refused, Stop the Chain
// behind it (or point the node at a Chain that is stopped).
type Proxy struct {
	URL string // http://127.0.0.1:port

	upstream string
	mode     atomic.Int32
	mu       sync.Mutex
	lie      Lie
	requests atomic.Int64
	lies     atomic.Int64
	client   *http.Client
}

// NewProxy starts a proxy in front of upstream, in mode Pass, closed when
// the test ends.
func NewProxy(tb testing.TB, upstream string) *Proxy {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0") // bound now: no other test can take it
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{
		URL:      "http://" + l.Addr().String(),
		upstream: upstream,
		client:   &http.Client{Timeout: 2 * time.Minute},
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			tb.Logf("gethtest proxy: %v", err)
		}
	}()
	tb.Cleanup(func() { _ = srv.Close() }) // closing ends Serve; nothing to report
	return p
}

// SetMode switches how the proxy answers from the next request on.
func (p *Proxy) SetMode(m Mode) { p.mode.Store(int32(m)) }

// Lie switches to mode Lying with l.
func (p *Proxy) Lie(l Lie) {
	p.mu.Lock()
	p.lie = l
	p.mu.Unlock()
	p.SetMode(Lying)
}

// Requests is the number of HTTP requests the proxy received, in any mode.
func (p *Proxy) Requests() int64 { return p.requests.Load() }

// Lies is the number of answers a Lie changed.
func (p *Proxy) Lies() int64 { return p.lies.Load() }

type rpcMessage struct {
	JSONRPC string          `json:"jsonrpc,omitempty"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   json.RawMessage `json:"error,omitempty"`
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	p.serve(w, r)
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	switch Mode(p.mode.Load()) {
	case Down:
		http.Error(w, "gethtest proxy: down", http.StatusServiceUnavailable)
		return
	case Stall:
		for Mode(p.mode.Load()) == Stall {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		p.serve(w, r) // in the mode that ended the stall
		return
	case Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close() // the point: no answer at all
				return
			}
		}
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, p.upstream, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		http.Error(w, "gethtest proxy: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer func() { _ = resp.Body.Close() }() // fully read below
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, "gethtest proxy: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	if Mode(p.mode.Load()) == Lying && resp.StatusCode == http.StatusOK {
		out = p.alter(body, out)
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out) // the client may have gone; nothing to do then
}

// alter applies the Lie to each answer of a single or batch request; what
// it cannot parse it passes unchanged.
func (p *Proxy) alter(reqBody, respBody []byte) []byte {
	p.mu.Lock()
	lie := p.lie
	p.mu.Unlock()
	if lie == nil {
		return respBody
	}
	batch := len(bytes.TrimSpace(reqBody)) > 0 && bytes.TrimSpace(reqBody)[0] == '['
	var reqs, resps []rpcMessage
	if batch {
		if json.Unmarshal(reqBody, &reqs) != nil || json.Unmarshal(respBody, &resps) != nil {
			return respBody
		}
	} else {
		var rq, rs rpcMessage
		if json.Unmarshal(reqBody, &rq) != nil || json.Unmarshal(respBody, &rs) != nil {
			return respBody
		}
		reqs, resps = []rpcMessage{rq}, []rpcMessage{rs}
	}
	byID := map[string]rpcMessage{}
	for _, rq := range reqs {
		byID[string(rq.ID)] = rq
	}
	changed := false
	for i, rs := range resps {
		rq, ok := byID[string(rs.ID)]
		if !ok || rs.Result == nil {
			continue
		}
		if res := lie(rq.Method, rq.Params, rs.Result); !bytes.Equal(res, rs.Result) {
			resps[i].Result = res
			changed = true
		}
	}
	if !changed {
		return respBody
	}
	p.lies.Add(1)
	var out []byte
	var err error
	if batch {
		out, err = json.Marshal(resps)
	} else {
		out, err = json.Marshal(resps[0])
	}
	if err != nil {
		return respBody
	}
	return out
}

// LieTransfers changes every Transfer log in eth_getLogs answers with
// change, which gets the decoded recipient and amount and returns the ones
// to report. Logs of other events pass unchanged.
func LieTransfers(change func(to common.Address, amount *big.Int) (common.Address, *big.Int)) Lie {
	return func(method string, _ json.RawMessage, result json.RawMessage) json.RawMessage {
		if method != "eth_getLogs" {
			return result
		}
		var logs []types.Log
		if json.Unmarshal(result, &logs) != nil {
			return result
		}
		for i, l := range logs {
			if len(l.Topics) != 3 || l.Topics[0] != TransferTopic || len(l.Data) != 32 {
				continue
			}
			to, amount := change(common.BytesToAddress(l.Topics[2].Bytes()), new(big.Int).SetBytes(l.Data))
			logs[i].Topics = []common.Hash{l.Topics[0], l.Topics[1], common.BytesToHash(to.Bytes())}
			logs[i].Data = common.BigToHash(amount).Bytes()
		}
		out, err := json.Marshal(logs)
		if err != nil {
			return result
		}
		return out
	}
}

// InflateTransfers is a Lie that adds extra to the amount of every Transfer.
func InflateTransfers(extra *big.Int) Lie {
	return LieTransfers(func(to common.Address, amount *big.Int) (common.Address, *big.Int) {
		return to, new(big.Int).Add(amount, extra)
	})
}

// RedirectTransfers is a Lie that makes every Transfer pay to instead.
func RedirectTransfers(to common.Address) Lie {
	return LieTransfers(func(_ common.Address, amount *big.Int) (common.Address, *big.Int) {
		return to, amount
	})
}

// balanceOfSelector is the 4-byte selector of balanceOf(address).
var balanceOfSelector = []byte{0x70, 0xa0, 0x82, 0x31}

// LieBalances is a Lie that changes every balanceOf answer of eth_call with
// change, which gets the holder and the true balance.
func LieBalances(change func(holder common.Address, balance *big.Int) *big.Int) Lie {
	return func(method string, params json.RawMessage, result json.RawMessage) json.RawMessage {
		if method != "eth_call" {
			return result
		}
		var args []json.RawMessage
		var call struct {
			Input hexutil.Bytes `json:"input"`
			Data  hexutil.Bytes `json:"data"`
		}
		if json.Unmarshal(params, &args) != nil || len(args) == 0 || json.Unmarshal(args[0], &call) != nil {
			return result
		}
		input := call.Input
		if len(input) == 0 {
			input = call.Data
		}
		var ret hexutil.Bytes
		if len(input) != 36 || !bytes.Equal(input[:4], balanceOfSelector) || json.Unmarshal(result, &ret) != nil || len(ret) != 32 {
			return result
		}
		bal := change(common.BytesToAddress(input[4:]), new(big.Int).SetBytes(ret))
		out, err := json.Marshal(hexutil.Bytes(common.BigToHash(bal).Bytes()))
		if err != nil {
			return result
		}
		return out
	}
}

// Combine chains lies, applied in order.
func Combine(lies ...Lie) Lie {
	return func(method string, params json.RawMessage, result json.RawMessage) json.RawMessage {
		for _, l := range lies {
			result = l(method, params, result)
		}
		return result
	}
}
