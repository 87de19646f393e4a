package kiosk

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/dialogs"
	"buurtloket/internal/shipped"
	"buurtloket/requests"
	"buurtloket/sqlite"
	"buurtloket/storetest"
	"buurtloket/wijken"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"rsc.io/qr"
)

type testEnv struct {
	web   *Server
	srv   *httptest.Server
	store *requests.Store
	jar   http.CookieJar
}

func newEnv(t testing.TB) *testEnv {
	t.Helper()
	return newEnvWith(t, nil)
}

// testConfig is the web channel's configuration with the shipped flows
// and texts and a fresh SQLite store, which the caller closes.
func testConfig(t testing.TB) (Config, *requests.Store) {
	t.Helper()
	content, probs := dialogs.Load(shippedSource())
	if content == nil {
		t.Fatal(probs)
	}
	engine := dialogs.NewEngine(content)
	sealer, _ := buurtloket.NewSealer(buurtloket.NewKey())
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "k.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	return Config{Engine: func() *dialogs.Engine { return engine }, Store: store, Wijken: wijken.Schiedam(), Sealer: sealer}, store
}

// newEnvWith lets a test change the web channel's configuration.
func newEnvWith(t testing.TB, change func(*Config)) *testEnv {
	t.Helper()
	cfg, store := testConfig(t)
	if change != nil {
		change(&cfg)
	}
	web := New(cfg)
	srv := httptest.NewServer(web.Handler())
	jar, _ := cookiejar.New(nil)
	t.Cleanup(func() { srv.Close(); web.Close(); store.Close() })
	return &testEnv{web: web, srv: srv, store: store, jar: jar}
}

