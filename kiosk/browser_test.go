package kiosk

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/internal/browsertest"
	"buurtloket/requests"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The browser tests drive the real page in headless Chromium
// (internal/browsertest): outside CI they skip loudly when it is missing;
// with CI=true they fail instead. Accessibility is checked with axe-core.

type browser struct {
	scanEach bool   // scan every screen a step arrives at
	pairing  string // the kiosk's pairing link
	web      *Server
	t        *testing.T
	ctx      context.Context
	base     string
	axe      string
	store    *requests.Store
	shots    string
	scans    int
}

func newBrowser(t *testing.T, width, height int, kiosk Mode) *browser {
	t.Helper()
	return newBrowserWith(t, width, height, func(c *Config) { c.Kiosk = kiosk })
}

// newBrowserWith lets a test change the web channel's configuration.
func newBrowserWith(t *testing.T, width, height int, change func(*Config)) *browser {
	t.Helper()
	cfg, store := testConfig(t)
	srv := httptest.NewUnstartedServer(nil)
	cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	change(&cfg)
	web := New(cfg)
	srv.Config.Handler = web.Handler()
	srv.Start()
	ctx := browsertest.New(t, width, height)
	t.Cleanup(func() {
		srv.Close()
		web.Close()
		store.Close()
	})
	shots := os.Getenv("BUURTLOKET_SCREENSHOTS") // a folder, for docs/screenshots
	if shots == "" {
		shots = t.TempDir()
	}
	_, token, err := store.AddKiosk(context.Background(), "Buurthuis De Erker", "Oost")
	if err != nil {
		t.Fatal(err)
	}
	return &browser{web: web, t: t, ctx: ctx, base: srv.URL, axe: browsertest.Axe(t), store: store, shots: shots, pairing: srv.URL + "/kiosk/pair?token=" + token}
}

// newBrowserWithOutage is a browser whose server's store fails the kiosk's
// pairing check while outage.down is set: the kiosk page is then refused
// ("one moment"), and an open page cannot reconnect.
func newBrowserWithOutage(t *testing.T, width, height int) (*browser, *kioskOutage) {
	t.Helper()
	outage := &kioskOutage{}
	b := newBrowserWith(t, width, height, func(c *Config) {
		outage.RequestStore = c.Store
		c.Store = outage
	})
	return b, outage
}

// pairKiosk opens the kiosk's pairing link and presses its button, as the
// operator does once on the kiosk.
func (b *browser) pairKiosk() {
	b.t.Helper()
	b.do(chromedp.Navigate(b.pairing), chromedp.Click(css(`#pair`), chromedp.NodeVisible))
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func value[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// at waits until the page shows a step ("money/how_long").
func (b *browser) at(step string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(css(`main[data-step="` + step + `"]`)))
	if b.scanEach { // the walks that scan each screen are in Dutch
		b.scan(strings.ReplaceAll(step, "/", "-") + "-nl")
	}
}

// choose taps an option and waits for the next step.
func (b *browser) choose(option, next string) {
	b.t.Helper()
	b.do(chromedp.Click(css(`main button[data-option="`+option+`"]`), chromedp.NodeVisible))
	b.at(next)
}

// submit types into the fields and sends the form.
func (b *browser) submit(next string, fields ...string) {
	b.t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		b.do(chromedp.SendKeys(css(fields[i]), fields[i+1]))
	}
	b.do(chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible))
	b.at(next)
}

// scan saves a screenshot and runs axe-core on the current screen: no
// violation of impact serious or critical is allowed.
func (b *browser) scan(name string) {
	b.t.Helper()
	png := value(b, chromedp.CaptureScreenshot()) // the viewport: what the screen shows
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if b.axe == "" {
		return
	}
	for _, v := range b.violations() {
		b.t.Errorf("accessibility on %s: %s", name, v)
	}
}

// violations runs axe-core and returns the serious and critical ones.
func (b *browser) violations() []string {
	b.t.Helper()
	b.scans++
	found, err := browsertest.Violations(b.ctx, b.axe)
	if err != nil {
		b.t.Fatal(err)
	}
	return found
}

