package kiosk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/dialogs"
	"buurtloket/storetest"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// sendJSON sends a frame and returns the next frame as a map.
func (c *client) sendJSON(v map[string]any) map[string]any {
	c.t.Helper()
	data, _ := json.Marshal(v)
	c.sendRaw(string(data))
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := c.ws.ReadMessage()
	if err != nil {
		c.t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(msg, &f); err != nil {
		c.t.Fatal(err)
	}
	return f
}

// submitFor stores a request as a kiosk would, and returns its receipt.
func submitFor(t *testing.T, env *testEnv, key string) buurtloket.Receipt {
	t.Helper()
	rec, err := env.store.Submit(context.Background(), buurtloket.NewRequest{Key: key, Topic: buurtloket.TopicMoney,
		Priority: buurtloket.PriorityNormal, Channel: buurtloket.ChannelKiosk, Lang: "nl", Summary: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestWrongPINsCountPerTicket: the attack that found all 10,000 PINs over
// 2,002 connections. A new connection no longer starts at zero: the
// ticket locks after FreeWrongPINs, for every connection, and the right
// PIN waits too.
func TestWrongPINsCountPerTicket(t *testing.T) {
	env := newEnv(t)
	rec := submitFor(t, env, "guess-1")
	env.page(t, "/")
	wrong := storetest.OtherPIN(rec.PIN)
	for i := 0; i < buurtloket.FreeWrongPINs-1; i++ {
		c := env.dial(t, "/ws") // a new connection for every try
		c.read()
		if f := c.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": wrong}); f["code"] != buurtloket.ENOTFOUND {
			t.Fatalf("wrong try %d: %v", i+1, f)
		}
		c.ws.Close()
	}
	c := env.dial(t, "/ws")
	c.read()
	f := c.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": wrong})
	if f["code"] != buurtloket.ELOCKED || !strings.Contains(fmt.Sprint(f["say"]), "15 minuten") || !strings.Contains(fmt.Sprint(f["say"]), "medewerker") {
		t.Fatalf("the try that locks must say how long to wait and that staff can help: %v", f)
	}
	c2 := env.dial(t, "/ws")
	c2.read()
	if f := c2.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": rec.PIN}); f["code"] != buurtloket.ELOCKED {
		t.Fatalf("a locked ticket opened with the right PIN on another connection: %v", f)
	}
	m := env.web.metrics
	if got := testutil.ToFloat64(m.wrongPINs); got != float64(buurtloket.FreeWrongPINs-1) {
		t.Errorf("wrong PINs in the metrics: %v", got)
	}
	if got := testutil.ToFloat64(m.followRefused.WithLabelValues("locked")); got != 2 {
		t.Errorf("locked refusals in the metrics: %v", got)
	}
	// Staff unlock it; the resident gets in.
	if err := env.store.UnlockPIN(context.Background(), rec.ID, "staff:test"); err != nil {
		t.Fatal(err)
	}
	if f := c2.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": rec.PIN}); f["type"] != "follow" {
		t.Fatalf("after the unlock: %v", f)
	}
}

// TestWrongCodesAreLimitedPerClient: one client cannot try one PIN on
// each of many tickets either: past the client's allowance it waits,
// without the store being asked.
func TestWrongCodesAreLimitedPerClient(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	c := env.dial(t, "/ws")
	c.read()
	burst := env.web.guards.wrongPhone.Burst
	for i := 0; i < burst; i++ {
		rec := submitFor(t, env, fmt.Sprint("many-", i))
		if f := c.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": storetest.OtherPIN(rec.PIN)}); f["code"] != buurtloket.ENOTFOUND {
			t.Fatalf("try %d: %v", i+1, f)
		}
	}
	rec := submitFor(t, env, "many-last")
	f := c.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": rec.PIN})
	if f["code"] != buurtloket.ELIMITED || !strings.Contains(fmt.Sprint(f["say"]), "minu") {
		t.Fatalf("past the client's allowance: %v", f)
	}
	if got := testutil.ToFloat64(env.web.metrics.followRefused.WithLabelValues("client")); got != 1 {
		t.Errorf("client refusals in the metrics: %v", got)
	}
	// The store was not asked: the ticket has no wrong PIN counted.
	r, _ := env.store.Request(context.Background(), rec.ID)
	if r.PINLock.Wrong != 0 {
		t.Fatalf("the refused try reached the store: %+v", r.PINLock)
	}
}