// pair registers a kiosk and pairs this client's cookie jar with it.
func (e *testEnv) pair(t testing.TB, wijk string) (*buurtloket.Kiosk, string) {
	t.Helper()
	k, token, err := e.store.AddKiosk(context.Background(), "Buurthuis De Erker", wijk)
	if err != nil {
		t.Fatal(err)
	}
	if resp := e.page(t, "/kiosk/pair?token="+token); resp.StatusCode != 200 || resp.Request.URL.Path != "/kiosk/pair" {
		t.Fatalf("the pairing page: %s at %s", resp.Status, resp.Request.URL)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/kiosk/pair", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	resp, err := (&http.Client{Jar: e.jar}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/kiosk/" {
		t.Fatalf("pairing: %s at %s", resp.Status, resp.Request.URL)
	}
	return k, token
}

// page loads the page, as a browser does first, to get the session cookie.
func (e *testEnv) page(t testing.TB, path string) *http.Response {
	t.Helper()
	c := &http.Client{Jar: e.jar}
	resp, err := c.Get(e.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

type client struct {
	t  testing.TB
	ws *websocket.Conn
}

func (e *testEnv) dial(t testing.TB, path string) *client {
	t.Helper()
	ws, _, err := dialRaw(e, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return &client{t: t, ws: ws}
}

type frame struct {
	Type    string      `json:"type"`
	View    viewDTO     `json:"view"`
	UI      *pageTexts  `json:"ui"`
	Strip   []actionDTO `json:"strip"`
	Receipt *receiptDTO `json:"receipt"`
	Wipe    bool        `json:"wipe"`
	Code    string      `json:"code"`
	Message string      `json:"message"`
}

func (c *client) read() frame {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		c.t.Fatal(err)
	}
	var f frame
	if err := json.Unmarshal(data, &f); err != nil {
		c.t.Fatal(err)
	}
	return f
}

func (c *client) sendRaw(data string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(data)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) do(input map[string]any) frame {
	c.t.Helper()
	data, _ := json.Marshal(map[string]any{"type": "input", "input": input})
	c.sendRaw(string(data))
	return c.read()
}

func (c *client) choose(id string) frame { return c.do(map[string]any{"type": "choose", "choice": id}) }

func TestWalkToATicket(t *testing.T) {
	env := newEnv(t)
	resp := env.page(t, "/")
	if got := resp.Header.Get("Cache-Control"); got != "no-store" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("page headers: cache %q csp %q", got, resp.Header.Get("Content-Security-Policy"))
	}
	c := env.dial(t, "/ws")
	f := c.read()
	if f.Type != "view" || f.View.Flow != "start" || len(f.Strip) != 3 || f.UI == nil || f.UI.Leave == "" {
		t.Fatalf("first frame %+v", f)
	}
	if f = c.choose("worry"); f.UI != nil || f.Strip != nil {
		t.Fatal("the page's words go along only when the language changes")
	}
	if f = c.do(map[string]any{"type": "language", "lang": "bg"}); f.UI == nil || f.UI.Leave == "" || len(f.Strip) != 3 {
		t.Fatal("a new language must bring the page's words")
	}
	c.do(map[string]any{"type": "language", "lang": "nl"})
	c.choose("lonely")
	c.choose("no")
	c.choose("unknown")
	c.choose("report")
	c.do(map[string]any{"type": "text", "text": "3117 ab 4"})
	c.do(map[string]any{"type": "contact", "contact": map[string]any{"name": "Ans", "phone": "0612345678"}})
	f = c.do(map[string]any{"type": "text", "text": "<script>alert(1)</script> ze is al weken niet buiten geweest"})
	if f.View.Step != "check" || len(f.View.Summary) != 6 {
		t.Fatalf("at %s with %d answers", f.View.Step, len(f.View.Summary))
	}
	f = c.choose("send")
	if f.View.Step != "sent" || f.Receipt == nil || f.View.Ticket != f.Receipt.Ticket || len(f.Receipt.PIN) != 4 {
		t.Fatalf("end %+v receipt %+v", f.View, f.Receipt)
	}
	r, err := env.store.RequestByTicket(context.Background(), f.Receipt.Ticket, f.Receipt.PIN)
	if err != nil {
		t.Fatalf("the ticket shown is not stored: %v", err)
	}
	if r.Channel != buurtloket.ChannelWeb || r.Wijk != "Nieuwland" || r.Postcode != "3117" || r.Anonymous || r.Topic != buurtloket.TopicWorry {
		t.Fatalf("stored %+v", r)
	}
	if !strings.Contains(r.Summary, "<script>alert(1)</script>") {
		t.Fatal("free text must be kept as written (and shown as text)")
	}
}

func TestReconnectResumes(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	c := env.dial(t, "/ws")
	c.read()
	c.do(map[string]any{"type": "language", "lang": "ar"})
	c.choose("money")
	f := c.choose("energy")
	if f.View.Step != "how_long" {
		t.Fatal(f.View.Step)
	}
	c.ws.Close() // the connection drops
	c2 := env.dial(t, "/ws")
	f = c2.read()
	if f.View.Step != "how_long" || f.View.Lang != "ar" || !f.View.RTL {
		t.Fatalf("resumed at %s in %s", f.View.Step, f.View.Lang)
	}
	f = c2.do(map[string]any{"type": "back"})
	if f.View.Selected != "energy" {
		t.Fatalf("answers lost on reconnect: %+v", f.View)
	}
	// Stop forgets everything: a new connection starts afresh.
	f = c2.do(map[string]any{"type": "stop"})
	if !f.Wipe || f.View.Flow != "start" || f.View.Lang != "nl" {
		t.Fatalf("stop: %+v", f)
	}
	c3 := env.dial(t, "/ws")
	if f := c3.read(); f.View.Flow != "start" || f.View.Lang != "nl" {
		t.Fatalf("after stop: %+v", f.View)
	}
}

func TestHostileFrames(t *testing.T) {
	env := newEnv(t)
	env.pair(t, "Oost")
	c := env.dial(t, "/kiosk/ws")
	c.read()
	for name, data := range map[string]string{
		"not JSON":            "hello",
		"unknown type":        `{"type":"admin"}`,
		"unknown field":       `{"type":"input","input":{"type":"choose","choice":"money","admin":true}}`,
		"result from a page":  `{"type":"input","input":{"type":"result","ticket":"K7QM-3XHD"}}`,
		"invalid UTF-8":       "{\"type\":\"input\",\"input\":{\"type\":\"text\",\"text\":\"\xff\xfe\"}}",
		"two messages":        `{"type":"input","input":{"type":"back"}}{"type":"input","input":{"type":"back"}}`,
		"oversized option id": `{"type":"input","input":{"type":"choose","choice":"` + strings.Repeat("x", 100) + `"}}`,
		"unknown language":    `{"type":"input","input":{"type":"language","lang":"xx"}}`,
		"seen nothing":        `{"type":"seen"}`,
		"seen too many":       `{"type":"seen","messages":[` + strings.Repeat("1,", threadPage) + `1]}`,
		"seen no ID":          `{"type":"seen","messages":[0]}`,
	} {
		c.sendRaw(data)
		if f := c.read(); f.Type != "error" || f.Code == "" || f.Message == "" {
			t.Errorf("%s: got %+v, want an error frame", name, f)
		}
	}
	if err := c.ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if f := c.read(); f.Type != "error" {
		t.Errorf("binary frame: %+v", f)
	}
	// After all that, the session is untouched and works.
	if f := c.choose("money"); f.View.Flow != "money" {
		t.Fatalf("the session broke: %+v", f.View)
	}
	if page, _ := env.store.Inbox(context.Background(), buurtloket.InboxQuery{}); len(page.Requests) != 0 {
		t.Fatal("hostile frames stored a request")
	}
	// An oversized frame is told, then the connection is closed with
	// "message too big".
	c.sendRaw(`{"type":"input","input":{"type":"text","text":"` + strings.Repeat("a", maxFrame) + `"}}`)
	if f := c.read(); f.Type != "error" || f.Code != buurtloket.ETOOLARGE || !strings.Contains(f.Message, "at most") {
		t.Fatalf("an oversized frame must be told before the close: %+v", f)
	}
	c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ws.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("oversized frame: %v", err)
	}
	// The server is still up.
	if resp := env.page(t, "/kiosk/"); resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
}

func TestFloodIsThrottled(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	c := env.dial(t, "/ws")
	c.read()
	// The page reads while it floods, so it is the flood that is judged.
	go func() {
		frame := []byte(`{"type":"input","input":{"type":"emergency"}}`)
		for i := 0; i < 500; i++ {
			if c.ws.WriteMessage(websocket.TextMessage, frame) != nil {
				return // closed by the server: that is the point
			}
		}
	}()
	slowed, views, closed := 0, 0, false
	for i := 0; i < 1000; i++ {
		c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			closed = true
			break
		}
		if strings.Contains(string(data), "slow down") {
			slowed++
		} else {
			views++
		}
	}
	if slowed == 0 || !closed || views > floodBurst+floodRate*2 {
		t.Fatalf("flood: %d handled, %d slow-down frames, closed %v", views, slowed, closed)
	}
	if resp := env.page(t, "/"); resp.StatusCode != 200 {
		t.Fatal("the server went down under a flood")
	}
}

