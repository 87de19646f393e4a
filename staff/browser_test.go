package staff

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/internal/browsertest"
	"buurtloket/storetest"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserConsoleLogin walks the first login of an admin in Chromium,
// from the one-time password to the inbox, and scans every page with
// axe-core: no serious or critical violation. Screenshots go to
// BUURTLOKET_SCREENSHOTS (make screenshots: docs/screenshots).
func TestBrowserConsoleLogin(t *testing.T) {
	c := newConsole(t)
	ctx, run, scan, at := chromium(t, c)
	for i, p := range []buurtloket.Priority{buurtloket.PriorityUrgent, buurtloket.PriorityNormal, buurtloket.PriorityHigh} {
		r := storetest.NewRequest("browser-" + string(p))
		r.Priority = p
		r.Topic = buurtloket.Topics[i]
		if _, err := c.store.Submit(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	once := OneTimePassword()
	if _, err := AddAccount(context.Background(), c.store, buurtloket.ActorCommandLine, "beheer@woonplus.nl", "Fatima Yılmaz", buurtloket.RoleAdmin, once, cheap); err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(c.srv.URL + "/staff/"))
	at("staff.login.title")
	scan("console-login")
	run(chromedp.SendKeys(chromedp.CSS("#email"), "beheer@woonplus.nl"), chromedp.SendKeys(chromedp.CSS("#password"), "fout"), // a wrong password first
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	at("staff.login.title")
	run(chromedp.WaitVisible(chromedp.CSS(".problem")))
	scan("console-login-wrong")
	run(chromedp.SendKeys(chromedp.CSS("#password"), once), chromedp.Click(chromedp.CSS("main button[type=submit]")))
	at("staff.password.title")
	scan("console-password")
	run(chromedp.SendKeys(chromedp.CSS("#new"), "drie lange woorden hier"), chromedp.SendKeys(chromedp.CSS("#again"), "drie lange woorden hier"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	at("staff.two_factor.title")
	scan("console-two-factor")
	secret, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("input[name=secret]").value`))
	if err != nil {
		t.Fatal(err)
	}
	code, err := totpCode(secret, c.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	run(chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.Click(chromedp.CSS("main button[type=submit]")))
	at("staff.recovery.title")
	scan("console-recovery")
	run(chromedp.Click(chromedp.CSS("a.button")))
	at("staff.inbox.title")
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.inbox tbody tr").length`))
	if err != nil || rows != 3 {
		t.Fatalf("the inbox shows %d requests (%v), want 3", rows, err)
	}
	scan("console-inbox")
	run(chromedp.Navigate(c.srv.URL + "/staff/accounts"))
	at("staff.accounts.title")
	scan("console-accounts")
	run(chromedp.Navigate(c.srv.URL + "/staff/log"))
	at("staff.log.title")
	scan("console-log")
	run(chromedp.Click(chromedp.CSS(`header form[action="/staff/logout"] button`)))
	at("staff.login.title")
}

// chromium opens the console c in Chromium, in Dutch, and returns its
// context and steps: run actions, scan a page (a screenshot, then
// axe-core: no serious or critical violation), wait until a page's heading
// is a message. Screenshots go to BUURTLOKET_SCREENSHOTS (make
// screenshots: docs/screenshots).
func chromium(t *testing.T, c *console) (context.Context, func(...chromedp.Action[chromedp.Void]), func(string), func(string)) {
	return chromiumAt(t, c, 1280, 900)
}

// chromiumAt is chromium with a window of width × height.
func chromiumAt(t *testing.T, c *console, width, height int) (context.Context, func(...chromedp.Action[chromedp.Void]), func(string), func(string)) {
	ctx := browsertest.New(t, width, height, chromedp.Flag("accept-lang", "nl-NL,nl")) // staff read Dutch
	axe := browsertest.Axe(t)
	shots := os.Getenv("BUURTLOKET_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	run := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	scan := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		if axe == "" {
			return
		}
		found, err := browsertest.Violations(ctx, axe)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range found {
			t.Errorf("accessibility on %s: %s", name, v)
		}
	}
	// at waits until the page's heading is the message title: a click
	// that posts a form leaves the old page up for a moment.
	at := func(title string) {
		t.Helper()
		want := c.s.cfg.Texts.Text("nl", title)
		got := ""
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			// Errors while the page navigates are expected: try again.
			if got, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" && document.querySelector("h1") ? document.querySelector("h1").textContent : ""`)); got == want {
				return
			}
		}
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("waiting for %q, the page says: %s", want, body)
	}
	return ctx, run, scan, at
}

