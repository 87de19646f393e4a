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
	sendBytes = 1 << 20          // bytes waiting for a slow page; more closes it
	storeWait = 10 * time.Second // for the work of one frame: engine and storage

	// A page sends a few inputs a second at most; a flood is slowed down
	// (burst, then per second), and a page that keeps flooding is closed.
	floodBurst   = 20
	floodRate    = 10
	floodStrikes = 50
)

func (s *Server) serveWebSocket(mode *Mode) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cookie, ok := s.validCookie(r)
		if !ok {
			http.Error(w, "open the page first", http.StatusBadRequest)
			return
		}
		var kiosk *buurtloket.Kiosk
		var err error
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
		switch s.admit(mode, kiosk) {
		case "":
		case "kiosk":
			http.Error(w, "this kiosk has too many pages open", http.StatusTooManyRequests)
			return
		default:
			http.Error(w, "too many pages open: try again shortly", http.StatusServiceUnavailable)
			return
		}
		ws, err := s.upgrader.Upgrade(w, r, nil)
		if err != nil {
			s.leave(kiosk)
			return // the upgrader has answered
		}
		var kioskID int64
		if kiosk != nil {
			kioskID = kiosk.ID
		}
		client, shared := s.client(r, kioskID)
		c := &conn{s: s, mode: mode, ws: ws, key: storeKey(mode, cookie), client: client, shared: shared,
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
		c.mu.Lock()
		c.setFollowed(nil) // nothing more is pushed to it
		c.mu.Unlock()
		c.s.track(c, false)
		c.s.leave(c.kiosk)
		c.shut()
	}()
	c.ws.SetReadDeadline(time.Now().Add(c.mode.pongWait()))
	c.ws.SetPongHandler(func(string) error { c.ws.SetReadDeadline(time.Now().Add(c.mode.pongWait())); return nil })
	// Pings from the page count against its flood allowance like frames:
	// gorilla answers each with a pong, which is a write.
	c.ws.SetPingHandler(func(data string) error {
		if c.flooding() {
			return errFlood
		}
		// As gorilla's own ping handler does.
		err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait))
		var ne net.Error
		if errors.Is(err, websocket.ErrCloseSent) || (errors.As(err, &ne) && ne.Timeout()) {
			return nil
		}
		return err
	})
	if !c.onWorker(func(ctx context.Context) { c.open(ctx, lang) }) {
		return
	}
	for {
		kind, data, err := c.read()
		if errors.Is(err, errTooLarge) {
			// Said first, then closed: the rest of the frame is not read.
			c.sendError(buurtloket.Errorf(buurtloket.ETOOLARGE, "a frame may be at most %d bytes", maxFrame))
			c.wmu.Lock()
			c.closeCode = websocket.CloseMessageTooBig
			c.wmu.Unlock()
			return
		}
		if err != nil {
			if !errors.Is(err, errFlood) && websocket.IsUnexpectedCloseError(err, websocket.CloseGoingAway, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived) {
				c.s.cfg.Logger.Info("page connection ended", "mode", c.mode.Name, "reason", endReason(err))
			}
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(c.mode.pongWait()))
		if c.flooding() {
			if c.strikes > floodStrikes {
				return
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

var (
	errTooLarge = errors.New("frame too large")
	errFlood    = errors.New("page flooding")
)

// read reads the next frame, at most maxFrame bytes of it: a larger one is
// errTooLarge, so that the page can be told before the connection closes
// (gorilla's own read limit closes it at once, with no word to the page).
func (c *conn) read() (int, []byte, error) {
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, maxFrame+1))
	if err != nil {
		return 0, nil, err
	}
	if len(data) > maxFrame {
		return 0, nil, errTooLarge
	}
	return kind, data, nil
}

// flooding takes a token for a frame or ping from the page's bucket, and
// tells whether the page sends too much; a page that keeps flooding is
// closed (strikes past floodStrikes).
func (c *conn) flooding() bool {
	if c.allow() {
		return false
	}
	c.strikes++
	if c.strikes > floodStrikes {
		c.s.cfg.Logger.Warn("page flooding: connection closed", "mode", c.mode.Name)
		return true
	}
	// Dropped; the page hears about it once a second at most.
	if time.Since(c.noticed) > time.Second {
		c.noticed = time.Now()
		c.sendError(buurtloket.Errorf(buurtloket.EINVALID, "too many messages: slow down"))
	}
	return true
}

// onWorker runs f on one of the server's workers and waits for it; it
// returns false when the server is stopping. The work of one frame gets
// storeWait at most.
func (c *conn) onWorker(f func(context.Context)) bool {
	work := func() {
		c.mu.Lock()
		ctx, cancel := context.WithTimeout(context.Background(), storeWait) // once the conversation is this frame's
		f(ctx)
		cancel()
		c.mu.Unlock()
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
	if len(c.pending) >= sendQueue || c.pendingBytes+len(data) > sendBytes {
		c.wmu.Unlock()
		// The page does not keep up; it will reconnect and resume.
		c.ws.Close()
		return
	}
	c.pending = append(c.pending, data)
	c.pendingBytes += len(data)
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
			c.pending, c.pendingBytes, c.writing = nil, 0, false
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
		c.pendingBytes -= len(msg)
		c.wmu.Unlock()
		c.ws.SetWriteDeadline(time.Now().Add(writeWait))
		if err := c.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
			c.ws.Close() // the read pump then ends
			c.wmu.Lock()
			c.pending, c.pendingBytes, c.writing, c.closing = nil, 0, false, true
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
	msg := []byte{}
	if c.closeCode != 0 {
		msg = websocket.FormatCloseMessage(c.closeCode, "")
	}
	c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
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