func TestOriginAndCookieAreRequired(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	u, _ := url.Parse(env.srv.URL)
	wsURL := "ws" + strings.TrimPrefix(env.srv.URL, "http") + "/ws"
	cookie := env.jar.Cookies(u)[0]
	for name, h := range map[string]http.Header{
		"other site": {"Origin": {"https://evil.example"}, "Cookie": {cookie.Name + "=" + cookie.Value}},
		"no cookie":  {"Origin": {env.srv.URL}},
	} {
		if ws, resp, err := websocket.DefaultDialer.Dial(wsURL, h); err == nil {
			ws.Close()
			t.Errorf("%s: connected", name)
		} else if resp == nil || resp.StatusCode < 400 {
			t.Errorf("%s: %v", name, err)
		}
	}
	resp, err := http.Get(env.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	set := resp.Header.Get("Set-Cookie")
	if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Strict") || strings.Contains(set, "Max-Age") || strings.Contains(set, "Expires") {
		t.Errorf("session cookie %q must be HttpOnly, SameSite=Strict, and end with the browser session", set)
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("over plain http with no https address, the cookie %q cannot be Secure", set)
	}
}

// TestBehindAProxy: TLS ends at a reverse proxy that passes its own Host
// on. The https public address makes the cookies Secure, and its origin is
// accepted for the WebSocket; other sites still are not.
func TestBehindAProxy(t *testing.T) {
	env := newEnvWith(t, func(c *Config) { c.PublicURL = "https://buurtloket.example.nl/" })
	resp, err := http.Get(env.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		session = c
	}
	if session == nil || !session.Secure || !session.HttpOnly {
		t.Fatalf("session cookie %+v: want Secure and HttpOnly", session)
	}
	wsURL := "ws" + strings.TrimPrefix(env.srv.URL, "http") + "/ws"
	cookie := session.Name + "=" + session.Value
	ws, _, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Origin": {"https://buurtloket.example.nl"}, "Cookie": {cookie}})
	if err != nil {
		t.Fatalf("the public address's page was refused: %v", err)
	}
	ws.Close()
	for _, origin := range []string{"https://evil.example", "http://buurtloket.example.nl", "https://buurtloket.example.nl.evil.example"} {
		if ws, _, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Origin": {origin}, "Cookie": {cookie}}); err == nil {
			ws.Close()
			t.Errorf("origin %s: connected", origin)
		}
	}
}