// TestAxeFindsViolations proves the scan can fail: a button without a name
// and an image without alt text must be reported.
func TestAxeFindsViolations(t *testing.T) {
	b := newBrowser(t, 1080, 1920, KioskMode)
	if b.axe == "" {
		t.Skip("\n\n*** SKIPPING: axe-core not installed (make tools)\n")
	}
	b.do(chromedp.Navigate(b.base + "/"))
	b.at("start/menu")
	value(b, chromedp.Evaluate[bool](`document.querySelector("main").append(document.createElement("button"), Object.assign(document.createElement("img"), {src: "/pictograms/home.svg"})); true`))
	found := strings.Join(b.violations(), "\n")
	for _, rule := range []string{"button-name", "image-alt"} {
		if !strings.Contains(found, rule) {
			t.Errorf("axe did not report %s; it reported:\n%s", rule, found)
		}
	}
}

func TestBrowserMoneyInDutch(t *testing.T) {
	b := newBrowser(t, 1080, 1920, KioskMode)
	b.pairKiosk()
	b.at("start/menu")
	b.scan("start-nl")
	b.choose("money", "money/bills")
	b.scan("money-bills-nl")
	b.choose("rent", "money/how_long")
	b.choose("long", "money/letters")
	b.choose("court", "money/urgent_rent")
	b.scan("money-urgent-nl")
	b.choose("next", "money/contact")
	b.scan("money-contact-nl")
	// A shared screen must not offer the next resident what this one typed.
	if open := value(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("input, textarea")]
		.filter(e => e.getAttribute("autocomplete") !== "off").map(e => e.id)`)); len(open) != 0 {
		t.Fatalf("fields the browser may remember: %v", open)
	}
	b.submit("money/story", "#c-name", "Fatima", "#c-phone", "06 12345678")
	b.submit("money/check", "#answer", "<b>vet</b> & huur")
	b.scan("money-check-nl")
	summary := value(b, chromedp.Text(css(".summary")))
	if !strings.Contains(summary, "<b>vet</b> & huur") || !strings.Contains(summary, "Fatima") {
		t.Fatalf("summary must show the typed text as text: %q", summary)
	}
	b.choose("send", "money/sent")
	b.scan("money-ticket-nl")
	code := value(b, chromedp.Text(css("#ticket-code")))
	pin := value(b, chromedp.Text(css("#ticket-pin")))
	if w := value(b, chromedp.Evaluate[int](`document.getElementById("ticket-qr").naturalWidth`)); w == 0 {
		t.Error("the QR code image does not show")
	}
	// The QR code leads to the phone page, which opens the follow form
	// with the code filled in and drops it from the address.
	b.do(chromedp.Navigate(b.base + "/?follow=" + code))
	b.at("follow/form")
	if got := value(b, chromedp.Evaluate[string](`document.getElementById("f-code").value`)); got != code {
		t.Fatalf("follow code %q, want %q", got, code)
	}
	if addr := value(b, chromedp.Evaluate[string](`location.href`)); strings.Contains(addr, code) {
		t.Errorf("the code stays in the address: %s", addr)
	}
	r, err := b.store.RequestByTicket(context.Background(), code, pin)
	if err != nil || r.Priority != buurtloket.PriorityUrgent || r.Anonymous || r.Channel != buurtloket.ChannelKiosk || r.Wijk != "Oost" {
		t.Fatalf("ticket %s/%s: %v %+v", code, pin, err, r)
	}
	if bolds := value(b, chromedp.Evaluate[int](`document.querySelectorAll("main b").length`)); bolds != 0 {
		t.Fatal("typed markup was rendered")
	}
}

func TestBrowserArabicRightToLeft(t *testing.T) {
	b := newBrowser(t, 1920, 1080, KioskMode)
	b.pairKiosk()
	b.at("start/menu")
	b.do(chromedp.Click(css(`main button[lang="ar"]`), chromedp.NodeVisible), chromedp.WaitVisible(css(`html[dir="rtl"]`)))
	b.scan("start-ar")
	b.choose("repairs", "repairs/what")
	b.choose("urgent", "repairs/urgent")
	b.scan("repairs-urgent-ar")
	b.choose("help", "repairs/question")
	b.submit("repairs/identity", "#answer", "رائحة غاز في الممر")
	b.choose("anonymous", "repairs/postcode")
	b.do(chromedp.Click(css(`form.answer button[type="button"]`), chromedp.NodeVisible)) // skip
	b.at("repairs/check")
	b.choose("send", "repairs/sent")
	b.scan("repairs-ticket-ar")
	dir := value(b, chromedp.Evaluate[string](`document.documentElement.dir`))
	lang := value(b, chromedp.Evaluate[string](`document.documentElement.lang`))
	if dir != "rtl" || lang != "ar" {
		t.Fatalf("dir %q lang %q", dir, lang)
	}
	// Logical CSS: in right-to-left the leave button sits at the left end.
	left := value(b, chromedp.Evaluate[float64](`document.querySelector(".strip .leave").getBoundingClientRect().left`))
	if left > 400 {
		t.Errorf("the leave button is at x=%v; in rtl it belongs at the left end", left)
	}
	if code := value(b, chromedp.Text(css("#ticket-code"))); !validTicket(code) {
		t.Fatalf("ticket %q", code)
	}
}

func validTicket(code string) bool { _, ok := buurtloket.NormalizeTicket(code); return ok }

// TestBrowserKioskForgets waits for the idle warning and the wipe.
func TestBrowserKioskForgets(t *testing.T) {
	quick := KioskMode
	// The warning lasts long enough for the scan of it to end before the
	// wipe on a busy machine.
	quick.Idle, quick.Warning = 2*time.Second, 8*time.Second
	b := newBrowser(t, 1080, 1920, quick)
	b.pairKiosk()
	b.at("start/menu")
	b.choose("nuisance", "nuisance/what")
	b.choose("dirt", "nuisance/address")
	b.do(chromedp.WaitVisible(css(`#overlay-button`)))
	b.scan("kiosk-idle-warning-nl")
	// "I am still here" keeps the resident where they were.
	b.do(chromedp.Click(css(`#overlay-button`), chromedp.NodeVisible), chromedp.WaitNotVisible(css(`#overlay`)))
	b.at("nuisance/address")
	// Then nobody touches it: the warning, the countdown, the wipe.
	b.do(chromedp.WaitVisible(css(`#overlay-button`)), chromedp.WaitNotVisible(css(`#overlay`)))
	b.at("start/menu")
	html := value(b, chromedp.OuterHTML(css("html")))
	for _, gone := range []string{"Afval of stank", "Waar is de overlast?", "nuisance/address"} {
		if strings.Contains(html, gone) {
			t.Errorf("after the wipe the page still holds %q", gone)
		}
	}
	if n := value(b, chromedp.Evaluate[int](`localStorage.length + sessionStorage.length + document.cookie.length`)); n != 0 {
		t.Errorf("browser storage holds %d items or characters", n)
	}
	// The blank tab, the pairing page (once, by the operator) and the
	// page's own two entries; the resident's screens add none.
	if n := value(b, chromedp.Evaluate[int](`history.length`)); n > 4 {
		t.Errorf("history grew to %d entries", n)
	}
	if b.axe != "" && b.scans == 0 {
		t.Fatal("no accessibility scan ran")
	}
}

