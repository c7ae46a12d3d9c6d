package api

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{
	CheckOrigin: func(*http.Request) bool { return true }, // a public read API, like pyaleph's
}

// defaultHistory is pyaleph's history when the client names none.
const defaultHistory = 10

// maxHistory bounds the history a websocket client may ask for.
const maxHistory = 200

// A websocket client only listens: what it sends is read (to notice it
// leave) but bounded, and one that stops answering pings is let go.
const (
	wsReadLimit = 4 << 10
	wsPingEvery = 30 * time.Second
	wsPongWait  = 2 * wsPingEvery
)

// watchMessages is /api/ws0/messages: the messages.json filters plus
// history=N; it sends the N latest matching messages, then each matching
// message as soon as its block is indexed, one JSON object per text frame.
func (s *Server) watchMessages(c *gin.Context) {
	q := c.Request.URL.Query()
	history := defaultHistory
	if v := q.Get("history"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxHistory {
			err = errBadNumber
		}
		if err != nil {
			fail(c, http.StatusUnprocessableEntity, "history must be a number from 0 to 200")
			return
		}
		history = n
	}
	q.Del("history")
	lq, err := parseList(q, "")
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if lq.contentFormat != contentFull {
		lq.contentFormat = contentNone // as pyaleph's websocket: content or none
	}
	ws, ok := s.upgrade(c, &s.ws.messages)
	if !ok {
		return
	}
	defer ws.close()
	send, closed := ws.send, ws.closed
	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	from := s.idx.Height()
	if history > 0 {
		f := lq.filter
		f.EndBlock = from
		if f.EndBlock == 0 {
			f.EndBlock = -1 // nothing indexed yet
		}
		page, err := s.idx.Messages(f, false, 0, history, false)
		if err != nil {
			return
		}
		for i := len(page.Entries) - 1; i >= 0; i-- { // oldest first
			if !send(withContent(messageView(page.Entries[i]), page.Entries[i], lq.contentFormat)) {
				return
			}
		}
	}
	for {
		changed := s.idx.Changed()
		if h := s.idx.Height(); h > from {
			f := lq.filter
			f.StartBlock, f.EndBlock = from+1, h
			for { // a page at a time, so a burst does not sit in memory whole
				page, err := s.idx.Messages(f, true, 0, maxPerPage, false)
				if err != nil {
					return
				}
				for _, e := range page.Entries {
					if !send(withContent(messageView(e), e, lq.contentFormat)) {
						return
					}
				}
				if page.Next == nil {
					break
				}
				f.After = page.Next
			}
			// STOREs these blocks attested: listed at their own, earlier
			// height, and live only now.
			attested, err := s.idx.BecameLive(from+1, h)
			if err != nil {
				return
			}
			for _, e := range attested {
				if lq.filter.Matches(e) && !send(withContent(messageView(e), e, lq.contentFormat)) {
					return
				}
			}
			from = h
			continue
		}
		select {
		case <-changed:
		case <-ping.C:
			if !ws.ping() {
				return
			}
		case <-closed:
			return
		case <-c.Request.Context().Done():
			return
		}
	}
}

// wsGauges count open websocket connections, for /metrics and
// /metrics.json (pyaleph's ws_*_connections_active).
type wsGauges struct{ messages, status atomic.Int64 }

// wsConn is an upgraded websocket: a client that only listens.
type wsConn struct {
	conn   *websocket.Conn
	closed chan struct{} // closed when the client leaves or goes silent
	gauge  *atomic.Int64
}

// upgrade upgrades the request, counts the connection in gauge, and reads
// what the client sends (to notice it leave) in the background. false: the
// upgrader answered.
func (s *Server) upgrade(c *gin.Context, gauge *atomic.Int64) (*wsConn, bool) {
	conn, err := upgrader.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		return nil, false
	}
	gauge.Add(1)
	w := &wsConn{conn: conn, closed: make(chan struct{}), gauge: gauge}
	conn.SetReadLimit(wsReadLimit)
	if err := conn.SetReadDeadline(time.Now().Add(wsPongWait)); err != nil {
		w.close()
		return nil, false // the connection is broken
	}
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(wsPongWait)) })
	go func() { // notice the client leaving, or going silent
		defer close(w.closed)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	return w, true
}

func (w *wsConn) close() {
	_ = w.conn.Close() // the client may be gone already; nothing is lost
	w.gauge.Add(-1)
}

// send writes v as one JSON text frame; false if the client is gone.
func (w *wsConn) send(v any) bool {
	if w.conn.SetWriteDeadline(time.Now().Add(10*time.Second)) != nil {
		return false // the connection is broken
	}
	return w.conn.WriteJSON(v) == nil
}

// ping sends a ping; false if the client is gone.
func (w *wsConn) ping() bool {
	return w.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)) == nil
}