func TestPageMessagesExist(t *testing.T) {
	content, _ := dialogs.Load(shippedSource())
	for _, id := range append(append(pageMessages, followMessages...), "ui.kiosk.unpaired") {
		if !content.Catalog.Has(id) {
			t.Errorf("message %s is missing", id)
		}
	}
}

func TestFollowWithTicketCode(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	rec, err := env.store.Submit(ctx, buurtloket.NewRequest{Key: "follow-1", Topic: buurtloket.TopicMoney, Priority: buurtloket.PriorityNormal,
		Channel: buurtloket.ChannelKiosk, Lang: "pl", Summary: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.Reply(ctx, rec.ID, "staff:anna.de.vries", "Proszę zadzwonić jutro."); err != nil {
		t.Fatal(err)
	}
	env.pair(t, "Oost")
	c := env.dial(t, "/kiosk/ws")
	c.read()
	c.do(map[string]any{"type": "language", "lang": "pl"})

	send := c.sendJSON
	wrong := storetest.OtherPIN(rec.PIN)
	f := send(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": wrong})
	if f["type"] != "error" || f["say"] != "Ten kod lub PIN się nie zgadza. Proszę sprawdzić jeszcze raz." {
		t.Fatalf("wrong PIN: %v", f)
	}
	f = send(map[string]any{"type": "follow", "ticket": strings.ToLower(rec.Ticket), "pin": rec.PIN})
	if f["type"] != "follow" || f["status"] != "Odpowiedziano" || f["canReply"] != true {
		t.Fatalf("follow: %v", f)
	}
	msgs := f["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["body"] != "Proszę zadzwonić jutro." || msgs[0].(map[string]any)["fromStaff"] != true {
		t.Fatalf("messages %v", msgs)
	}
	if strings.Contains(fmt.Sprint(f), "anna") {
		t.Fatal("a staff member's name reached the resident")
	}
	f = send(map[string]any{"type": "reply", "text": "Dobrze, dziękuję."})
	if msgs := f["messages"].([]any); f["type"] != "follow" || len(msgs) != 2 || f["status"] != "Zajmujemy się tym" {
		t.Fatalf("after the reply: %v", f)
	}
	thread, _ := env.store.Thread(ctx, rec.ID)
	if len(thread) != 2 || thread[1].Author != buurtloket.AuthorResident || thread[1].Body != "Dobrze, dziękuję." {
		t.Fatalf("stored thread %+v", thread)
	}
	// Stop forgets the opened request too.
	c.do(map[string]any{"type": "stop"})
	if f := send(map[string]any{"type": "reply", "text": "x"}); f["type"] != "error" {
		t.Fatalf("a reply after stop: %v", f)
	}
	// Guessing is limited.
	for i := 0; i < buurtloket.FreeWrongPINs; i++ {
		send(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": wrong})
	}
	if f := send(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": rec.PIN}); f["type"] != "error" || f["code"] != buurtloket.ELOCKED || !strings.Contains(fmt.Sprint(f["say"]), "15 minut") {
		t.Fatalf("after too many wrong tries even the right PIN must wait: %v", f)
	}
}

func TestKioskMustBePaired(t *testing.T) {
	env := newEnv(t)
	for _, path := range []string{"/kiosk/", "/kiosk/pair?token=nonsense"} {
		resp, err := http.Get(env.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "Deze kiosk is nog niet gekoppeld") || strings.Contains(string(body), "app.js") ||
			!strings.Contains(string(body), `<a href="tel:112">Bel 112</a>`) ||
			!strings.Contains(string(body), `<a href="tel:08002000">Bel Veilig Thuis<span class="num" dir="ltr">0800-2000</span></a>`) {
			t.Errorf("%s: %s, want the not-paired screen", path, resp.Status)
		}
	}
	// Without pairing the kiosk's WebSocket refuses.
	env.page(t, "/")
	u, _ := url.Parse(env.srv.URL)
	h := http.Header{"Origin": {env.srv.URL}}
	for _, c := range env.jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	if _, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(env.srv.URL, "http")+"/kiosk/ws", h); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unpaired kiosk WebSocket: %v", err)
	}
	// Paired, its requests carry its neighbourhood, whatever postcode is given.
	k, _ := env.pair(t, "Oost")
	c := env.dial(t, "/kiosk/ws")
	c.read()
	// Its page is seen, for whoever looks after the kiosks.
	if list, err := env.store.Kiosks(context.Background()); err != nil || len(list) != 1 || list[0].SeenAt.IsZero() {
		t.Fatalf("a connected kiosk is not seen: %v %+v", err, list)
	}
	for _, id := range []string{"repairs", "other"} {
		c.choose(id)
	}
	c.do(map[string]any{"type": "text", "text": "Lekkage"})
	c.choose("anonymous")
	c.do(map[string]any{"type": "text", "text": "3117 AB"}) // Nieuwland by postcode
	f := c.choose("send")
	r, err := env.store.RequestByTicket(context.Background(), f.Receipt.Ticket, f.Receipt.PIN)
	if err != nil || r.Wijk != "Oost" || r.Channel != buurtloket.ChannelKiosk {
		t.Fatalf("kiosk request: %v %+v", err, r)
	}
	// Revoked, the kiosk shows the not-paired screen again.
	if err := env.store.RevokeKiosk(context.Background(), k.ID); err != nil {
		t.Fatal(err)
	}
	if resp := env.page(t, "/kiosk/"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("revoked kiosk: %s", resp.Status)
	}
}

// TestRevokedKioskIsClosed: revoking a kiosk reaches its open page, at
// its next ping or at a submission, whichever comes first; the page is
// told with its own close code, and nothing more is stored from it.
func TestRevokedKioskIsClosed(t *testing.T) {
	closedAsUnpaired := func(t *testing.T, c *client) {
		t.Helper()
		c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			_, _, err := c.ws.ReadMessage()
			if err == nil {
				continue
			}
			if !websocket.IsCloseError(err, closeUnpaired) {
				t.Fatalf("want close %d, got %v", closeUnpaired, err)
			}
			return
		}
	}
	t.Run("at a submission", func(t *testing.T) {
		env := newEnv(t)
		k, _ := env.pair(t, "Oost")
		c := env.dial(t, "/kiosk/ws")
		c.read()
		c.choose("repairs")
		c.choose("other")
		c.do(map[string]any{"type": "text", "text": "Lekkage"})
		c.choose("anonymous")
		c.do(map[string]any{"type": "text", "text": "3117 AB"})
		if err := env.store.RevokeKiosk(context.Background(), k.ID); err != nil {
			t.Fatal(err)
		}
		c.sendRaw(`{"type":"input","input":{"type":"choose","choice":"send"}}`)
		closedAsUnpaired(t, c)
		page, err := env.store.Inbox(context.Background(), buurtloket.InboxQuery{})
		if err != nil || len(page.Requests) != 0 {
			t.Fatalf("a revoked kiosk stored %d requests (%v)", len(page.Requests), err)
		}
	})
	t.Run("while idle", func(t *testing.T) {
		env := newEnvWith(t, func(c *Config) {
			c.Kiosk = KioskMode
			c.Kiosk.Ping = 100 * time.Millisecond
		})
		k, _ := env.pair(t, "Oost")
		c := env.dial(t, "/kiosk/ws")
		c.read()
		if f := c.choose("money"); f.Type != "view" {
			t.Fatalf("a paired kiosk got %+v", f)
		}
		if err := env.store.RevokeKiosk(context.Background(), k.ID); err != nil {
			t.Fatal(err)
		}
		closedAsUnpaired(t, c)
	})
}

// TestKioskWhenTheStoreFails: a kiosk is not told it is unpaired because
// the store did not answer; it gets a calm "one moment" that looks again.
func TestKioskWhenTheStoreFails(t *testing.T) {
	failing := &kioskOutage{}
	env := newEnvWith(t, func(c *Config) {
		failing.RequestStore = c.Store
		c.Store = failing
	})
	env.pair(t, "Oost")
	failing.down.Store(true)
	resp, err := (&http.Client{Jar: env.jar}).Get(env.srv.URL + "/kiosk/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("store down: headers %v", resp.Header)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "Even geduld") ||
		!strings.Contains(string(body), `data-retry="10"`) || strings.Contains(string(body), "gekoppeld") {
		t.Fatalf("store down: %s\n%s", resp.Status, body)
	}
	failing.down.Store(false)
	if resp := env.page(t, "/kiosk/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("store back: %s", resp.Status)
	}
	// Not paired at all: the not-paired screen, which also looks again.
	resp, err = http.Get(env.srv.URL + "/kiosk/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), `data-retry="60"`) {
		t.Fatalf("not paired: %s\n%s", resp.Status, body)
	}
}

// kioskOutage is a store whose kiosk lookups fail while down is set.
type kioskOutage struct {
	buurtloket.RequestStore
	down atomic.Bool
}

func (s *kioskOutage) KioskByToken(ctx context.Context, token string) (*buurtloket.Kiosk, error) {
	if s.down.Load() {
		return nil, buurtloket.Errorf(buurtloket.EINTERNAL, "database is locked")
	}
	return s.RequestStore.KioskByToken(ctx, token)
}

func TestQRCode(t *testing.T) {
	img, err := qrImage(followURL("https://buurtloket.example.nl/", "K7QM-3XHD"))
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "data:image/svg+xml;base64,"
	if !strings.HasPrefix(img, prefix) {
		t.Fatalf("%.40s", img)
	}
	svg, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(img, prefix))
	code, _ := qr.Encode(followURL("https://buurtloket.example.nl/", "K7QM-3XHD"), qr.M)
	black := 0
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				black++
			}
		}
	}
	side := fmt.Sprintf(`viewBox="0 0 %d %d"`, code.Size+8, code.Size+8)
	if err != nil || !strings.HasPrefix(string(svg), "<svg ") || !strings.Contains(string(svg), side) || strings.Count(string(svg), "h1v1h-1z") != black {
		t.Fatalf("svg %.200s (%v)", svg, err)
	}
	if again, _ := qrImage(followURL("https://buurtloket.example.nl/", "K7QM-3XHD")); again != img {
		t.Fatal("the same address must give the same image")
	}
	if got := followURL("https://buurtloket.example.nl/", "K7QM-3XHD"); got != "https://buurtloket.example.nl/?follow=K7QM-3XHD" {
		t.Fatal(got)
	}

	// Where the code leads: nowhere without an address, the phone page,
	// or the configured link (the Telegram bot's) before the phone page.
	web := New(Config{})
	defer web.Close()
	if got := web.followLink("K7QM-3XHD"); got != "" {
		t.Fatalf("no address: %q", got)
	}
	web.cfg.PublicURL = "https://buurtloket.example.nl"
	if got := web.followLink("K7QM-3XHD"); got != "https://buurtloket.example.nl/?follow=K7QM-3XHD" {
		t.Fatalf("phone page: %q", got)
	}
	web.cfg.FollowLink = func(ticket string) string { return "https://t.me/buurtloket_bot?start=" + ticket }
	if got := web.followLink("K7QM-3XHD"); got != "https://t.me/buurtloket_bot?start=K7QM-3XHD" {
		t.Fatalf("bot: %q", got)
	}
}