// annaLogsIn logs Anna in (an account with the password "een goed
// wachtwoord") and waits for the page whose heading is next.
func annaLogsIn(c *console, run func(...chromedp.Action[chromedp.Void]), at func(string), next string) {
	c.t.Helper()
	run(chromedp.Navigate(c.srv.URL + "/staff/login"))
	at("staff.login.title")
	run(chromedp.SendKeys(chromedp.CSS("#email"), "anna@woonplus.nl"), chromedp.SendKeys(chromedp.CSS("#password"), "een goed wachtwoord"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	at(next)
}

// annaAtTheListeningInbox: Anna logs in to console c, which hears the
// store's changes, in Chromium, and her inbox listens.
func annaAtTheListeningInbox(t *testing.T, c *console) (context.Context, func(...chromedp.Action[chromedp.Void]), func(string), func(string)) {
	c.account("anna@woonplus.nl", buurtloket.RoleStaff, "een goed wachtwoord", "")
	listening, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go c.s.Listen(listening)
	ctx, run, scan, at := chromium(t, c)
	annaLogsIn(c, run, at, "staff.inbox.title")
	until(t, ctx, "the inbox listens", `document.body.dataset.listening === "yes"`)
	return ctx, run, scan, at
}

// until waits up to 10 seconds for a JavaScript condition on the page.
func until(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); ok {
			return
		}
	}
	t.Fatalf("%s: not within 10 seconds", what)
}

// TestBrowserRequestPage: a request with hostile free text, in Chromium:
// the text shows as text (no script runs, no element or link is made of
// it, no alert opens), and the page passes axe-core.
func TestBrowserRequestPage(t *testing.T) {
	c := newConsole(t)
	c.account("anna@woonplus.nl", buurtloket.RoleStaff, "een goed wachtwoord", "")
	id := c.submit("hostile", "ar", true, hostile+"\nالإيجار متأخر ثلاثة أشهر")
	if _, err := c.store.Reply(context.Background(), id, "staff:1", "Wij bellen u morgen."); err != nil {
		t.Fatal(err)
	}
	ctx, run, scan, at := chromium(t, c)
	var alerted atomic.Bool
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			alerted.Store(true)
		}
	}); err != nil {
		t.Fatal(err)
	}
	annaLogsIn(c, run, at, "staff.inbox.title")
	// A staff reply made it "answered": the inbox lists it under that status.
	run(chromedp.Click(chromedp.CSS(`a[href="/staff/?status=answered"]`)))
	until(t, ctx, "the answered requests", `location.search === "?status=answered" && document.readyState === "complete"`)
	run(chromedp.Click(chromedp.CSS("table.inbox a")))
	run(chromedp.WaitVisible(chromedp.CSS("section#thread, h2#thread")))
	scan("console-request")
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[[...document.scripts].filter(s => s.getAttribute("src") !== "/staff/static/console.js").length, document.querySelectorAll("main img, main a[href^='javascript'], [onerror]").length,
		document.querySelector(".free").textContent.includes("<script>alert(1)</script>") ? 1 : 0]`))
	if err != nil {
		t.Fatal(err)
	}
	if found[0] != 0 || found[1] != 0 || found[2] != 1 || alerted.Load() {
		t.Fatalf("scripts %d, elements from the text %d, text shown as written %d, alert %v", found[0], found[1], found[2], alerted.Load())
	}
}

// TestBrowserTablet: on a tablet held upright (768 × 1024), every page a
// staff member uses all day fits the screen's width, and passes axe-core: the login's code step,
// the inbox, the request page with its contact details shown, the search
// by code that found nothing, the password page (with "log out
// everywhere") and the error page.
func TestBrowserTablet(t *testing.T) {
	c := newConsole(t)
	c.account("anna@woonplus.nl", buurtloket.RoleStaff, "een goed wachtwoord", secret)
	id := c.submit("tablet", "tr", true, "Kira üç aydır ödenmedi. Lütfen beni arayın, akşamları evdeyim.")
	for i := 0; i < 12; i++ {
		c.submit("tablet-"+itoa(int64(i)), "nl", i%2 == 0, "De huur is te laat.")
	}
	ctx, run, scan, at := chromiumAt(t, c, 768, 1024)
	fits := func(page string) {
		t.Helper()
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")].filter(e => {
			const r = e.getBoundingClientRect();
			return r.width > 0 && r.right > innerWidth + 1;
		}).map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`))
		if err != nil {
			t.Fatal(err)
		}
		over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if len(wide) > 0 || over > 0 {
			t.Errorf("%s on a tablet: the page is %d px too wide; sticking out: %q", page, over, wide)
		}
	}
	annaLogsIn(c, run, at, "staff.code.title")
	fits("the code step")
	scan("console-tablet-code")
	run(chromedp.SendKeys(chromedp.CSS("#code"), c.code(secret)), chromedp.Click(chromedp.CSS("main button[type=submit]")))
	at("staff.inbox.title")
	fits("the inbox")
	// The filters leave room for the list: the first requests show
	// without scrolling.
	if top, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("table.inbox tbody tr:nth-child(2)").getBoundingClientRect().bottom - innerHeight`)); err != nil || top > 0 {
		t.Errorf("the second request in the inbox is %v px below the tablet's screen (%v)", top, err)
	}
	scan("console-tablet-inbox")
	run(chromedp.Navigate(c.srv.URL+"/staff/requests/"+itoa(id)), chromedp.Click(chromedp.CSS(`form[action$="/contact"] button`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(".notice dl.facts")))
	// A reload shows the request again; it does not open the contact
	// details a second time (and record it so).
	if at := evalString(t, ctx, `location.pathname`); at != "/staff/requests/"+itoa(id) {
		t.Errorf("the page with the contact details has the address %s", at)
	}
	fits("the request page")
	scan("console-tablet-request")
	run(chromedp.SendKeys(chromedp.CSS("#find-code"), "K7QM-3XHD"), chromedp.Submit(chromedp.CSS("#find-code")))
	at("staff.find.title")
	fits("find by code")
	if again, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.value`)); err != nil || again != "K7QM-3XHD" {
		t.Errorf("after a search that found nothing, the focus is on %q (%v), want the field with the code", again, err)
	}
	scan("console-find")
	run(chromedp.Navigate(c.srv.URL + "/staff/password"))
	at("staff.password.title")
	fits("the password page")
	scan("console-tablet-password")
	run(chromedp.Navigate(c.srv.URL + "/staff/requests/12345"))
	at("staff.error.title")
	fits("the error page")
	scan("console-error")
}

