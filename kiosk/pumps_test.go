package kiosk

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"buurtloket"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestPingKeepsAPageAndDropsASilentOne: the server pings every page; a page
// that answers stays, a page that does not is closed after the pong wait.
func TestPingKeepsAPageAndDropsASilentOne(t *testing.T) {
	env := newEnvWith(t, func(c *Config) {
		c.Phone = PhoneMode
		c.Phone.Ping = 100 * time.Millisecond
	})
	env.page(t, "/")
	alive := env.dial(t, "/ws")
	alive.read()
	var pings atomic.Int32
	alive.ws.SetPingHandler(func(data string) error {
		pings.Add(1)
		return alive.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	frames := make(chan []byte, 16)
	go func() {
		defer close(frames)
		for {
			_, data, err := alive.ws.ReadMessage()
			if err != nil {
				return
			}
			frames <- data
		}
	}()

	silent := env.dial(t, "/ws")
	silent.read()
	silent.ws.SetPingHandler(func(string) error { return nil }) // no pong
	ended := make(chan error, 1)
	go func() {
		silent.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, _, err := silent.ws.ReadMessage(); err != nil {
				ended <- err
				return
			}
		}
	}()
	select {
	case err := <-ended:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the silent page was not closed by the server")
		}
	case <-time.After(6 * time.Second):
		t.Fatal("the silent page is still open")
	}

	time.Sleep(500 * time.Millisecond)
	if n := pings.Load(); n < 3 {
		t.Fatalf("the answering page got %d pings in 0.5 s or more; want them every 100 ms", n)
	}
	alive.sendRaw(`{"type":"input","input":{"type":"choose","choice":"money"}}`)
	select {
	case data, ok := <-frames:
		if !ok || !strings.Contains(string(data), `"type":"view"`) {
			t.Fatalf("the answering page was closed or got %q", data)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the answering page got no view")
	}
}

// TestAnIdlePageHoldsOneGoroutine: an idle page costs its read pump only;
// the write pump runs while frames wait. Thousands of idle kiosks and
// phones depend on this for the memory target (docs/benchmarks.md).
func TestAnIdlePageHoldsOneGoroutine(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	before := runtime.NumGoroutine()
	const pages = 40
	for i := 0; i < pages; i++ {
		c := env.dial(t, "/ws")
		c.read()
	}
	var extra int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if extra = runtime.NumGoroutine() - before; extra <= pages+pages/4 {
			return
		}
	}
	t.Fatalf("%d idle pages hold %d goroutines; want about one each", pages, extra)
}

// TestASlowPageIsClosed: a page that stops reading while frames pile up is
// closed once its queue is full, and the write pump ends.
func TestASlowPageIsClosed(t *testing.T) {
	env := newEnv(t)
	server, page := net.Pipe() // a pipe holds nothing: a page that does not read blocks the writer
	defer page.Close()
	handshake := make(chan error, 1)
	pageReader := bufio.NewReader(page)
	go func() {
		resp, err := http.ReadResponse(pageReader, nil)
		if err == nil && resp.StatusCode != http.StatusSwitchingProtocols {
			err = io.ErrUnexpectedEOF
		}
		handshake <- err
	}()
	r := httptest.NewRequest("GET", "http://buurthuis.test/ws", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-Websocket-Version", "13")
	r.Header.Set("Sec-Websocket-Key", base64.StdEncoding.EncodeToString([]byte("0123456789abcdef")))
	r.Header.Set("Origin", "http://buurthuis.test")
	ws, err := env.web.upgrader.Upgrade(&hijackable{ResponseRecorder: httptest.NewRecorder(), conn: server}, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-handshake; err != nil {
		t.Fatal("handshake:", err)
	}
	c := &conn{s: env.web, mode: &env.web.cfg.Phone, ws: ws, done: make(chan struct{}, 1)}
	frame := []byte(`{"type":"view"}`)
	for i := 0; i < sendQueue+2; i++ {
		c.enqueue(frame)
	}
	// The page reads now: it finds the connection closed, with less than
	// the queued frames in it.
	page.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(pageReader)
	if err != nil {
		t.Fatalf("the slow page's connection was not closed: %v", err)
	}
	if len(got) >= sendQueue*len(frame) {
		t.Fatalf("the slow page got %d bytes: all queued frames", len(got))
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c.wmu.Lock()
		writing, closing := c.writing, c.closing
		c.wmu.Unlock()
		if !writing && closing {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("write pump still running (%v) or connection not marked closing (%v)", writing, closing)
		}
	}
	// Nothing more is queued for a closed page.
	c.enqueue(frame)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if len(c.pending) != 0 || c.writing {
		t.Fatalf("a frame was queued for a closed page: %d pending, writing %v", len(c.pending), c.writing)
	}
}

// hijackable hands the upgrader one end of a pipe.
type hijackable struct {
	*httptest.ResponseRecorder
	conn net.Conn
}

func (h *hijackable) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.conn, bufio.NewReadWriter(bufio.NewReader(h.conn), bufio.NewWriter(h.conn)), nil
}

// TestPhonePagesAreCapped: beyond MaxPhonePages a phone page is refused
// (it retries calmly) until one leaves; a kiosk is never refused.
func TestPhonePagesAreCapped(t *testing.T) {
	env := newEnvWith(t, func(c *Config) { c.MaxPhonePages = 2 })
	env.page(t, "/")
	first := env.dial(t, "/ws")
	first.read()
	env.dial(t, "/ws").read()
	if _, resp, err := dialRaw(env, "/ws"); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a third phone page: %v", err)
	}
	if got := testutil.ToFloat64(env.web.metrics.turnedAway); got != 1 {
		t.Fatalf("turned away %v", got)
	}
	env.pair(t, "Oost")
	env.dial(t, "/kiosk/ws").read() // the buurthuis is never locked out
	first.ws.Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ws, _, err := dialRaw(env, "/ws")
		if err == nil {
			ws.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a place did not come free: %v", err)
		}
	}
}

