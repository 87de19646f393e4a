package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/bot/bottest"
	"buurtloket/dialogs"
	"buurtloket/internal/browsertest"
	stafftexts "buurtloket/locales/staff"

	"github.com/chromedp/chromedp"
)

// TestEndToEnd runs buurtloket as serve does, with a kiosk and a staff
// member each in their own Chromium: a resident asks for help at the
// kiosk in Arabic; the request shows in the open inbox without a reload;
// the staff member claims it and sends a canned reply, which the
// resident's open follow-up page shows at once in Arabic, without losing
// what the resident was typing, and which the console then shows as
// delivered; the resident answers, and the staff member sees it without a
// reload; closed, the request takes no more answers from the page.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--db", filepath.Join(dir, "b.db"), "--key-file", filepath.Join(dir, "b.key")}
	once := addStaff(t, db)
	code, out, stderr := runCmd(t, "", append([]string{"kiosk", "add", "--name", "Buurthuis De Erker", "--wijk", "Oost"}, db...)...)
	link := pairingLink.FindStringSubmatch(out)
	if code != 0 || link == nil {
		t.Fatalf("kiosk add: exit %d %q %q", code, out, stderr)
	}
	s := &Server{Addr: "127.0.0.1:0", DB: filepath.Join(dir, "b.db"), KeyFile: filepath.Join(dir, "b.key")}
	stop := startServer(t, s)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	base := s.URL()
	staff, kiosk := consoleTab(t), tab{t, browsertest.New(t, 1080, 1920)}
	step := func(name string) string { return `document.querySelector('main[data-step="` + name + `"]') !== null` }
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	texts := s.engine.Load().Content().Catalog

	staff.firstLogin(base, once)

	// The resident, at the kiosk, in Arabic, with their name and number.
	kiosk.run(chromedp.Navigate(base+"/kiosk/pair?token="+link[2]), chromedp.Click(css("#pair"), chromedp.NodeVisible))
	kiosk.until("the kiosk's menu", step("start/menu"))
	kiosk.run(chromedp.Click(css(`main button[lang="ar"]`), chromedp.NodeVisible), chromedp.WaitVisible(css(`html[dir="rtl"]`)))
	for _, c := range [][2]string{{"repairs", "repairs/what"}, {"urgent", "repairs/urgent"}, {"help", "repairs/question"}} {
		kiosk.click(`main button[data-option="` + c[0] + `"]`)
		kiosk.until(c[1], step(c[1]))
	}
	kiosk.run(chromedp.SendKeys(css("#answer"), "الماء يتسرب من السقف"), chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible))
	kiosk.until("repairs/identity", step("repairs/identity"))
	kiosk.click(`main button[data-option="named"]`)
	kiosk.until("repairs/contact", step("repairs/contact"))
	kiosk.run(chromedp.SendKeys(css("#c-name"), "Fatima"), chromedp.SendKeys(css("#c-phone"), "06 12345678"),
		chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible))
	kiosk.until("repairs/postcode", step("repairs/postcode"))
	kiosk.click(`form.answer button[type="button"]`) // skip
	kiosk.until("repairs/check", step("repairs/check"))
	kiosk.click(`main button[data-option="send"]`)
	kiosk.until("repairs/sent", step("repairs/sent"))
	ticket, pin := kiosk.text(`document.getElementById("ticket-code").textContent`), kiosk.text(`document.getElementById("ticket-pin").textContent`)
	r, err := s.store.RequestByTicket(context.Background(), ticket, pin)
	if err != nil || r.Lang != "ar" || r.Channel != buurtloket.ChannelKiosk {
		t.Fatalf("the kiosk's request %s: %v %+v", ticket, err, r)
	}

	// It shows in the open inbox, without a reload.
	row := `a[href="/staff/requests/` + strconv.FormatInt(r.ID, 10) + `"]`
	staff.until("the new request in the open inbox", `document.querySelector('`+row+`') !== null`)

	// The resident opens the request with code and PIN, and starts typing.
	kiosk.click(`[data-global="restart"]`)
	kiosk.until("the menu again", step("start/menu"))
	kiosk.click("#follow")
	kiosk.until("the code form", step("follow/form"))
	kiosk.run(chromedp.SendKeys(css("#f-code"), ticket), chromedp.SendKeys(css("#f-pin"), pin),
		chromedp.Click(css(`form.answer button[type="submit"]`), chromedp.NodeVisible))
	kiosk.until("the thread", step("follow/thread"))
	typing := "شكرا، أنا في البيت"
	kiosk.run(chromedp.SendKeys(css("#f-reply"), typing))

	// The staff member claims it and sends a canned reply.
	staff.claimAndThank(row)
	staff.until("the canned reply in the thread", `document.querySelectorAll("#thread-items li.message.staff").length === 1`)
	thread, err := s.store.Thread(context.Background(), r.ID)
	if err != nil || len(thread) != 1 || thread[0].Canned != "thanks" {
		t.Fatalf("the stored thread: %v %+v", err, thread)
	}
	arabic := thread[0].Body
	if !strings.ContainsRune(arabic, 'ا') || arabic == texts.Text("nl", "reply.general.thanks.text") {
		t.Fatalf("the resident gets %q, want Arabic", arabic)
	}

	// The open follow-up page shows it at once, in Arabic, right to left,
	// and what the resident typed is still there.
	kiosk.until("the staff reply on the open follow-up page", `[...document.querySelectorAll("#follow-thread li.staff .body")].some(p => p.textContent === `+jsString(arabic)+`)`)
	if got := kiosk.text(`document.getElementById("f-reply").value`); got != typing {
		t.Fatalf("the reply box holds %q after the push, want %q", got, typing)
	}
	if dir := kiosk.text(`document.documentElement.dir`); dir != "rtl" {
		t.Fatalf("the follow-up page is %q", dir)
	}
	// The console tells the truth: the page was sent it.
	staff.untilDelivered("staff.delivery.sent")

	// The resident answers; the staff member sees it without a reload.
	kiosk.click(`#follow-answer button[type="submit"]`)
	staff.until("the resident's answer on the open request page", `document.querySelector("#thread-items").textContent.includes(`+jsString(typing)+`)`)

	// Closed: the page says so and takes no more answers.
	staff.run(chromedp.SetValue(css("#status"), string(buurtloket.StatusClosed)))
	staff.click(`form[action$="/status"] button[type=submit]`)
	staff.until("closed", `document.body.dataset.page === "request" && document.querySelector('form[action$="/canned"]') === null`)
	kiosk.until("the closed request on the follow-up page", `document.getElementById("follow-answer") === null && document.getElementById("follow-status").textContent === `+
		jsString(texts.Text("ar", buurtloket.StatusClosed.MessageID())))
	if _, err := s.store.ResidentReply(context.Background(), ticket, pin, "x"); buurtloket.ErrorCode(err) != buurtloket.ECONFLICT {
		t.Fatalf("a closed request took an answer: %v", err)
	}
}