// TestThreadComesInPages: a long thread comes twenty messages at a time,
// the newest first, and older ones on request.
func TestThreadComesInPages(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	rec := submitFor(t, env, "long")
	for i := 0; i < 30; i++ {
		if _, err := env.store.Reply(ctx, rec.ID, "staff:test", fmt.Sprint("bericht ", i)); err != nil {
			t.Fatal(err)
		}
	}
	env.page(t, "/")
	c := env.dial(t, "/ws")
	c.read()
	f := c.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": rec.PIN})
	msgs := f["messages"].([]any)
	if len(msgs) != threadPage || f["older"] != true || msgs[threadPage-1].(map[string]any)["body"] != "bericht 29" {
		t.Fatalf("first page: %d messages, older %v", len(msgs), f["older"])
	}
	oldest := msgs[0].(map[string]any)["id"]
	f = c.sendJSON(map[string]any{"type": "more", "before": oldest})
	msgs = f["messages"].([]any)
	if len(msgs) != 10 || f["older"] == true || f["before"] != true || msgs[0].(map[string]any)["body"] != "bericht 0" {
		t.Fatalf("second page: %d messages, older %v, before %v", len(msgs), f["older"], f["before"])
	}
	// A resident who writes fast is slowed down; the store's bounds hold
	// across connections and instances.
	slowed := false
	for i := 0; i < 10 && !slowed; i++ {
		f = c.sendJSON(map[string]any{"type": "reply", "text": fmt.Sprint("antwoord ", i)})
		slowed = f["code"] == buurtloket.ELIMITED
	}
	if !slowed {
		t.Fatal("ten replies within a second were all taken")
	}
}