// TestBrowserLiveUpdates: a new request appears in an open inbox, and a
// resident's message in an open request page, without a reload; a screen
// reader is told.
func TestBrowserLiveUpdates(t *testing.T) {
	c := newConsole(t)
	ctx, run, scan, _ := annaAtTheListeningInbox(t, c)
	// The page's event stream opens a moment after the page (what came
	// before it opened, the page reads once, without a word): the first
	// request shows that the server hears it. Any of those sent will do
	// (a refresh slower than a try shows an earlier one).
	var first buurtloket.Receipt
	var sent []buurtloket.Receipt
	for i := 0; first.ID == 0; i++ {
		if i == 20 {
			t.Fatal("the inbox did not show a new request without a reload")
		}
		r := storetest.NewRequest("live-" + itoa(int64(i)))
		r.Contact = &buurtloket.Contact{Name: "Fatima", Phone: "0612345678"} // named: anonymous ones are told at the hour
		rec, err := c.store.Submit(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, rec)
		time.Sleep(500 * time.Millisecond)
		for _, rec := range sent {
			if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('a[href="/staff/requests/`+itoa(rec.ID)+`"]')`)); ok {
				first = rec
				break
			}
		}
	}
	until(t, ctx, "the screen reader is told", `document.getElementById("live").textContent === `+jsString(c.s.cfg.Texts.Text("nl", "staff.live.request")))
	scan("console-inbox-live")
	run(chromedp.Navigate(c.srv.URL + "/staff/requests/" + itoa(first.ID)))
	until(t, ctx, "the request page listens", `document.body.dataset.listening === "yes"`)
	if _, err := c.store.ResidentReply(context.Background(), first.Ticket, first.PIN, "Ik ben er morgen."); err != nil {
		t.Fatal(err)
	}
	until(t, ctx, "the resident's message in the open thread", `document.querySelector("#thread-items").textContent.includes("Ik ben er morgen.")`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserIdleConsoleShowsTheLogin: a console left open at a desk
// shows the login page once its session has gone idle, whether its event
// stream ends (the heartbeat checks) or a change makes it refresh; the
// requests no longer show to whoever passes.
func TestBrowserIdleConsoleShowsTheLogin(t *testing.T) {
	for through, heartbeat := range map[string]time.Duration{"the stream": 200 * time.Millisecond, "a refresh": time.Hour} {
		t.Run(through, func(t *testing.T) {
			c := newConsole(t)
			c.s.heartbeat = heartbeat // before the first request
			_, _, _, at := annaAtTheListeningInbox(t, c)
			c.clock.Add(buurtloket.StaffIdleTimeout + time.Minute)
			if heartbeat == time.Hour {
				c.submit("idle-change", "nl", true, "Nog een.") // a change: the page refreshes
			}
			at("staff.login.title")
		})
	}
}

// TestBrowserRefreshKeepsFocus: a live refresh leaves the keyboard where
// it was (on the same filter link of the fresh inbox) and an opened
// disclosure open, instead of sending a keyboard or screen reader user
// back to the top of the page.
func TestBrowserRefreshKeepsFocus(t *testing.T) {
	c := newConsole(t)
	ctx, run, _, _ := annaAtTheListeningInbox(t, c)
	const filter = `a[href="/staff/?show=unassigned"]`
	run(chromedp.Focus(chromedp.CSS(filter)))
	r := storetest.NewRequest("focus")
	r.Lang = "tr"
	r.Contact = &buurtloket.Contact{Name: "Fatima", Phone: "0612345678"} // named: told at once
	rec, err := c.store.Submit(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	until(t, ctx, "the new request in the inbox", `!!document.querySelector('a[href="/staff/requests/`+itoa(rec.ID)+`"]')`)
	if got := evalString(t, ctx, `document.activeElement.getAttribute("href") || document.activeElement.tagName`); got != "/staff/?show=unassigned" {
		t.Fatalf("after a live refresh of the inbox, the focus is on %q", got)
	}
	m, err := c.store.CannedReply(context.Background(), rec.ID, "staff:1", "thanks", "Teşekkürler.")
	if err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(c.srv.URL + "/staff/requests/" + itoa(rec.ID)))
	until(t, ctx, "the request page listens", `document.body.dataset.listening === "yes"`)
	dutch := "#dutch-" + itoa(m.ID)
	run(chromedp.Click(chromedp.CSS(dutch+" > summary"), chromedp.NodeVisible))
	if _, err := c.store.ResidentReply(context.Background(), rec.Ticket, rec.PIN, "Sağ olun."); err != nil {
		t.Fatal(err)
	}
	until(t, ctx, "the resident's message in the open thread", `document.querySelector("#thread-items").textContent.includes("Sağ olun.")`)
	if got := evalString(t, ctx, `(document.querySelector("`+dutch+`").open ? "open" : "closed") + " " + document.activeElement.tagName`); got != "open SUMMARY" {
		t.Fatalf("after a live refresh of the thread, the Dutch text is %q (want it open, with the focus on its summary)", got)
	}
}

func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBrowserRefusedStreamKeepsTheDraft: when the event stream is refused
// (a proxy's error page during a deploy), the page neither reloads (which
// would lose a half-written reply, again and again) nor gives up: it
// listens again once the stream is back.
func TestBrowserRefusedStreamKeepsTheDraft(t *testing.T) {
	c := newConsole(t)
	var refuse atomic.Bool
	var mu sync.Mutex
	var streams []context.CancelFunc
	inner := c.s.Handler()
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/staff/events" {
			if refuse.Load() {
				http.Error(w, "502 Bad Gateway", http.StatusBadGateway)
				return
			}
			ctx, cancel := context.WithCancel(r.Context())
			mu.Lock()
			streams = append(streams, cancel)
			mu.Unlock()
			r = r.WithContext(ctx)
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(c.srv.Close)
	id := c.submit("draft", "nl", true, "De huur is te laat.")
	ctx, run, _, _ := annaAtTheListeningInbox(t, c)
	run(chromedp.Navigate(c.srv.URL + "/staff/requests/" + itoa(id)))
	until(t, ctx, "the request page listens", `document.body.dataset.listening === "yes"`)
	run(chromedp.SendKeys(chromedp.CSS("#body"), "Een half antwoord"), chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
	refuse.Store(true)
	mu.Lock()
	for _, cancel := range streams {
		cancel()
	}
	mu.Unlock()
	until(t, ctx, "the page knows it is not listening", `document.body.dataset.listening === "no"`)
	time.Sleep(3 * time.Second)
	if got := evalString(t, ctx, `(window.notReloaded ? "" : "reloaded ") + document.getElementById("body").value`); got != "Een half antwoord" {
		t.Fatalf("with the stream refused, the reply box holds %q, want the half-written reply on the same page", got)
	}
	refuse.Store(false)
	until(t, ctx, "the page listens again", `document.body.dataset.listening === "yes" && window.notReloaded`)
}