// TestResumeAfterServerRestart: a new server on the same database (as after
// a restart) continues a conversation where it was.
func TestResumeAfterServerRestart(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	c := env.dial(t, "/ws")
	c.read()
	c.do(map[string]any{"type": "language", "lang": "tr"})
	c.choose("senior")
	if f := c.choose("independent"); f.View.Step != "household" {
		t.Fatal(f.View.Step)
	}
	// The old server goes; a new one comes, with new engine and state.
	content, _ := dialogs.Load(shippedSource())
	engine := dialogs.NewEngine(content)
	web := New(Config{Engine: func() *dialogs.Engine { return engine }, Store: env.store, Wijken: wijken.Schiedam(), Sealer: env.web.cfg.Sealer})
	old := env.srv
	env.srv = httptest.NewServer(web.Handler())
	old.Close()
	t.Cleanup(func() { env.srv.Close(); web.Close() })
	u, _ := url.Parse(old.URL + "/")
	cookies := env.jar.Cookies(u)
	nu, _ := url.Parse(env.srv.URL + "/")
	env.jar.SetCookies(nu, cookies)
	c2 := env.dial(t, "/ws")
	f := c2.read()
	if f.View.Flow != "senior" || f.View.Step != "household" || f.View.Lang != "tr" {
		t.Fatalf("after a restart: %s/%s in %s", f.View.Flow, f.View.Step, f.View.Lang)
	}
	if f = c2.do(map[string]any{"type": "back"}); f.View.Selected != "independent" {
		t.Fatalf("answer lost across the restart: %+v", f.View)
	}
}