// TestSlowReadersCannotExhaustMemory: the attack that grew the server from
// 180 to 725 MB: a full thread, asked for again and again by pages that
// do not read. Frames are a page of the thread, and a page's queue is
// bounded in bytes, so the heap stays small.
func TestSlowReadersCannotExhaustMemory(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	rec := submitFor(t, env, "full")
	body := strings.Repeat("é", buurtloket.MaxMessageChars)
	for i := 0; i < buurtloket.MaxThread/2; i++ {
		if _, err := env.store.Reply(ctx, rec.ID, "staff:test", body); err != nil {
			t.Fatal(err)
		}
		if _, err := env.store.ResidentReply(ctx, rec.Ticket, rec.PIN, body); err != nil {
			t.Fatal(err)
		}
	}
	env.page(t, "/")
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	// The peak counts, while the pages are stalled: once the server has
	// closed them, what they held is gone again.
	var peak atomic.Uint64
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-sampling:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	var sent atomic.Int64
	for i := 0; i < 4; i++ {
		ws, _, err := dialRaw(env, "/ws")
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			frame := fmt.Sprintf(`{"type":"follow","ticket":%q,"pin":%q}`, rec.Ticket, rec.PIN)
			// Within the flood allowance, never reading an answer.
			for j := 0; j < 40; j++ {
				if ws.WriteMessage(websocket.TextMessage, []byte(frame)) != nil {
					return
				}
				sent.Add(1)
				time.Sleep(110 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	close(sampling)
	<-sampled
	grown := int64(peak.Load()) - int64(before)
	t.Logf("%d follow frames sent by pages that do not read; the heap grew %d KB at most", sent.Load(), grown>>10)
	if grown > 24<<20 {
		t.Fatalf("the heap grew %d MB under pages that do not read", grown>>20)
	}
}

// TestReceiptSurvivesTheEmergencyNumbers: opening and closing the
// emergency numbers on the end screen, or reconnecting, shows the code and
// PIN again; leaving forgets them.
func TestReceiptSurvivesTheEmergencyNumbers(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	c := env.dial(t, "/ws")
	c.read()
	end := walkWorry(c)
	c.do(map[string]any{"type": "emergency"})
	f := c.do(map[string]any{"type": "close"})
	if f.View.Step != "sent" || f.Receipt == nil || f.Receipt.PIN != end.Receipt.PIN || f.Receipt.Ticket != end.Receipt.Ticket {
		t.Fatalf("after the emergency numbers: %s receipt %+v", f.View.Step, f.Receipt)
	}
	c.ws.Close()
	c = env.dial(t, "/ws")
	if f := c.read(); f.Receipt == nil || f.Receipt.PIN != end.Receipt.PIN {
		t.Fatalf("after reconnecting: %s receipt %+v", f.View.Step, f.Receipt)
	}
	if f := c.do(map[string]any{"type": "stop"}); f.Receipt != nil {
		t.Fatalf("after stop the receipt is still sent: %+v", f.Receipt)
	}
}

// worryChoices walk the worry flow to its address step; the address, then
// "anonymous", make the check screen.
var worryChoices = []string{"worry", "lonely", "no", "unknown", "report"}

// walkWorry walks the worry flow to its end screen, anonymously.
func walkWorry(c *client) frame {
	c.t.Helper()
	toWorryCheck(c, "3117 4")
	f := c.choose("send")
	if f.View.Step != "sent" || f.Receipt == nil {
		c.t.Fatalf("not at the end: %s, receipt %+v", f.View.Step, f.Receipt)
	}
	return f
}

// toWorryCheck walks the worry flow to its check screen, anonymously.
func toWorryCheck(c *client, address string) {
	c.t.Helper()
	for _, id := range worryChoices {
		c.choose(id)
	}
	c.do(map[string]any{"type": "text", "text": address})
	c.do(map[string]any{"type": "skip"})
}

// submitStepStore reports whether a session was stored at a submit step
// (one that resumes by submitting).
type submitStepStore struct {
	buurtloket.RequestStore
	engine func() *dialogs.Engine
	atStep atomic.Bool
}

func (s *submitStepStore) SaveSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	var st stored
	if json.Unmarshal(data, &st) == nil {
		if sess, err := dialogs.Decode(st.Session); err == nil {
			if _, _, effects := s.engine().Resume(sess); len(effects) > 0 {
				s.atStep.Store(true)
			}
		}
	}
	return s.RequestStore.SaveSession(ctx, id, data, expires)
}

// TestSubmissionsAreLimitedPerClient: one client cannot flood the inbox.
// A refused submission is not stored at the submit step first: a second
// tab or a reconnect would submit it on resume, past the limit.
func TestSubmissionsAreLimitedPerClient(t *testing.T) {
	var spy *submitStepStore
	env := newEnvWith(t, func(c *Config) {
		spy = &submitStepStore{RequestStore: c.Store, engine: c.Engine}
		c.Store = spy
	})
	env.page(t, "/")
	c := env.dial(t, "/ws")
	c.read()
	for i := 0; i < env.web.guards.submitPhone.Burst; i++ {
		walkWorry(c)
		c.do(map[string]any{"type": "restart"})
		time.Sleep(time.Second) // within the page's flood allowance (floodRate)
	}
	toWorryCheck(c, "3117 5")
	spy.atStep.Store(false)
	f := c.choose("send")
	if spy.atStep.Load() {
		t.Fatal("a refused submission was stored at its submit step")
	}
	if f.Receipt != nil || f.View.Error == "" {
		t.Fatalf("past the limit a request was stored: %s %+v", f.View.Step, f.Receipt)
	}
	if f := c.read(); f.Type != "error" || f.Code != buurtloket.ELIMITED {
		t.Fatalf("the resident must hear why: %+v", f)
	}
	// Nothing was stored at the submit step: a page that comes back does
	// not submit it on resume, past the limit.
	c.ws.Close()
	if f := env.dial(t, "/ws").read(); f.Receipt != nil {
		t.Fatalf("the refused request was submitted on resume: %+v", f.Receipt)
	}
	page, _ := env.store.Inbox(context.Background(), buurtloket.InboxQuery{})
	if len(page.Requests) != env.web.guards.submitPhone.Burst {
		t.Fatalf("%d requests stored, want %d", len(page.Requests), env.web.guards.submitPhone.Burst)
	}
}

// countingStore counts session writes.
type countingStore struct {
	buurtloket.RequestStore
	saves atomic.Int64
}

func (s *countingStore) SaveSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	s.saves.Add(1)
	return s.RequestStore.SaveSession(ctx, id, data, expires)
}

// TestSessionsAreWrittenOnlyWhenNeeded: opening the page writes nothing;
// an input does; touches ("still") are written at most once a minute.
func TestSessionsAreWrittenOnlyWhenNeeded(t *testing.T) {
	var counting *countingStore
	env := newEnvWith(t, func(c *Config) {
		counting = &countingStore{RequestStore: c.Store}
		c.Store = counting
	})
	env.page(t, "/")
	for i := 0; i < 5; i++ {
		c := env.dial(t, "/ws")
		c.read()
		c.sendRaw(`{"type":"still"}`)
		c.ws.Close()
	}
	time.Sleep(100 * time.Millisecond)
	if n := counting.saves.Load(); n != 0 {
		t.Fatalf("opening the page wrote %d sessions", n)
	}
	c := env.dial(t, "/ws")
	c.read()
	c.choose("money")
	for i := 0; i < 10; i++ {
		c.sendRaw(`{"type":"still"}`)
	}
	c.do(map[string]any{"type": "back"})
	if n := counting.saves.Load(); n != 2 {
		t.Fatalf("%d session writes for two inputs and ten touches; want 2", n)
	}
}

// TestCookiesComeFromTheServer: a cookie the server did not issue names
// no session: the WebSocket refuses it, and the page issues a new one.
func TestCookiesComeFromTheServer(t *testing.T) {
	env := newEnv(t)
	forged := strings.Repeat("A", 43)
	h := http.Header{"Origin": {env.srv.URL}, "Cookie": {cookieName + "=" + forged}}
	if _, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(env.srv.URL, "http")+"/ws", h); err == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a forged cookie opened a WebSocket: %v", err)
	}
	req, _ := http.NewRequest("GET", env.srv.URL+"/", nil)
	req.Header.Set("Cookie", cookieName+"="+forged)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var issued string
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			issued = c.Value
		}
	}
	if issued == "" || issued == forged || len(issued) != cookieLen {
		t.Fatalf("the page kept a forged cookie: %q", issued)
	}
}

