package kiosk

// The WebSocket side of a page: the upgrade, the read and write pumps,
// pings, flood control and the end of a connection. What a frame does to
// the conversation is in conn.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"buurtloket"

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

func (s *Server) serveWebSocket(mode *Mode) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cookie, err := r.Cookie(cookieName)
		if err != nil || len(cookie.Value) != 43 {
			http.Error(w, "open the page first", http.StatusBadRequest)
			return
		}
		var kiosk *buurtloket.Kiosk
		if mode.Channel == buurtloket.ChannelKiosk {
			if kiosk, err = s.kiosk(r); err != nil {
				if buurtloket.ErrorCode(err) == buurtloket.ENOTFOUND {
					http.Error(w, "this kiosk is not paired", http.StatusForbidden)
				} else {
					http.Error(w, "try again shortly", http.StatusServiceUnavailable)
				}
				return
			}
		}
		if !s.admit(mode) {
			http.Error(w, "too many pages open: try again shortly", http.StatusServiceUnavailable)
			return
		}
		ws, err := s.upgrader.Upgrade(w, r, nil)
		if err != nil {
			s.leave(mode)
			return // the upgrader has answered
		}
		c := &conn{s: s, mode: mode, ws: ws, key: storeKey(mode, cookie.Value),
			tokens: floodBurst, last: time.Now(), done: make(chan struct{}, 1), kiosk: kiosk}
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
		c.s.leave(c.mode)
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
		paired := c.stillPaired(ctx)
		cancel()
		if !paired {
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