// addStaff adds a staff account on the command line, as an admin would
// before serve starts, and returns its one-time password.
func addStaff(t *testing.T, db []string) string {
	t.Helper()
	code, out, stderr := runCmd(t, "", append([]string{"staff", "add", "--email", "anna@woonplus.nl", "--name", "Anna de Vries", "--role", "staff"}, db...)...)
	once := oneTime.FindStringSubmatch(out)
	if code != 0 || once == nil {
		t.Fatalf("staff add: exit %d %q %q", code, out, stderr)
	}
	return once[1]
}

// tab is a page in Chromium, for the end-to-end tests.
type tab struct {
	t   *testing.T
	ctx context.Context
}

// consoleTab is a staff member's browser: a laptop, in Dutch.
func consoleTab(t *testing.T) tab {
	return tab{t, browsertest.New(t, 1280, 900, chromedp.Flag("accept-lang", "nl-NL,nl"))}
}

func (b tab) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func (b tab) click(sel string) {
	b.t.Helper()
	b.run(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (b tab) text(js string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// until waits for a JavaScript condition; a page that is navigating
// fails to evaluate for a moment, which counts as not yet.
func (b tab) until(what, js string) {
	b.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); ok {
			return
		}
	}
	text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	b.t.Fatalf("%s: not within 15 seconds; the page says:\n%s", what, text)
}

// firstLogin logs in with the one-time password, chooses a password,
// and waits until the inbox listens.
func (b tab) firstLogin(base, once string) {
	b.t.Helper()
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	b.run(chromedp.Navigate(base+"/staff/"), chromedp.WaitVisible(css("#email")),
		chromedp.SendKeys(css("#email"), "anna@woonplus.nl"), chromedp.SendKeys(css("#password"), once),
		chromedp.Click(css("main button[type=submit]")), chromedp.WaitVisible(css("#new")),
		chromedp.SendKeys(css("#new"), "drie lange woorden hier"), chromedp.SendKeys(css("#again"), "drie lange woorden hier"),
		chromedp.Click(css("main button[type=submit]")))
	b.until("the inbox listens", `document.body.dataset.page === "inbox" && document.body.dataset.listening === "yes"`)
}

// claimAndThank opens the request behind the inbox link row, claims it
// and sends the canned reply "thanks".
func (b tab) claimAndThank(row string) {
	b.t.Helper()
	b.click(row)
	b.until("the request page", `document.body.dataset.page === "request"`)
	b.click(`form[action$="/claim"] button`)
	b.until("claimed", `document.body.dataset.page === "request" && document.querySelector('form[action$="/claim"]') === null`)
	b.click("#canned-thanks")
	b.click(`form[action$="/canned"] button[type=submit]`)
}

// untilDelivered waits until the request page shows the staff reply as
// delivered: message is "staff.delivery.sent" (drawn on the resident's
// page) or "staff.delivery.sent_telegram".
func (b tab) untilDelivered(message string) {
	b.t.Helper()
	texts, probs := dialogs.LoadCatalog(stafftexts.FS, "locales/staff")
	if texts == nil {
		b.t.Fatal(probs)
	}
	b.until("the reply shown as delivered", `document.querySelector("#thread-items li.message.staff .meta").textContent.includes(`+jsString(texts.Text("nl", message))+`)`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestEndToEndThroughTheBot: the same, with the request made in a Telegram
// chat in Turkish (the bot against a fake Bot API server): it shows in the
// open inbox; the canned reply reaches the chat in Turkish; the resident's
// answer in the chat shows on the open request page; closed, the chat's
// next message joins nothing (the menu comes).
func TestEndToEndThroughTheBot(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--db", filepath.Join(dir, "b.db"), "--key-file", filepath.Join(dir, "b.key")}
	once := addStaff(t, db)
	fake := bottest.New(t)
	s := &Server{Addr: "127.0.0.1:0", DB: filepath.Join(dir, "b.db"), KeyFile: filepath.Join(dir, "b.key"),
		Telegram: Telegram{Token: bottest.Token, APIURL: fake.URL}}
	stop := startServer(t, s)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	staff := consoleTab(t)
	staff.firstLogin(s.URL(), once)

	// The resident, in a Telegram chat in Turkish.
	const chat = 424242
	user := bottest.User{ID: chat, Lang: "tr"}
	var update int64 = 1
	seen := 0
	// handled counts the updates the bot has finished with, from its
	// metrics: the chat's answer to an update is whole only then (a
	// question may come in two messages, the second a moment later).
	handled := func() int64 {
		families, err := s.registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		n := 0.0
		for _, f := range families {
			if f.GetName() != "buurtloket_bot_handled_total" {
				continue
			}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "result" && (l.GetValue() == "done" || l.GetValue() == "given_up") {
						n += m.GetCounter().GetValue()
					}
				}
			}
		}
		return int64(n)
	}
	waitNew := func() []bottest.Message {
		t.Helper()
		// Updates 2 to update were sent, one after the other.
		if !fake.WaitFor(15*time.Second, func() bool { return handled() >= update-1 }) {
			t.Fatalf("the bot did not handle update %d; the chat:\n%v", update, fake.Messages(chat))
		}
		msgs := fake.Messages(chat)
		if len(msgs) <= seen {
			t.Fatalf("the bot does not answer; the chat:\n%v", msgs)
		}
		seen = len(msgs)
		return msgs
	}
	say := func(text string) []bottest.Message {
		update++
		fake.Queue(bottest.TextUpdate(update, user, text))
		return waitNew()
	}
	press := func(label string) {
		t.Helper()
		msgs := fake.Messages(chat)
		for i := len(msgs) - 1; i >= 0; i-- {
			for _, row := range msgs[i].Keyboard {
				for _, b := range row {
					if b.Text == label {
						update++
						fake.Queue(bottest.PressUpdate(update, user, msgs[i].ID, b.CallbackData))
						waitNew()
						return
					}
				}
			}
			if len(msgs[i].Keyboard) > 0 {
				break
			}
		}
		t.Fatalf("no button %q on the question", label)
	}
	engine := s.engine.Load()
	say("/start")
	for _, m := range bottest.PathToTicket(engine, "tr", "repairs") {
		switch m.Kind {
		case "choose":
			press(m.Label)
		case "text", "contact":
			say(m.Text)
		}
	}
	var ticket string
	for _, w := range strings.Fields(fake.Messages(chat)[seen-1].Text) {
		if c, ok := buurtloket.NormalizeTicket(strings.Trim(w, ".,:")); ok && len(w) >= 9 {
			ticket = c
		}
	}
	r, err := s.store.RequestByCode(context.Background(), ticket)
	if err != nil || r.Channel != buurtloket.ChannelTelegram || r.Lang != "tr" {
		t.Fatalf("the bot's request %q: %v %+v", ticket, err, r)
	}
	row := `a[href="/staff/requests/` + strconv.FormatInt(r.ID, 10) + `"]`
	staff.until("the bot's request in the open inbox", `document.querySelector('`+row+`') !== null`)

	// Claimed, answered with a canned reply: it reaches the chat in Turkish.
	staff.claimAndThank(row)
	texts := engine.Content().Catalog
	want := texts.Format("tr", "ui.bot.staff_reply", map[string]any{"Ticket": ticket}) + "\n\n" + texts.Text("tr", "reply.general.thanks.text")
	if !fake.WaitFor(15*time.Second, func() bool { m := fake.Messages(chat); return len(m) > 0 && m[len(m)-1].Text == want }) {
		t.Fatalf("the chat did not get the Turkish reply %q; it has:\n%v", want, fake.Messages(chat))
	}
	seen = len(fake.Messages(chat))
	staff.untilDelivered("staff.delivery.sent_telegram")

	// The resident answers in the chat; the open request page shows it.
	answer := "Teşekkürler, yarın evdeyim."
	say(answer)
	staff.until("the chat's answer on the open request page", `document.querySelector("#thread-items").textContent.includes(`+jsString(answer)+`)`)

	// Closed: the chat's next message joins nothing; the menu comes.
	staff.run(chromedp.SetValue(chromedp.CSS("#status"), string(buurtloket.StatusClosed)))
	staff.click(`form[action$="/status"] button[type=submit]`)
	staff.until("closed", `document.body.dataset.page === "request" && document.querySelector('form[action$="/canned"]') === null`)
	_, menu := engine.Start("x", "tr")
	if msgs := say("Nog iets?"); msgs[len(msgs)-1].Text != menu.Prompt {
		t.Fatalf("after closing, the chat says %q", msgs[len(msgs)-1].Text)
	}
	thread, _ := s.store.Thread(context.Background(), r.ID)
	for _, m := range thread {
		if m.Body == "Nog iets?" {
			t.Fatal("a message after closing joined the thread")
		}
	}
}
