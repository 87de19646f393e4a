package kiosk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"buurtloket"
	"buurtloket/dialogs"

	"github.com/gorilla/websocket"
)

const (
	writeWait = 10 * time.Second // to write one frame
	sendQueue = 16               // frames waiting for a slow page; more closes it
	storeWait = 10 * time.Second // for the work of one frame: engine and storage

	// A page sends a few inputs a second at most; a flood is slowed down
	// (burst, then per second), and a page that keeps flooding is closed.
	floodBurst   = 20
	floodRate    = 10
	floodStrikes = 50
)

// conn is one page's WebSocket. As in the gorilla chat example, a read pump
// reads the page's frames (and has them handled in order), a write pump
// writes the frames queued for the page with a write deadline, a slow page
// whose queue fills up is closed, and pings keep the read deadline honest.
//
// Unlike the example, the write pump is not parked for the whole life of
// the connection: it runs while frames wait and ends when the queue is
// empty, and pings go out from a timer through WriteControl, which gorilla
// allows next to a writer. A goroutine that has written to the network
// keeps a 4 KB stack for good; a parked write pump per connection was a
// third of the server's memory with thousands of idle kiosks and phones
// (docs/benchmarks.md). There is still at most one writer at a time.
type conn struct {
	s     *Server
	mode  *Mode
	ws    *websocket.Conn
	key   string            // the stored session's name
	kiosk *buurtloket.Kiosk // the paired kiosk; nil on a phone
	// kioskToken is the kiosk's pairing token, to notice a revocation
	// while the page is open.
	kioskToken string
	done       chan struct{} // the worker has handled this connection's input

	wmu     sync.Mutex
	pending [][]byte    // frames for the page, oldest first
	writing bool        // a write pump runs
	closing bool        // the connection is ending: nothing more is queued
	ping    *time.Timer // the next ping

	// The rest belongs to the read pump, and to the worker while it
	// handles one of this connection's frames.
	sess     dialogs.Session
	receipt  *receiptDTO
	sentLang string // the language of the page's words last sent

	// Following a request with its code: kept in memory only, for this
	// connection; wrong tries are limited.
	followTicket, followPIN string
	wrongTries              int
	wrongSince              time.Time

	tokens  float64
	last    time.Time
	strikes int
	noticed time.Time // when the page was last told to slow down
}

// stored is what the web channel keeps per session: the dialog session and
// the receipt the end screen shows.
type stored struct {
	Session json.RawMessage `json:"s"`
	Receipt *receiptDTO     `json:"r,omitempty"`
}

func (s *Server) serveWebSocket(mode *Mode) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cookie, err := r.Cookie(cookieName)
		if err != nil || len(cookie.Value) != 43 {
			http.Error(w, "open the page first", http.StatusBadRequest)
			return
		}
		var kiosk *buurtloket.Kiosk
		var kioskToken string
		if mode.Channel == buurtloket.ChannelKiosk {
			if kiosk, kioskToken, err = s.kiosk(r); err != nil {
				if buurtloket.ErrorCode(err) == buurtloket.ENOTFOUND {
					http.Error(w, "this kiosk is not paired", http.StatusForbidden)
				} else {
					http.Error(w, "try again shortly", http.StatusServiceUnavailable)
				}
				return
			}
		}
		ws, err := s.upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // the upgrader has answered
		}
		c := &conn{s: s, mode: mode, ws: ws, key: storeKey(mode, cookie.Value),
			tokens: floodBurst, last: time.Now(), done: make(chan struct{}, 1), kiosk: kiosk, kioskToken: kioskToken}
		c.wmu.Lock()
		c.ping = time.AfterFunc(mode.Ping, c.sendPing)
		c.wmu.Unlock()
		// As in the chat example, the pumps run on their own and the
		// handler returns: net/http then frees what it held for the request.
		s.track(c, true)
		go c.readPump(r.URL.Query().Get("lang"))
	}
}

func (c *conn) readPump(lang string) {
	defer func() {
		c.s.track(c, false)
		c.shut()
	}()
	c.ws.SetReadLimit(maxFrame)
	c.ws.SetReadDeadline(time.Now().Add(c.mode.pongWait()))
	c.ws.SetPongHandler(func(string) error { c.ws.SetReadDeadline(time.Now().Add(c.mode.pongWait())); return nil })
	if !c.onWorker(func(ctx context.Context) { c.open(ctx, lang) }) {
		return
	}
	for {
		kind, data, err := c.ws.ReadMessage()
		if err != nil {
			if websocket.IsUnexpectedCloseError(err, websocket.CloseGoingAway, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived) {
				c.s.cfg.Logger.Info("page connection ended", "mode", c.mode.Name, "reason", endReason(err))
			}
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(c.mode.pongWait()))
		if !c.allow() {
			c.strikes++
			if c.strikes > floodStrikes {
				c.s.cfg.Logger.Warn("page flooding: connection closed", "mode", c.mode.Name)
				return
			}
			// Dropped; the page hears about it once a second at most.
			if time.Since(c.noticed) > time.Second {
				c.noticed = time.Now()
				c.sendError(buurtloket.Errorf(buurtloket.EINVALID, "too many messages: slow down"))
			}
			continue
		}
		if kind != websocket.TextMessage {
			c.sendError(buurtloket.Errorf(buurtloket.EINVALID, "only text frames"))
			continue
		}
		if !c.onWorker(func(ctx context.Context) { c.handle(ctx, data) }) {
			return
		}
	}
}