// TestNewSessionsAreLimitedPerAddress: one address cannot make sessions
// without end; a browser that keeps its cookie is never refused.
func TestNewSessionsAreLimitedPerAddress(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/") // this browser keeps its cookie
	burst := env.web.guards.sessions.Burst
	var last *http.Response
	for i := 0; i < burst; i++ {
		resp, err := http.Get(env.srv.URL + "/") // no cookie jar: a new session each time
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("new session %d from one address: %s", burst+1, last.Status)
	}
	if resp := env.page(t, "/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a browser with its cookie was refused: %s", resp.Status)
	}
	if got := testutil.ToFloat64(env.web.metrics.turnedAway.WithLabelValues("sessions")); got != 1 {
		t.Errorf("sessions turned away: %v", got)
	}
}

// TestPingsAreLimited: pings are frames too; a page that floods them is
// closed.
func TestPingsAreLimited(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	c := env.dial(t, "/ws")
	c.read()
	go func() {
		for i := 0; i < 2000; i++ {
			if c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)) != nil {
				return
			}
		}
	}()
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := c.ws.ReadMessage(); err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				t.Fatal("a page flooding pings was not closed")
			}
			return
		}
	}
}

// TestPagesPerKioskAreCapped: a leaked kiosk cookie cannot open many pages.
func TestPagesPerKioskAreCapped(t *testing.T) {
	env := newEnv(t)
	env.pair(t, "Oost")
	for i := 0; i < env.web.cfg.MaxKioskPages; i++ {
		env.dial(t, "/kiosk/ws").read()
	}
	_, resp, err := dialRaw(env, "/kiosk/ws")
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("page %d of one kiosk: %v", env.web.cfg.MaxKioskPages+1, err)
	}
	if got := testutil.ToFloat64(env.web.metrics.turnedAway.WithLabelValues("kiosk")); got != 1 {
		t.Errorf("kiosk pages turned away: %v", got)
	}
}

// TestAssetsAreNotListed: the asset folders list nothing, and every asset
// comes with nosniff and a policy that lets an SVG run nothing.
func TestAssetsAreNotListed(t *testing.T) {
	env := newEnv(t)
	for _, path := range []string{"/static/", "/pictograms/"} {
		resp, err := http.Get(env.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s; want 404", path, resp.Status)
		}
	}
	for _, path := range []string{"/static/app.js", "/pictograms/coins.svg"} {
		resp, err := http.Get(env.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: %s, nosniff %q, csp %q", path, resp.Status, resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Content-Security-Policy"))
		}
	}
}