func TestMetrics(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	c := env.dial(t, "/ws")
	c.read()
	c.do(map[string]any{"type": "emergency"})
	c.sendRaw("nonsense")
	c.read()
	m := env.web.metrics
	if got := testutil.ToFloat64(m.connections.WithLabelValues("phone")); got != 1 {
		t.Errorf("connections %v", got)
	}
	if got := testutil.ToFloat64(m.emergency); got != 1 {
		t.Errorf("emergency %v", got)
	}
	if got := testutil.ToFloat64(m.refused.WithLabelValues("invalid")); got != 1 {
		t.Errorf("refused %v", got)
	}
	if got := testutil.ToFloat64(m.inputs.WithLabelValues("phone")); got != 1 {
		t.Errorf("inputs %v", got)
	}
	c.ws.Close()
	for i := 0; i < 500 && testutil.ToFloat64(m.connections.WithLabelValues("phone")) != 0; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if got := testutil.ToFloat64(m.connections.WithLabelValues("phone")); got != 0 {
		t.Errorf("connections after close %v", got)
	}
}

func TestEndReasonHasNoAddress(t *testing.T) {
	err := &net.OpError{Op: "read", Net: "tcp", Source: &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 8080},
		Addr: &net.TCPAddr{IP: net.ParseIP("84.241.17.203"), Port: 51544}, Err: os.ErrDeadlineExceeded}
	if got := endReason(err); got != "timeout" || strings.Contains(got, "84.241") {
		t.Fatalf("endReason = %q", got)
	}
	if got := endReason(&websocket.CloseError{Code: 1006}); got != "close 1006" {
		t.Fatalf("endReason = %q", got)
	}
}