// skip presses the form's second button: skip, or stay anonymous.
// multi taps options of a multi step, checks that each shows as pressed,
// and goes on.
func (b *browser) multi(next string, options ...string) {
	b.t.Helper()
	for _, o := range options {
		b.do(chromedp.Click(css(`main button[data-option="`+o+`"]`), chromedp.NodeVisible))
	}
	pressed := value(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main button[aria-pressed="true"]')].map(b => b.dataset.option)`))
	if strings.Join(pressed, ",") != strings.Join(options, ",") {
		b.t.Fatalf("pressed %v, want %v", pressed, options)
	}
	b.do(chromedp.Click(css(`#multi-next`), chromedp.NodeVisible))
	b.at(next)
}

func (b *browser) skip(next string) {
	b.t.Helper()
	b.do(chromedp.Click(css(`form.answer button[type="button"]`), chromedp.NodeVisible))
	b.at(next)
}

// TestBrowserEveryTopicToATicket walks each topic of the start menu to a
// ticket code in Dutch (money is walked above), and talking to a person.
func TestBrowserEveryTopicToATicket(t *testing.T) {
	b := newBrowser(t, 1080, 1920, KioskMode)
	b.scanEach = true // every screen of every flow, with axe-core
	walks := map[string]func(){
		"nuisance": func() {
			for _, s := range [][2]string{{"noise", "living"}, {"report", "address"}} {
				b.choose(s[0], "nuisance/"+s[1])
			}
			b.skip("nuisance/since")
			for _, s := range [][2]string{{"this_month", "how_often"}, {"daily", "done_so_far"}} {
				b.choose(s[0], "nuisance/"+s[1])
			}
			b.multi("nuisance/contact", "talked", "corporation")
			b.skip("nuisance/check")
			b.choose("send", "nuisance/sent")
		},
		"worry": func() {
			for _, s := range [][2]string{{"lonely", "danger"}, {"no", "has_help"}, {"no", "options"}, {"report", "address"}} {
				b.choose(s[0], "worry/"+s[1])
			}
			b.submit("worry/contact", "#answer", "Hoofdstraat 14")
			b.skip("worry/check")
			b.choose("send", "worry/sent")
		},
		"senior": func() {
			for _, s := range [][2]string{{"clustered", "household"}, {"alone", "income"}, {"low", "care"}, {"no", "how_it_works"}, {"register", "contact"}} {
				b.choose(s[0], "senior/"+s[1])
			}
			b.skip("senior/check")
			b.choose("send", "senior/sent")
		},
		"repairs": func() {
			b.choose("other", "repairs/question")
			b.submit("repairs/identity", "#answer", "De voordeur klemt.")
			b.choose("anonymous", "repairs/postcode")
			b.skip("repairs/check")
			b.choose("send", "repairs/sent")
		},
	}
	tickets := map[string]bool{}
	for i, topic := range []string{"nuisance", "worry", "senior", "repairs"} {
		if i == 0 {
			b.pairKiosk()
		} else {
			b.do(chromedp.Navigate(b.base + "/kiosk/")) // a kiosk that starts again
		}
		b.at("start/menu")
		b.choose(topic, topic+"/"+map[string]string{"nuisance": "what", "worry": "what", "senior": "kind", "repairs": "what"}[topic])
		walks[topic]()
		code := value(b, chromedp.Text(css("#ticket-code")))
		if !validTicket(code) || tickets[code] {
			t.Fatalf("%s: ticket %q", topic, code)
		}
		tickets[code] = true
		b.do(chromedp.Click(css(`button[data-global="restart"]`), chromedp.NodeVisible))
		b.at("start/menu")
	}
	// Talk to a person, from the first question of a topic.
	b.choose("money", "money/bills")
	b.do(chromedp.Click(css(`button[data-global="person"]`), chromedp.NodeVisible))
	b.at("talk/how")
	b.choose("here", "talk/message")
	b.submit("talk/sent", "#answer", "Kunt u mij helpen met een brief?")
	if code := value(b, chromedp.Text(css("#ticket-code"))); !validTicket(code) {
		t.Fatalf("talk: ticket %q", code)
	}
	page, err := b.store.Inbox(context.Background(), buurtloket.InboxQuery{})
	if err != nil || len(page.Requests) != 5 {
		t.Fatalf("%d requests stored, want 5: %v", len(page.Requests), err)
	}
	if b.axe != "" && b.scans < 40 {
		t.Fatalf("only %d screens scanned", b.scans)
	}
	t.Logf("%d screens scanned with axe-core", b.scans)
}

// TestBrowserReconnects cuts the WebSocket, as a restart of the server
// does: the page reconnects and continues at the same step, answers intact.
func TestBrowserReconnects(t *testing.T) {
	b, outage := newBrowserWithOutage(t, 1080, 1920)
	b.pairKiosk()
	b.at("start/menu")
	b.choose("money", "money/bills")
	b.choose("health", "money/how_long")
	value(b, chromedp.Evaluate[bool](`window.__before = document.querySelector("main h1"); true`))
	outage.down.Store(true)
	b.web.CloseConnections()
	// A calm "one moment" while the server cannot take the page back.
	b.do(chromedp.WaitVisible(css(`#overlay`)))
	if text := value(b, chromedp.Evaluate[string](`document.getElementById("overlay-text").textContent`)); !strings.Contains(text, "Even geduld") {
		t.Fatalf("while reconnecting the page says %q", text)
	}
	b.scan("reconnecting-nl")
	outage.down.Store(false)
	// The resumed view replaces the screen: a new heading, at the same step.
	b.do(chromedp.WaitVisible(css(`main h1`)))
	// The page's back-off between tries grows to several seconds during
	// the outage (and the scan): give it time.
	for i := 0; i < 200 && value(b, chromedp.Evaluate[bool](`document.querySelector("main h1") === window.__before`)); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if value(b, chromedp.Evaluate[bool](`document.querySelector("main h1") === window.__before`)) {
		t.Fatal("the page did not reconnect and resume")
	}
	b.at("money/how_long")
	b.do(chromedp.Click(css(`button[data-global="back"]`), chromedp.NodeVisible))
	b.at("money/bills")
	if sel := value(b, chromedp.Evaluate[string](`document.querySelector("main button.selected").dataset.option`)); sel != "health" {
		t.Fatalf("after the reconnect the answer is %q, want health", sel)
	}
}

// TestBrowserFollowUp opens a request with its code and PIN on the kiosk,
// reads the staff reply in Turkish words, and answers.
func TestBrowserFollowUp(t *testing.T) {
	b := newBrowser(t, 1080, 1920, KioskMode)
	ctx := context.Background()
	rec, err := b.store.Submit(ctx, buurtloket.NewRequest{Key: "b-follow", Topic: buurtloket.TopicNuisance, Priority: buurtloket.PriorityNormal,
		Channel: buurtloket.ChannelKiosk, Lang: "tr", Summary: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Reply(ctx, rec.ID, "staff:anna", "<i>Yarın</i> arayacağız."); err != nil {
		t.Fatal(err)
	}
	b.pairKiosk()
	b.at("start/menu")
	b.do(chromedp.Click(css(`main button[lang="tr"]`), chromedp.NodeVisible), chromedp.WaitVisible(css(`html[lang="tr"]`)))
	b.do(chromedp.Click(css(`#follow`), chromedp.NodeVisible))
	b.at("follow/form")
	b.scan("follow-form-tr")
	b.do(chromedp.SendKeys(css("#f-code"), strings.ToLower(rec.Ticket)), chromedp.SendKeys(css("#f-pin"), rec.PIN),
		chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible))
	b.at("follow/thread")
	b.scan("follow-thread-tr")
	if status := value(b, chromedp.Text(css("#follow-status"))); status != "Cevaplandı" {
		t.Fatalf("status %q", status)
	}
	if body := value(b, chromedp.Text(css(".thread .staff .body"))); body != "<i>Yarın</i> arayacağız." {
		t.Fatalf("staff message %q", body)
	}
	b.do(chromedp.SendKeys(css("#f-reply"), "Teşekkürler."), chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(css(".thread li.resident")))
	if thread, _ := b.store.Thread(ctx, rec.ID); len(thread) != 2 {
		t.Fatalf("the answer was not stored: %d messages", len(thread))
	}
}

// TestBrowserKioskForgetsTheThread: the "I have a code" screens are wiped
// like every other one: the code form, and the thread with the staff's
// reply and the reply box; the server forgets the opened thread (the wipe
// stops the conversation there too).
func TestBrowserKioskForgetsTheThread(t *testing.T) {
	quick := KioskMode
	quick.Idle, quick.Warning = 2*time.Second, 2*time.Second
	b := newBrowser(t, 1080, 1920, quick)
	ctx := context.Background()
	rec, err := b.store.Submit(ctx, buurtloket.NewRequest{Key: "b-wipe", Topic: buurtloket.TopicMoney, Priority: buurtloket.PriorityNormal,
		Channel: buurtloket.ChannelKiosk, Lang: "nl", Summary: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Reply(ctx, rec.ID, "staff:anna", "Uw schuld bij de deurwaarder is 2.300 euro."); err != nil {
		t.Fatal(err)
	}
	b.pairKiosk()
	b.at("start/menu")
	// The code form alone is wiped too.
	b.do(chromedp.Click(css(`#follow`), chromedp.NodeVisible))
	b.at("follow/form")
	b.do(chromedp.SendKeys(css("#f-code"), rec.Ticket))
	b.do(chromedp.WaitVisible(css(`#overlay-button`)), chromedp.WaitNotVisible(css(`#overlay`)))
	b.at("start/menu")
	if n := value(b, chromedp.Evaluate[int](`document.querySelectorAll("#f-code").length`)); n != 0 {
		t.Fatal("the code form outlived the wipe")
	}
	b.do(chromedp.Click(css(`#follow`), chromedp.NodeVisible))
	b.do(chromedp.SendKeys(css("#f-code"), rec.Ticket), chromedp.SendKeys(css("#f-pin"), rec.PIN),
		chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible))
	b.at("follow/thread")
	stops := testutil.ToFloat64(b.web.metrics.inputs.WithLabelValues("kiosk"))
	b.do(chromedp.WaitVisible(css(`#overlay-button`)), chromedp.WaitNotVisible(css(`#overlay`)))
	b.at("start/menu")
	html := value(b, chromedp.OuterHTML(css("html")))
	for _, gone := range []string{"2.300 euro", "f-reply", rec.Ticket} {
		if strings.Contains(html, gone) {
			t.Errorf("after the wipe the page still holds %q", gone)
		}
	}
	if got := testutil.ToFloat64(b.web.metrics.inputs.WithLabelValues("kiosk")); got != stops+1 {
		t.Errorf("the wipe did not stop the conversation on the server (%v inputs, want %v)", got, stops+1)
	}
}

// TestBrowserKioskKeyboard types with the kiosk's own keyboard: Latin with
// diacritics, then Arabic, and checks the keys are large enough.
func TestBrowserKioskKeyboard(t *testing.T) {
	b := newBrowser(t, 1080, 1920, KioskMode)
	b.pairKiosk()
	b.at("start/menu")
	b.choose("repairs", "repairs/what")
	b.choose("other", "repairs/question")
	b.do(chromedp.Click(css("#answer"), chromedp.NodeVisible), chromedp.WaitVisible(css("#keyboard")))
	if mode := value(b, chromedp.Evaluate[string](`document.getElementById("answer").getAttribute("inputmode")`)); mode != "none" {
		t.Errorf("inputmode %q: the system keyboard would appear too", mode)
	}
	for _, k := range []string{"d", "e", "u", "r", " ", "k", "l", "e", "m", "t", "ö", "x"} {
		b.do(chromedp.Click(css(`#keyboard button[data-key="`+k+`"]`), chromedp.NodeVisible))
	}
	b.do(chromedp.Click(css(`#keyboard button[aria-label="backspace"]`), chromedp.NodeVisible))
	b.scan("kiosk-keyboard-nl")
	if got := value(b, chromedp.Evaluate[string](`document.getElementById("answer").value`)); got != "deur klemtö" {
		t.Fatalf("typed %q", got)
	}
	b.do(chromedp.Click(css(`#keyboard button[data-layout="arabic"]`), chromedp.NodeVisible),
		chromedp.Click(css(`#keyboard button[data-key="ب"]`), chromedp.NodeVisible))
	if got := value(b, chromedp.Evaluate[string](`document.getElementById("answer").value`)); got != "deur klemtöب" {
		t.Fatalf("after Arabic %q", got)
	}
	small := value(b, chromedp.Evaluate[int](`[...document.querySelectorAll("#keyboard button")].filter(k => { const r = k.getBoundingClientRect(); return r.width < 72 || r.height < 72 }).length`))
	if small != 0 {
		t.Errorf("%d keys are smaller than 72px", small)
	}
	b.do(chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible))
	b.at("repairs/identity")
	if hidden := value(b, chromedp.Evaluate[bool](`document.getElementById("keyboard").hidden`)); !hidden {
		t.Error("the keyboard stays on the next screen")
	}
}

// TestBrowserLeaveQuickly: the button on every screen wipes at once.
func TestBrowserLeaveQuickly(t *testing.T) {
	b := newBrowser(t, 1920, 1080, KioskMode)
	b.pairKiosk()
	b.at("start/menu")
	b.choose("worry", "worry/what")
	b.choose("confused", "worry/danger")
	// Touch targets on a kiosk screen are at least 72px: the emergency
	// strip and "leave quickly" too.
	small := value(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main button, nav button, header a, header button")]
		.filter(e => e.getBoundingClientRect().height < 72)
		.map(e => e.textContent)`))
	if len(small) != 0 {
		t.Errorf("buttons lower than 72px: %v", small)
	}
	// A kiosk cannot dial: every number of the strip shows.
	if text := value(b, chromedp.Text(css(`.strip`))); !strings.Contains(text, "112") || !strings.Contains(text, "0900-8844") || !strings.Contains(text, "0800-2000") {
		t.Errorf("the strip shows %q, without every number", text)
	}
	// The emergency numbers on a kiosk say what to do without a phone.
	b.do(chromedp.Click(css(`[data-global="emergency"]`), chromedp.NodeVisible), chromedp.WaitVisible(css(`#no-phone`)))
	b.do(chromedp.Click(css(`.strip .leave`), chromedp.NodeVisible))
	b.at("start/menu")
	html := value(b, chromedp.OuterHTML(css("main")))
	if strings.Contains(html, "Is er nu gevaar?") || strings.Contains(html, "confused") || strings.Contains(html, "worry/danger") {
		t.Fatal("leave quickly left the resident's screen behind")
	}
}

// TestBrowserPhone: the same page on a phone-sized screen.
func TestBrowserPhone(t *testing.T) {
	b := newBrowser(t, 390, 844, KioskMode)
	b.do(chromedp.Navigate(b.base + "/"))
	b.at("start/menu")
	b.scan("phone-start-nl")
	b.choose("money", "money/bills")
	b.scan("phone-money-bills-nl")
	if w := value(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`)); w > 0 {
		t.Errorf("the phone page scrolls sideways by %dpx", w)
	}
	if mode := value(b, chromedp.Evaluate[string](`document.documentElement.dataset.mode`)); mode != "phone" {
		t.Fatalf("mode %q", mode)
	}
}

// TestBrowserKioskRevoked: a kiosk revoked while its page is open shows the
// not-paired screen within a ping, with nothing of the resident left.
func TestBrowserKioskRevoked(t *testing.T) {
	quick := KioskMode
	quick.Ping = 300 * time.Millisecond
	b := newBrowser(t, 1080, 1920, quick)
	// The pairing page asks before it pairs.
	b.do(chromedp.Navigate(b.pairing), chromedp.WaitVisible(css(`#pair`)))
	b.scan("kiosk-pair")
	b.do(chromedp.Click(css(`#pair`), chromedp.NodeVisible))
	b.at("start/menu")
	b.choose("nuisance", "nuisance/what")
	kiosks, err := b.store.Kiosks(context.Background())
	if err != nil || len(kiosks) != 1 {
		t.Fatal(kiosks, err)
	}
	if err := b.store.RevokeKiosk(context.Background(), kiosks[0].ID); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.WaitVisible(css(`main.unpaired`)))
	html := value(b, chromedp.OuterHTML(css("body")))
	if !strings.Contains(html, "Deze kiosk is nog niet gekoppeld") || strings.Contains(html, "nuisance") || strings.Contains(html, "app.js") {
		t.Fatalf("after revoking: %.400s", html)
	}
	b.scan("kiosk-not-paired")
}

// TestBrowserKioskOutage: a kiosk that loads while the store does not
// answer says "one moment", not "not paired", and comes back by itself.
func TestBrowserKioskOutage(t *testing.T) {
	b, outage := newBrowserWithOutage(t, 1920, 1080)
	b.pairKiosk()
	b.at("start/menu")
	outage.down.Store(true)
	b.do(chromedp.Navigate(b.base + "/kiosk/"))
	b.do(chromedp.WaitVisible(css(`main.unpaired`)))
	if html := value(b, chromedp.OuterHTML(css("main"))); !strings.Contains(html, "Even geduld") || strings.Contains(html, "gekoppeld") {
		t.Fatalf("store down: %.300s", html)
	}
	b.scan("kiosk-one-moment")
	outage.down.Store(false)
	b.at("start/menu") // within the page's 10 s retry
}

// TestBrowserLeaveWhileReconnecting: "leave quickly" while the server is
// away still works (the strip stays above the overlay), and when the page
// is back the resident's conversation is not shown again, not even for a
// moment: the stop reaches the server first.
func TestBrowserLeaveWhileReconnecting(t *testing.T) {
	b, outage := newBrowserWithOutage(t, 1080, 1920)
	b.pairKiosk()
	b.at("start/menu")
	b.choose("money", "money/bills")
	b.choose("health", "money/how_long")
	outage.down.Store(true)
	b.web.CloseConnections()
	b.do(chromedp.WaitVisible(css(`#overlay`)))
	b.do(chromedp.Click(css(`.strip .leave`), chromedp.NodeVisible))
	value(b, chromedp.Evaluate[bool](`window.__shown = false;
		new MutationObserver(() => { if (document.getElementById("screen").textContent.includes("Hoe lang betaalt")) window.__shown = true; })
			.observe(document.getElementById("screen"), { childList: true, subtree: true, characterData: true }); true`))
	if html := value(b, chromedp.OuterHTML(css("main"))); strings.Contains(html, "Hoe lang betaalt") {
		t.Fatal("leave quickly left the screen behind while reconnecting")
	}
	outage.down.Store(false)
	b.at("start/menu")
	if value(b, chromedp.Evaluate[bool](`window.__shown`)) {
		t.Fatal("after reconnecting, the conversation that was left was shown again")
	}
}

// TestBrowserTouchKeepsTheConversation: on a kiosk the server forgets a
// conversation on its own after the idle time; a resident who keeps
// touching the screen (reading, not answering) keeps it, also across a
// reconnect.
func TestBrowserTouchKeepsTheConversation(t *testing.T) {
	b := newBrowserWith(t, 1080, 1920, func(c *Config) {
		c.Kiosk = KioskMode
		c.Kiosk.Idle, c.Kiosk.Warning, c.Kiosk.Sessions = 3*time.Second, 2*time.Second, 5*time.Second
	})
	b.pairKiosk()
	b.at("start/menu")
	b.choose("money", "money/bills")
	for i := 0; i < 8; i++ { // 8 s of touching the question, longer than the session lives
		time.Sleep(time.Second)
		b.do(chromedp.Click(css(`main h1`), chromedp.NodeVisible))
	}
	value(b, chromedp.Evaluate[bool](`window.__before = document.querySelector("main h1"); true`))
	b.web.CloseConnections()
	// Wait for the view the reconnect brings (a new heading), then look.
	for i := 0; i < 50 && value(b, chromedp.Evaluate[bool](`document.querySelector("main h1") === window.__before`)); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if step := value(b, chromedp.Evaluate[string](`document.querySelector("main").dataset.step`)); step != "money/bills" {
		t.Fatalf("after the reconnect the kiosk is at %s, want money/bills", step)
	}
}

// TestBrowserMultiChoice: a multi step's buttons switch on and off, an
// exclusive one ("Nothing yet") clears the others and another clears it,
// "Continue" waits for a choice, and the answer reaches the confirm screen.
func TestBrowserMultiChoice(t *testing.T) {
	b := newBrowser(t, 1080, 1920, KioskMode)
	b.pairKiosk()
	b.at("start/menu")
	b.choose("nuisance", "nuisance/what")
	b.choose("dirt", "nuisance/address")
	b.submit("nuisance/since", "#answer", "Broersvest 12")
	b.choose("long", "nuisance/how_often")
	b.choose("weekly", "nuisance/done_so_far")
	pressed := func() string {
		return strings.Join(value(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main button[aria-pressed="true"]')].map(b => b.dataset.option)`)), ",")
	}
	disabled := func() bool {
		return value(b, chromedp.Evaluate[bool](`document.getElementById("multi-next").disabled`))
	}
	if !disabled() || pressed() != "" {
		t.Fatalf("before a choice: continue disabled %v, pressed %q", disabled(), pressed())
	}
	click := func(o string) {
		b.do(chromedp.Click(css(`main button[data-option="`+o+`"]`), chromedp.NodeVisible))
	}
	for _, step := range []struct{ click, want string }{
		{"talked", "talked"}, {"police", "talked,police"}, {"nothing", "nothing"}, {"corporation", "corporation"},
		{"police", "corporation,police"}, {"corporation", "police"},
	} {
		click(step.click)
		if got := pressed(); got != step.want {
			t.Fatalf("after %s: pressed %q, want %q", step.click, got, step.want)
		}
	}
	if disabled() {
		t.Fatal("continue stays disabled after a choice")
	}
	b.scan("nuisance-done_so_far-nl")
	b.do(chromedp.Click(css(`#multi-next`), chromedp.NodeVisible))
	b.at("nuisance/contact")
	b.skip("nuisance/check")
	if summary := value(b, chromedp.Text(css(".summary"))); !strings.Contains(summary, "Gemeld bij de politie") {
		t.Fatalf("the confirm screen lacks the chosen answer: %q", summary)
	}
	// An answer keeps its own direction (an address in an Arabic page).
	if dirs := value(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".summary .a")].map(e => e.dir)`)); len(dirs) == 0 || dirs[0] != "auto" {
		t.Fatalf("answers on the confirm screen have dir %v, want auto", dirs)
	}
	// Back at the step, the page shows what was chosen.
	b.do(chromedp.Click(css(`button[data-global="back"]`), chromedp.NodeVisible))
	b.at("nuisance/contact")
	b.do(chromedp.Click(css(`button[data-global="back"]`), chromedp.NodeVisible))
	b.at("nuisance/done_so_far")
	if got := pressed(); got != "police" {
		t.Fatalf("back at the step: pressed %q, want police", got)
	}
}

// TestBrowserCallPagesSayWhatToDoWithoutAPhone: a kiosk cannot dial, so
// every page that says "call" (not only the emergency numbers) says what
// to do without a phone; a page without a number does not.
func TestBrowserCallPagesSayWhatToDoWithoutAPhone(t *testing.T) {
	b := newBrowser(t, 1080, 1920, KioskMode)
	b.pairKiosk()
	b.at("start/menu")
	b.choose("nuisance", "nuisance/what")
	b.choose("threat", "nuisance/danger")
	if n := value(b, chromedp.Evaluate[int](`document.querySelectorAll("#no-phone").length`)); n != 0 {
		t.Fatal("a question without a number shows the no-phone line")
	}
	b.choose("yes", "nuisance/call_now")
	b.do(chromedp.WaitVisible(css(`#no-phone`)))
	b.scan("nuisance-call_now-nl")
}