// dialRaw dials a WebSocket as the page would, with the cookies a browser
// sends to that path, returning the error instead of failing the test.
func dialRaw(env *testEnv, path string) (*websocket.Conn, *http.Response, error) {
	u, _ := url.Parse(env.srv.URL + path)
	h := http.Header{"Origin": {env.srv.URL}}
	for _, c := range env.jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(env.srv.URL, "http")+path, h)
}

// TestLeaveEndsTheSession: the beacon "leave quickly" sends from a phone
// whose WebSocket is down ends the stored conversation.
func TestLeaveEndsTheSession(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	c := env.dial(t, "/ws")
	c.read()
	if f := c.choose("money"); f.View.Flow != "money" {
		t.Fatalf("at %s", f.View.Flow)
	}
	c.ws.Close()
	u, _ := url.Parse(env.srv.URL + "/")
	key := storeKey(&env.web.cfg.Phone, env.jar.Cookies(u)[0].Value)
	if _, err := env.store.LoadSession(context.Background(), key); err != nil {
		t.Fatalf("the conversation was not stored: %v", err)
	}
	resp, err := (&http.Client{Jar: env.jar}).Post(env.srv.URL+"/leave", "text/plain", nil)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("leave: %v %v", err, resp)
	}
	resp.Body.Close()
	if _, err := env.store.LoadSession(context.Background(), key); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		t.Fatalf("the conversation outlived leaving: %v", err)
	}
	if f := env.dial(t, "/ws").read(); f.View.Flow != "start" {
		t.Fatalf("after leaving the page resumed at %s", f.View.Flow)
	}
	// Without a session cookie there is nothing to end.
	resp, err = http.Post(env.srv.URL+"/leave", "text/plain", nil)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("leave without a cookie: %v %v", err, resp)
	}
	resp.Body.Close()
}

// TestKioskSessionForgetsOnItsOwn: a kiosk's stored conversation ends when
// the page's idle wipe would have ended it, also without the page (a
// crash, a lost network); touches ("still") keep it, as inputs do.
func TestKioskSessionForgetsOnItsOwn(t *testing.T) {
	env := newEnvWith(t, func(c *Config) {
		c.Kiosk = KioskMode
		c.Kiosk.Sessions = 2 * time.Second // a touch is saved every half second at most: margin for a busy machine
	})
	env.pair(t, "Oost")
	c := env.dial(t, "/kiosk/ws")
	c.read()
	c.choose("money")
	// Touched for longer than the session lives: it is kept.
	for i := 0; i < 8; i++ {
		time.Sleep(400 * time.Millisecond)
		c.sendRaw(`{"type":"still"}`)
	}
	time.Sleep(100 * time.Millisecond) // the last "still" is handled
	c.ws.Close()
	c = env.dial(t, "/kiosk/ws")
	if f := c.read(); f.View.Flow != "money" {
		t.Fatalf("touched, the kiosk resumed at %s; want money", f.View.Flow)
	}
	// Left without a touch: forgotten, whatever the page did.
	c.ws.Close()
	time.Sleep(3 * time.Second)
	if f := env.dial(t, "/kiosk/ws").read(); f.View.Flow != "start" {
		t.Fatalf("untouched, the kiosk resumed at %s; want a new start", f.View.Flow)
	}
}
