package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/app"
	"github.com/alephd/alephd/index"
	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/message"
)

// publication is pyaleph's answer to a submission. The SDK throws on any
// 2xx other than 200 and 202.
func publication(status string) gin.H {
	return gin.H{"publication_status": gin.H{"status": "success", "failed": []string{}}, "message_status": status}
}

// postMessage is POST /api/v0/messages: {"message": {...}, "sync": bool}.
func (s *Server) postMessage(c *gin.Context) {
	var body struct {
		Message json.RawMessage `json:"message"`
		Sync    bool            `json:"sync"`
	}
	if err := c.ShouldBindJSON(&body); err != nil || len(body.Message) == 0 {
		if tooLarge(c, err) {
			return
		}
		fail(c, http.StatusUnprocessableEntity, "the body must be {\"message\": {...}, \"sync\": bool}")
		return
	}
	m, err := message.FromJSON(body.Message)
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	s.submit(c, m, body.Sync)
}

// tooLarge answers 413 when err is the body limit's, and says whether it did.
func tooLarge(c *gin.Context, err error) bool {
	var mbe *http.MaxBytesError
	if !errors.As(err, &mbe) {
		return false
	}
	failRead(c, err)
	return true
}

// pubsubPub is the legacy POST /api/v0/ipfs/pubsub/pub: {topic, data}, with
// data the message as a JSON string or an object.
func (s *Server) pubsubPub(c *gin.Context) {
	var body struct {
		Topic string          `json:"topic"`
		Data  json.RawMessage `json:"data"`
	}
	if err := c.ShouldBindJSON(&body); err != nil || len(body.Data) == 0 {
		if tooLarge(c, err) {
			return
		}
		fail(c, http.StatusUnprocessableEntity, "the body must be {\"topic\": ..., \"data\": message}")
		return
	}
	data := []byte(body.Data)
	var str string
	if json.Unmarshal(body.Data, &str) == nil {
		data = []byte(str)
	}
	m, err := message.FromJSON(data)
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	// pyaleph answers these routes with its PublicationStatus alone,
	// {status, failed}; alephd adds it to POST /api/v0/messages' answer.
	status, out := s.publish(c, m, false)
	if ps, ok := out["publication_status"].(gin.H); ok {
		out["status"], out["failed"] = ps["status"], ps["failed"]
	}
	c.JSON(status, out)
}

// submit admits m through the mempool and, with sync, waits for its block;
// it answers with pyaleph's publication status.
func (s *Server) submit(c *gin.Context, m *pb.AlephMessage, sync bool) {
	status, body := s.publish(c, m, sync)
	c.JSON(status, body)
}

// publish submits m and returns the HTTP status and body pyaleph would give.
func (s *Server) publish(c *gin.Context, m *pb.AlephMessage, sync bool) (int, gin.H) {
	code, space, log, err := s.node.Broadcast(c.Request.Context(), app.EncodeTx(m))
	if errors.Is(err, ErrKnown) {
		code, err = 0, nil // seen before: wait for, or report, what became of it
	}
	if err != nil {
		return http.StatusServiceUnavailable, gin.H{"error": "the node did not take the message: " + err.Error()}
	}
	if code != 0 {
		if e, _ := s.idx.Get(m.ItemHash); e != nil && e.Status != index.StatusRejected {
			return statusOf(e) // already known: say what became of it
		}
		out := publication("rejected")
		out["details"] = log
		out["error_code"] = code
		out["codespace"] = space
		return http.StatusUnprocessableEntity, out
	}
	if e, _ := s.idx.Get(m.ItemHash); e != nil && (!sync || e.Status != index.StatusPending) {
		return statusOf(e)
	}
	s.notePending(m.ItemHash)
	if !sync {
		return http.StatusAccepted, publication("pending")
	}
	e, err := s.waitIndexed(c.Request.Context(), m.ItemHash, syncTimeout)
	if err != nil || e == nil {
		return http.StatusAccepted, publication("pending")
	}
	return statusOf(e)
}

func statusOf(e *index.Entry) (int, gin.H) {
	switch e.Status {
	case index.StatusProcessed, index.StatusRemoving:
		return http.StatusOK, publication(e.Status)
	case index.StatusForgotten, index.StatusRemoved:
		return http.StatusGone, publication(e.Status)
	case index.StatusPending: // a STORE, or content not inline: validators are fetching it
		return http.StatusAccepted, publication(e.Status)
	default:
		out := publication(e.Status)
		out["details"] = e.Details
		return http.StatusUnprocessableEntity, out
	}
}