// TestResumedSubmissionIsNotLimited: a page that resumes at the submit
// step (the server went down while storing) submits again under the same
// key: that is the retry of an attempt that passed the limit already, and
// the resident gets their code even when the client is at its limit now.
func TestResumedSubmissionIsNotLimited(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	e := env.web.cfg.Engine()
	sess, _ := e.Start(newID(), "nl")
	inputs := []dialogs.Input{}
	for _, id := range worryChoices {
		inputs = append(inputs, dialogs.Input{Type: dialogs.InputChoose, Choice: id})
	}
	inputs = append(inputs, dialogs.Input{Type: dialogs.InputText, Text: "3117 6"}, dialogs.Input{Type: dialogs.InputSkip},
		dialogs.Input{Type: dialogs.InputChoose, Choice: "send"})
	var effects []dialogs.Effect
	for _, in := range inputs {
		var err error
		if sess, _, effects, err = e.Step(sess, in); err != nil {
			t.Fatal(err)
		}
	}
	if len(effects) != 1 || effects[0].Submission == nil {
		t.Fatalf("not at the submit step: %+v", effects)
	}
	// Stored at the submit step, as the page does before submitting.
	data, _ := dialogs.Encode(sess)
	st, _ := json.Marshal(stored{Session: data})
	u, _ := url.Parse(env.srv.URL + "/")
	if err := env.store.SaveSession(context.Background(), storeKey(&env.web.cfg.Phone, env.jar.Cookies(u)[0].Value), st, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// The client is at its limit now.
	limit := &env.web.guards.submitPhone
	for i := 0; i < limit.Burst; i++ {
		limit.Allow("addr:127.0.0.1", time.Now())
	}
	if ok, _ := limit.Allow("addr:127.0.0.1", time.Now()); ok {
		t.Fatal("the test's client is not at its limit")
	}
	f := env.dial(t, "/ws").read()
	if f.View.Step != "sent" || f.Receipt == nil {
		t.Fatalf("the resumed submission was refused: %s, receipt %+v", f.View.Step, f.Receipt)
	}
}

// TestKioskForgetsAnOpenedThreadOnItsOwn: a thread opened on a kiosk is
// forgotten by the server once the page has been still for as long as a
// kiosk session lives, also when the page never wiped (a frozen browser):
// the next person cannot reply as the resident.
func TestKioskForgetsAnOpenedThreadOnItsOwn(t *testing.T) {
	env := newEnvWith(t, func(c *Config) {
		c.Kiosk = KioskMode
		c.Kiosk.Sessions = time.Second
	})
	rec := submitFor(t, env, "kiosk-thread")
	env.pair(t, "Oost")
	c := env.dial(t, "/kiosk/ws")
	c.read()
	if f := c.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": rec.PIN}); f["type"] != "follow" {
		t.Fatalf("follow: %v", f)
	}
	time.Sleep(1200 * time.Millisecond)
	if f := c.sendJSON(map[string]any{"type": "reply", "text": "Ik ben iemand anders."}); f["type"] != "error" || !strings.Contains(fmt.Sprint(f["message"]), "open a request") {
		t.Fatalf("a reply after the kiosk's session time: %v", f)
	}
	thread, _ := env.store.Thread(context.Background(), rec.ID)
	if len(thread) != 0 {
		t.Fatalf("the reply was stored: %+v", thread)
	}
}

// TestWrongTriesAtOnceAreCounted: tries that arrive at once on many
// connections cannot all pass on the client's last token: each is spent
// before the store is asked.
func TestWrongTriesAtOnceAreCounted(t *testing.T) {
	env := newEnv(t)
	env.page(t, "/")
	const pages = 40
	var recs []buurtloket.Receipt
	var conns []*client
	for i := 0; i < pages; i++ {
		recs = append(recs, submitFor(t, env, fmt.Sprint("at-once-", i)))
		c := env.dial(t, "/ws")
		c.read()
		conns = append(conns, c)
	}
	var wg sync.WaitGroup
	var wrong, limited atomic.Int64
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, _ := json.Marshal(map[string]any{"type": "follow", "ticket": recs[i].Ticket, "pin": storetest.OtherPIN(recs[i].PIN)})
			c.ws.WriteMessage(websocket.TextMessage, data)
			c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, msg, err := c.ws.ReadMessage()
			if err != nil {
				return
			}
			switch {
			case strings.Contains(string(msg), `"code":"not_found"`):
				wrong.Add(1)
			case strings.Contains(string(msg), `"code":"limited"`):
				limited.Add(1)
			}
		}()
	}
	wg.Wait()
	if burst := int64(env.web.guards.wrongPhone.Burst); wrong.Load() != burst || limited.Load() != pages-burst {
		t.Fatalf("%d wrong tries reached the store and %d were refused; want %d and %d", wrong.Load(), limited.Load(), burst, pages-burst)
	}
}

