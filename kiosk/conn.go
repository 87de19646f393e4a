package kiosk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"buurtloket"
	"buurtloket/dialogs"

	"github.com/gorilla/websocket"
)

const (
	writeWait  = 10 * time.Second    // to write one frame
	pongWait   = 60 * time.Second    // for the page's pong
	pingPeriod = (pongWait * 9) / 10 // must be less than pongWait
	sendQueue  = 16                  // frames waiting for a slow page; more closes it

	// A page sends a few inputs a second at most; a flood is slowed down
	// (burst, then per second), and a page that keeps flooding is closed.
	floodBurst   = 20
	floodRate    = 10
	floodStrikes = 50
)

// conn is one page's WebSocket. As in the gorilla chat example, one
// goroutine reads (and handles inputs in order) and one writes.
type conn struct {
	s     *Server
	mode  Mode
	ws    *websocket.Conn
	send  chan []byte
	key   string            // the stored session's name
	kiosk *buurtloket.Kiosk // the paired kiosk; nil on a phone

	sess     dialogs.Session
	receipt  *receiptDTO
	sentLang string        // the language of the page's words last sent
	done     chan struct{} // the worker has handled this connection's input

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

func (s *Server) serveWebSocket(mode Mode) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cookie, err := r.Cookie(cookieName)
		if err != nil || len(cookie.Value) != 43 {
			http.Error(w, "open the page first", http.StatusBadRequest)
			return
		}
		var kiosk *buurtloket.Kiosk
		if mode.Channel == buurtloket.ChannelKiosk {
			if kiosk = s.kiosk(r); kiosk == nil {
				http.Error(w, "this kiosk is not paired", http.StatusForbidden)
				return
			}
		}
		ws, err := s.upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // the upgrader has answered
		}
		c := &conn{s: s, mode: mode, ws: ws, send: make(chan []byte, sendQueue), key: storeKey(mode, cookie.Value),
			tokens: floodBurst, last: time.Now(), done: make(chan struct{}, 1), kiosk: kiosk}
		// As in the chat example, both pumps run on their own and the
		// handler returns: net/http then frees what it held for the request.
		s.track(c, true)
		go c.writePump()
		go c.readPump(r.URL.Query().Get("lang"))
	}
}

func (c *conn) readPump(lang string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer func() {
		cancel()
		c.s.track(c, false)
		close(c.send)
	}()
	c.ws.SetReadLimit(maxFrame)
	c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error { c.ws.SetReadDeadline(time.Now().Add(pongWait)); return nil })
	if !c.onWorker(func() { c.open(ctx, lang) }) {
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
		c.ws.SetReadDeadline(time.Now().Add(pongWait))
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
		if !c.onWorker(func() { c.handle(ctx, data) }) {
			return
		}
	}
}

// onWorker runs f on one of the server's workers and waits for it; it
// returns false when the server is stopping.
func (c *conn) onWorker(f func()) bool {
	select {
	case c.s.work <- func() { f(); c.done <- struct{}{} }:
	case <-c.s.stop:
		return false
	}
	<-c.done
	return true
}

func (c *conn) writePump() {
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		c.ws.Close()
	}()
	for {
		select {
		case msg, ok := <-c.send:
			c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if !ok {
				c.ws.WriteMessage(websocket.CloseMessage, []byte{})
				return
			}
			if err := c.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		case <-ticker.C:
			c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
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
				if c.s.cfg.PublicURL != "" {
					if img, err := qrImage(followURL(c.s.cfg.PublicURL, rec.Ticket)); err == nil {
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
		frame.UI, frame.Strip, frame.Langs = texts(e, v.Lang, c.mode), strip(e, v.Lang), languages(e)
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
	select {
	case c.send <- data:
	default:
		// The page does not keep up; it will reconnect and resume.
		c.ws.Close()
	}
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