// onWorker runs f on one of the server's workers and waits for it; it
// returns false when the server is stopping. The work of one frame gets
// storeWait at most.
func (c *conn) onWorker(f func(context.Context)) bool {
	work := func() {
		ctx, cancel := context.WithTimeout(context.Background(), storeWait)
		f(ctx)
		cancel()
		c.done <- struct{}{}
	}
	select {
	case c.s.work <- work:
	case <-c.s.stop:
		return false
	}
	<-c.done
	return true
}

// enqueue queues a frame for the page and starts the write pump when none
// runs.
func (c *conn) enqueue(data []byte) {
	c.wmu.Lock()
	if c.closing {
		c.wmu.Unlock()
		return
	}
	if len(c.pending) >= sendQueue {
		c.wmu.Unlock()
		// The page does not keep up; it will reconnect and resume.
		c.ws.Close()
		return
	}
	c.pending = append(c.pending, data)
	start := !c.writing
	c.writing = true
	c.wmu.Unlock()
	if start {
		go c.writePump()
	}
}

// writePump writes the queued frames in order, and ends when the queue is
// empty or a write fails. When the connection is ending, it writes what is
// queued and then closes it, as the chat example's write pump does.
func (c *conn) writePump() {
	for {
		c.wmu.Lock()
		if len(c.pending) == 0 {
			c.pending, c.writing = nil, false
			closing := c.closing
			c.wmu.Unlock()
			if closing {
				c.finish()
			}
			return
		}
		msg := c.pending[0]
		c.pending[0] = nil
		c.pending = c.pending[1:]
		c.wmu.Unlock()
		c.ws.SetWriteDeadline(time.Now().Add(writeWait))
		if err := c.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
			c.ws.Close() // the read pump then ends
			c.wmu.Lock()
			c.pending, c.writing, c.closing = nil, false, true
			c.wmu.Unlock()
			return
		}
	}
}

// sendPing pings the page; the page's pong moves the read deadline, and a
// page that does not answer is closed when the deadline passes. A kiosk
// that was revoked meanwhile is closed instead.
func (c *conn) sendPing() {
	if c.kiosk != nil {
		ctx, cancel := context.WithTimeout(context.Background(), storeWait)
		revoked := c.revoked(ctx)
		cancel()
		if revoked {
			c.unpair()
			return
		}
	}
	if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
		c.ws.Close()
		return
	}
	c.wmu.Lock()
	if !c.closing {
		c.ping.Reset(c.mode.Ping)
	}
	c.wmu.Unlock()
}

// shut ends the connection: nothing more is queued, what is queued is still
// written, then the page gets a close frame and the connection is closed.
func (c *conn) shut() {
	c.wmu.Lock()
	c.closing = true
	c.ping.Stop()
	writing := c.writing
	c.wmu.Unlock()
	if !writing {
		c.finish()
	}
}

func (c *conn) finish() {
	c.ws.WriteControl(websocket.CloseMessage, []byte{}, time.Now().Add(time.Second))
	c.ws.Close()
}

// allow takes a token from the page's bucket.
func (c *conn) allow() bool {
	now := time.Now()
	c.tokens = min(floodBurst, c.tokens+now.Sub(c.last).Seconds()*floodRate)
	c.last = now
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	return true
}

// open resumes the stored session, or starts a new one.
func (c *conn) open(ctx context.Context, lang string) {
	e := c.s.cfg.Engine()
	if data, err := c.s.cfg.Store.LoadSession(ctx, c.key); err == nil {
		var st stored
		if json.Unmarshal(data, &st) == nil {
			if sess, err := dialogs.Decode(st.Session); err == nil {
				sess, view, effects := e.Resume(sess)
				c.sess, c.receipt = sess, st.Receipt
				c.apply(ctx, e, view, effects)
				return
			}
		}
		c.s.cfg.Logger.Warn("a stored session could not be read; starting anew", "mode", c.mode.Name)
	} else if buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		c.s.cfg.Logger.Error("loading a session", "error", err)
	}
	sess, view := e.Start(newID(), lang)
	c.sess = sess
	c.apply(ctx, e, view, nil)
}

// handle applies one frame from the page.
func (c *conn) handle(ctx context.Context, data []byte) {
	req, err := parseFrame(data)
	if err != nil {
		c.sendError(err)
		return
	}
	switch req.kind {
	case "follow":
		c.follow(ctx, req.ticket, req.pin)
		return
	case "reply":
		c.reply(ctx, req.text)
		return
	}
	in := req.input
	c.s.metrics.inputs.WithLabelValues(c.mode.Name).Inc()
	e := c.s.cfg.Engine()
	sess, view, effects, err := e.Step(c.sess, in)
	if err != nil {
		c.sendError(err)
		return
	}
	c.sess = sess
	c.apply(ctx, e, view, effects)
}