// waitIndexed waits until the index knows hash and its fate, or the
// timeout: a STORE (or a message whose content is not inline) stays
// pending a block or two more, until validators attest its file (or
// content) (pyaleph's sync publication also waits for processing).
// At the timeout it returns what the index has, pending or nothing.
func (s *Server) waitIndexed(ctx context.Context, hash string, timeout time.Duration) (*index.Entry, error) {
	deadline := time.After(timeout)
	for {
		changed := s.idx.Changed()
		e, err := s.idx.Get(hash)
		if e != nil {
			s.pending.Delete(hash)
		}
		if err != nil || (e != nil && e.Status != index.StatusPending) {
			return e, err
		}
		select {
		case <-changed:
		case <-deadline:
			return e, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// getMessage is GET /api/v0/messages/{hash}.
func (s *Server) getMessage(c *gin.Context) {
	e, ok := s.lookup(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, statusView(e))
}

func (s *Server) getMessageStatus(c *gin.Context) {
	e, ok := s.lookup(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": e.Status, "item_hash": e.ItemHash, "reception_time": receptionTime(e)})
}

// getMessageContent is the message's content; for a POST, content.content.
func (s *Server) getMessageContent(c *gin.Context) {
	e, ok := s.lookup(c)
	if !ok {
		return
	}
	if e.Status != index.StatusProcessed && e.Status != index.StatusRemoving {
		fail(c, http.StatusUnprocessableEntity, "message "+e.ItemHash+" is "+e.Status+": it has no content to serve")
		return
	}
	cont := contentOf(e)
	if e.Type == message.TypePost {
		if inner, ok := cont["content"]; ok {
			c.Data(http.StatusOK, "application/json", inner)
			return
		}
	}
	c.JSON(http.StatusOK, cont)
}

// pendingTTL is how long a submission the index has not seen yet is
// reported pending: a message the mempool dropped is then unknown again.
const pendingTTL = 10 * time.Minute

// notePending records a submission in the mempool, and now and then
// forgets those older than pendingTTL, so the map stays bounded.
func (s *Server) notePending(hash string) {
	s.pending.Store(hash, time.Now())
	if s.pendingAdds.Add(1)%1024 != 0 {
		return
	}
	s.pending.Range(func(k, v any) bool {
		if time.Since(v.(time.Time)) >= pendingTTL {
			s.pending.Delete(k)
		}
		return true
	})
}

// nextCursor is a listing's next_cursor: null on its last page, which is
// how the Aleph SDKs' iterators know to stop.
func nextCursor(p index.Page) any {
	if p.Next == nil {
		return nil
	}
	return p.Next.Encode()
}

// lookup finds the message named in the path, answering 404 or a pending
// status itself.
func (s *Server) lookup(c *gin.Context) (*index.Entry, bool) {
	hash := c.Param("hash")
	if len(hash) > 128 {
		fail(c, http.StatusUnprocessableEntity, "not an item hash")
		return nil, false
	}
	e, err := s.idx.Get(hash)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return nil, false
	}
	if e != nil {
		s.pending.Delete(hash)
	} else {
		if t, ok := s.pending.Load(hash); ok && time.Since(t.(time.Time)) < pendingTTL {
			c.JSON(http.StatusOK, gin.H{"status": "pending", "item_hash": hash,
				"reception_time": t.(time.Time).UTC().Format(time.RFC3339Nano), "messages": []any{}})
			return nil, false
		}
		fail(c, http.StatusNotFound, "no message "+hash)
		return nil, false
	}
	return e, true
}

// listMessages is GET /api/v0/messages.json and /messages/page/{n}.json.
func (s *Server) listMessages(c *gin.Context) {
	lq, err := parseList(c.Request.URL.Query(), c.Param("page"))
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	page, err := s.idx.Messages(lq.filter, lq.ascending, lq.offset(), lq.limit(), !lq.cursor)
	if err != nil {
		fail(c, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	msgs := make([]map[string]any, 0, len(page.Entries))
	for _, e := range page.Entries {
		msgs = append(msgs, withContent(messageView(e), e, lq.contentFormat))
	}
	out := paging(lq, page, "messages")
	out["messages"] = msgs
	c.JSON(http.StatusOK, out)
}

// paging is a listing's pagination keys, as pyaleph's. In cursor mode
// nothing is counted (a client walking N entries page by page would
// otherwise walk them all at each page): pagination_per_page and
// next_cursor, plus alephd's has_more. In page mode pyaleph's four
// pagination keys, plus next_cursor, which lets a page-mode client switch
// to cursors.
func paging(lq listQuery, page index.Page, item string) gin.H {
	if lq.cursor {
		return gin.H{"pagination_per_page": lq.perPage, "next_cursor": nextCursor(page), "has_more": page.Next != nil}
	}
	return gin.H{"pagination_page": lq.page, "pagination_total": page.Total, "pagination_per_page": lq.perPage,
		"pagination_item": item, "next_cursor": nextCursor(page)}
}