// TestTwoTabsOnOneCookie: two tabs share the session cookie and reach the
// same step; what each typed is stored, as two requests.
func TestTwoTabsOnOneCookie(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	a := env.dial(t, "/ws")
	a.read()
	a.choose("repairs")
	// Tab B opens now, and resumes the conversation tab A stored.
	b := env.dial(t, "/ws")
	if f := b.read(); f.View.Flow != "repairs" {
		t.Fatalf("tab B did not resume tab A's conversation: %s", f.View.Flow)
	}
	tickets := map[string]string{}
	for _, tab := range []struct {
		c    *client
		text string
	}{{a, "Tab A: de kraan lekt."}, {b, "Tab B: de voordeur klemt."}} {
		tab.c.choose("other")
		tab.c.do(map[string]any{"type": "text", "text": tab.text})
		tab.c.choose("anonymous")
		tab.c.do(map[string]any{"type": "text", "text": "3117"})
	}
	for _, tab := range []*client{a, b} {
		f := tab.choose("send")
		if f.Receipt == nil {
			t.Fatalf("no receipt: %s", f.View.Step)
		}
		tickets[f.Receipt.Ticket] = f.Receipt.PIN
	}
	if len(tickets) != 2 {
		t.Fatalf("two tabs got one ticket: %v", tickets)
	}
	var summaries string
	for ticket, pin := range tickets {
		r, err := env.store.RequestByTicket(context.Background(), ticket, pin)
		if err != nil {
			t.Fatal(err)
		}
		summaries += r.Summary
	}
	if !strings.Contains(summaries, "Tab A") || !strings.Contains(summaries, "Tab B") {
		t.Fatalf("a tab's text is missing:\n%s", summaries)
	}
}

// TestKioskSaysWhatToDoWithoutAPhone: a kiosk cannot dial, so its page
// gets the words for what to do without a phone; a phone page does not.
func TestKioskSaysWhatToDoWithoutAPhone(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	if f := env.dial(t, "/ws").read(); f.UI == nil || f.UI.NoPhone != "" {
		t.Fatalf("a phone page got %q", f.UI.NoPhone)
	}
	env.pair(t, "Oost")
	if f := env.dial(t, "/kiosk/ws").read(); f.UI == nil || !strings.Contains(f.UI.NoPhone, "buurthuis") {
		t.Fatalf("the kiosk page got %+v", f.UI)
	}
}

// shippedSource is the shipped flows, texts and facts.
func shippedSource() dialogs.Source {
	return shipped.Source()
}
