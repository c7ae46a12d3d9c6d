package api

import (
	"net/http"
	"strconv"
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
	conn, err := upgrader.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		return // the upgrader answered
	}
	defer conn.Close() //nolint:errcheck // the client may be gone already; nothing is lost
	conn.SetReadLimit(wsReadLimit)
	if err := conn.SetReadDeadline(time.Now().Add(wsPongWait)); err != nil {
		return // the connection is broken
	}
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(wsPongWait)) })
	closed := make(chan struct{})
	go func() { // notice the client leaving, or going silent
		defer close(closed)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	send := func(v any) bool {
		if conn.SetWriteDeadline(time.Now().Add(10*time.Second)) != nil {
			return false // the connection is broken
		}
		return conn.WriteJSON(v) == nil
	}
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
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)) != nil {
				return
			}
		case <-closed:
			return
		case <-c.Request.Context().Done():
			return
		}
	}
}