// apply carries out the effects of a step, stores the session, and sends
// the view. A submission is stored before the ticket code is shown; the
// session is stored before the submission, so that a crash in between
// resumes at the submit step and submits again under the same key.
func (c *conn) apply(ctx context.Context, e *dialogs.Engine, view dialogs.View, effects []dialogs.Effect) {
	wipe := false
	for _, ef := range effects {
		switch ef.Kind {
		case dialogs.EffectEmergency:
			c.s.metrics.emergency.Inc()
		case dialogs.EffectForget:
			wipe = true
			c.receipt = nil
			c.followTicket, c.followPIN = "", ""
			if err := c.s.cfg.Store.DeleteSession(ctx, c.key); err != nil {
				c.s.cfg.Logger.Error("deleting a session", "error", err)
			}
			// A new conversation gets a new name: nothing links it to the last.
			c.sess.ID = newID()
		case dialogs.EffectSubmit, dialogs.EffectHandoff:
			if c.revoked(ctx) {
				c.unpair()
				return
			}
			c.save(ctx)
			// A kiosk's requests carry its neighbourhood; others the one of
			// the postcode answer.
			wijk := ""
			if c.kiosk != nil && c.kiosk.Wijk != "" {
				wijk = c.kiosk.Wijk
			} else if c.s.cfg.Wijken != nil {
				wijk = c.s.cfg.Wijken.Lookup(ef.Submission.Postcode)
			}
			rec, err := c.s.cfg.Store.Submit(ctx, e.Request(ef.Submission, c.mode.Channel, wijk, ""))
			result := dialogs.Input{Type: dialogs.InputResult, Ticket: rec.Ticket}
			if err != nil {
				c.s.cfg.Logger.Error("storing a request failed; the resident can try again", "mode", c.mode.Name, "code", buurtloket.ErrorCode(err), "error", err)
				result = dialogs.Input{Type: dialogs.InputResult, Failed: true}
				c.s.metrics.submitted.WithLabelValues(c.mode.Name, "failed").Inc()
			} else if !rec.Duplicate {
				c.s.metrics.submitted.WithLabelValues(c.mode.Name, "stored").Inc()
			}
			sess, v, _, err := e.Step(c.sess, result)
			if err != nil {
				c.sendError(err)
				return
			}
			c.sess, view = sess, v
			if rec.Ticket != "" {
				c.receipt = &receiptDTO{Ticket: rec.Ticket, PIN: rec.PIN}
				if link := c.s.followLink(rec.Ticket); link != "" {
					if img, err := qrImage(link); err == nil {
						c.receipt.QR = img
					}
				}
			}
		}
	}
	if view.Ticket == "" {
		c.receipt = nil
	}
	if !wipe {
		c.save(ctx)
	}
	c.push(e, view, wipe)
}

func (c *conn) save(ctx context.Context) {
	sess, err := dialogs.Encode(c.sess)
	if err == nil {
		var data []byte
		data, err = json.Marshal(stored{Session: sess, Receipt: c.receipt})
		if err == nil {
			err = c.s.cfg.Store.SaveSession(ctx, c.key, data, time.Now().Add(c.mode.Sessions))
		}
	}
	if err != nil {
		c.s.cfg.Logger.Error("saving a session", "error", err)
	}
}

func (c *conn) push(e *dialogs.Engine, v dialogs.View, wipe bool) {
	frame := viewFrame{Type: "view", View: toDTO(e, v), Receipt: c.receipt, Wipe: wipe}
	// The page's own words, the languages and the emergency strip only
	// change with the language: they go along only then.
	if v.Lang != c.sentLang {
		frame.UI, frame.Strip, frame.Langs = texts(e, v.Lang, *c.mode), strip(e, v.Lang), languages(e)
		c.sentLang = v.Lang
	}
	c.queue(frame)
}

func (c *conn) sendError(err error) {
	code := buurtloket.ErrorCode(err)
	c.s.metrics.refused.WithLabelValues(code).Inc()
	msg := buurtloket.ErrorMessage(err)
	var be *buurtloket.Error
	if !errors.As(err, &be) {
		c.s.cfg.Logger.Error("page input", "error", err)
	}
	c.queue(errorFrame{Type: "error", Code: code, Message: msg})
}

// say sends an error with words for the resident, in their language.
func (c *conn) say(code, messageID string) {
	e := c.s.cfg.Engine()
	c.queue(errorFrame{Type: "error", Code: code, Message: messageID, Say: e.Content().Catalog.Text(c.sess.Lang, messageID)})
}

func (c *conn) queue(frame any) {
	data, err := json.Marshal(frame)
	if err != nil {
		c.s.cfg.Logger.Error("encoding a frame", "error", err)
		return
	}
	c.enqueue(data)
}

// endReason says why a connection ended without the error's text: network
// errors carry the resident's IP address, which stays out of the logs.
func endReason(err error) string {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		return fmt.Sprintf("close %d", ce.Code)
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "connection lost"
	}
	return "read error"
}