// TestKioskWrongTriesCountPerConversation: at a kiosk, one resident's
// wrong tries do not lock the next resident out: they count per
// conversation, under a higher ceiling for the whole kiosk.
func TestKioskWrongTriesCountPerConversation(t *testing.T) {
	env := newEnv(t)
	env.pair(t, "Oost")
	c := env.dial(t, "/kiosk/ws")
	c.read()
	for i := 0; i <= env.web.guards.wrongTalk.Burst; i++ {
		rec := submitFor(t, env, fmt.Sprint("kiosk-wrong-", i))
		f := c.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": storetest.OtherPIN(rec.PIN)})
		if i == env.web.guards.wrongTalk.Burst && f["code"] != buurtloket.ELIMITED {
			t.Fatalf("past the conversation's allowance: %v", f)
		}
	}
	c.do(map[string]any{"type": "stop"}) // the next resident
	rec := submitFor(t, env, "kiosk-next")
	if f := c.sendJSON(map[string]any{"type": "follow", "ticket": rec.Ticket, "pin": rec.PIN}); f["type"] != "follow" {
		t.Fatalf("the next resident at the kiosk was refused: %v", f)
	}
}

// TestSharedNetworksCountAsOne: on the buurthuis Wi-Fi many residents
// share one address; an operator's shared network gets the kiosk's
// higher limits, as a whole.
func TestSharedNetworksCountAsOne(t *testing.T) {
	env := newEnvWith(t, func(c *Config) { c.SharedNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	for i := 0; i < env.web.guards.sessions.Burst+5; i++ {
		resp, err := http.Get(env.srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("new session %d on a shared network: %s", i+1, resp.Status)
		}
	}
	r := &http.Request{RemoteAddr: "127.0.0.9:5555", Header: http.Header{}, URL: &url.URL{}}
	if client, shared := env.web.client(r, 0); client != "net:127.0.0.0/8" || !shared {
		t.Fatalf("client %q shared %v", client, shared)
	}
	// An IPv6 Wi-Fi too (a client counted per /64 was never found in one).
	env.web.cfg.SharedNetworks = append(env.web.cfg.SharedNetworks, netip.MustParsePrefix("2001:db8::/48"))
	r.RemoteAddr = "[2001:db8:0:7::42]:5555"
	if client, shared := env.web.client(r, 0); client != "net:2001:db8::/48" || !shared {
		t.Fatalf("an IPv6 client on a shared network: client %q shared %v", client, shared)
	}
	r.RemoteAddr = "[2001:db8:1:7::42]:5555"
	if client, shared := env.web.client(r, 0); client != "addr:2001:db8:1:7::/64" || shared {
		t.Fatalf("an IPv6 client elsewhere: client %q shared %v", client, shared)
	}
}

// TestUnsignedCookieKeepsItsConversation: a page with a cookie from before
// cookies were signed (an upgrade in the middle of a conversation) gets a
// signed cookie and keeps its conversation; a made-up one gets nothing.
func TestUnsignedCookieKeepsItsConversation(t *testing.T) {
	env := newEnv(t)
	e := env.web.cfg.Engine()
	sess, _ := e.Start(newID(), "tr")
	sess, _, _, err := e.Step(sess, dialogs.Input{Type: dialogs.InputChoose, Choice: "senior"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := dialogs.Encode(sess)
	st, _ := json.Marshal(stored{Session: data})
	old := strings.Repeat("Q", cookieRandom)
	if err := env.store.SaveSession(context.Background(), storeKey(&env.web.cfg.Phone, old), st, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(env.srv.URL + "/")
	env.jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: old, Path: "/"}})
	env.page(t, "/")
	if c := env.jar.Cookies(u)[0].Value; len(c) != cookieLen {
		t.Fatalf("the page kept its unsigned cookie %q", c)
	}
	if f := env.dial(t, "/ws").read(); f.View.Flow != "senior" || f.View.Lang != "tr" {
		t.Fatalf("the conversation was lost at the upgrade: %s in %s", f.View.Flow, f.View.Lang)
	}
	if _, err := env.store.LoadSession(context.Background(), storeKey(&env.web.cfg.Phone, old)); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		t.Fatalf("the old name still holds the conversation: %v", err)
	}
}
